"""Rich output for people: tables and panels. The only module that knows about colours.

Everything shown from the data goes through ``Text`` objects made by ``plain`` so that
markup like ``[red]`` and terminal escapes in notes are shown literally.
"""

from __future__ import annotations

import os

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from anmin_track import model
from anmin_track.text import cn_date_iso, pct, visible

LIGHT_STYLES = {model.DONE: "bold blue", model.GREEN: "bold green", model.YELLOW: "bold yellow", model.RED: "bold red"}
UNCLAIMED = "待认领"
BAR_WIDTH = 10
PIPE_WIDTH = 120


def make_console(stderr: bool = False) -> Console:
    """A console that prints data as data; piped output gets room for whole rows.

    Rich assumes 80 columns when not writing to a terminal, which would fold every goal
    title over three lines in `anmin goals list > 文件.txt` or `| grep`.
    """
    console = Console(stderr=stderr, highlight=False, emoji=False, markup=False, soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PIPE_WIDTH
    return console


def plain(value: object, oneline: bool = True, style: str = "") -> Text:
    return Text(visible("" if value is None else str(value), oneline=oneline), style=style)


def light_text(light: str, stale: bool = False, closed: bool = False) -> Text:
    text = Text(model.CLOSED_LABEL if closed else model.LIGHT_LABELS[light], style=LIGHT_STYLES[light])
    if stale:
        text.append(" " + model.STALE_LABEL, style="magenta")
    return text


def bar(progress: float) -> Text:
    """A progress bar of width-1 characters in every terminal (▰▱ are not East Asian ambiguous)."""
    filled = round(BAR_WIDTH * max(0.0, min(progress, 100.0)) / 100)
    text = Text("▰" * filled, style="green")
    text.append("▱" * (BAR_WIDTH - filled), style="dim")
    text.append(f" {pct(progress):>4}")
    return text


def _counts(counts: dict) -> Text:
    text = Text()
    for key, label, style in (
        ("done", "完成", "blue"),
        ("closed", "销号", "blue"),
        ("green", "绿", "green"),
        ("yellow", "黄", "yellow"),
        ("red", "红", "red"),
        ("stale", "未更新", "magenta"),
    ):
        if counts[key]:
            text.append(f"{label}{counts[key]} ", style=style)
    return text


def _task_light(task: dict) -> Text:
    return light_text(task["light"], task["stale"], task["closed"] is not None)


def _owner(task: dict) -> Text:
    return plain(task["owner"]) if task["owner"] else Text(UNCLAIMED, style="dim")


def goals_table(view: dict, with_tasks: bool) -> Table:
    plan = view["plan"]
    table = Table(
        title=plain(f"{plan['org']}{plan['title']} · 截至{cn_date_iso(view['as_of'])}"),
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    table.add_column("编号", no_wrap=True)
    table.add_column("重点工作 / 重点任务" if with_tasks else "重点工作", ratio=1, min_width=12, overflow="fold")
    if with_tasks:
        table.add_column("责任人", no_wrap=True)
        table.add_column("完成时限", no_wrap=True)
    table.add_column("进度", no_wrap=True)
    table.add_column("序时", justify="right", no_wrap=True)
    table.add_column("亮灯", no_wrap=True)
    if not with_tasks:
        table.add_column("任务分布", no_wrap=True)
    table.add_column("最近更新", no_wrap=True)
    for goal in view["goals"]:
        cells = [plain(goal["id"], style="bold"), plain(goal["title"], style="bold")]
        if with_tasks:
            cells += [Text(""), Text("")]
        cells += [bar(goal["progress"]), Text(pct(goal["expected"])), light_text(goal["light"])]
        if not with_tasks:
            cells.append(_counts(goal["counts"]))
        cells.append(plain(goal["last_update"] or "—"))
        table.add_row(*cells, end_section=with_tasks and not goal["tasks"])
        if with_tasks:
            for i, task in enumerate(goal["tasks"]):
                table.add_row(
                    plain(task["id"]),
                    plain("  " + task["title"]),
                    _owner(task),
                    plain(task["due"]),
                    bar(task["progress"]),
                    Text(pct(task["expected"])),
                    _task_light(task),
                    plain(task["last_update"] or "—"),
                    end_section=i == len(goal["tasks"]) - 1,
                )
    return table


def _milestones(task: dict) -> Text:
    """Each 时间节点 as `2024年6月30日 50%`, the missed one marked."""
    text = Text()
    for i, m in enumerate(task["milestones"]):
        text.append(("、" if i else "") + f"{cn_date_iso(m['date'])} {m['percent']}%")
        if m == task["missed_milestone"]:
            text.append("(未达到)", style="bold yellow")
    return text


def _field_rows(rows: list[tuple[str, object]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(ratio=1)
    for label, value in rows:
        grid.add_row(label, value if isinstance(value, Text) else plain(value, oneline=False))
    return grid


def _people(task: dict) -> list[tuple[str, object]]:
    return [
        ("牵头领导", task["lead"] or Text(UNCLAIMED, style="dim")),
        ("责任单位", task["unit"] or Text(UNCLAIMED, style="dim")),
        ("责任人", _owner(task)),
        ("配合单位", "、".join(task["partners"]) or "—"),
    ]


def task_detail(view: dict) -> list:
    task = view["task"]
    rows = [
        ("任务", plain(f"{task['id']} {task['title']}", style="bold")),
        ("所属重点工作", f"{view['goal']['id']} {view['goal']['title']}"),
        ("依据(原文)", task["source"] or "—"),
        *_people(task),
        ("起止日期", f"{cn_date_iso(task['start'])} 至 {cn_date_iso(task['due'])}"),
        ("权重", f"{task['weight']:g}"),
        ("当前进度", bar(task["progress"])),
        ("序时进度", pct(task["expected"])),
        ("亮灯", _task_light(task)),
    ]
    if task["milestones"]:
        rows.append(("时间节点", _milestones(task)))
    if task["closed"]:
        closed = task["closed"]
        rows.append(("销号", plain(f"{cn_date_iso(closed['date'])} {closed['by']}:{closed['note']}")))
    for m in task["metrics"]:
        baseline = "—" if m["baseline"] is None else f"{m['baseline']:g}{m['unit']}"
        latest = "暂无" if m["latest"] is None else f"{m['latest']:g}{m['unit']}"
        rows.append((f"指标:{visible(m['name'])}", f"最新 {latest};2023年 {baseline}"))
    parts: list = [_field_rows(rows)]
    if view["history"]:
        history = Table(
            title=f"进展记录(截至{cn_date_iso(view['as_of'])},最新在前)",
            box=box.SIMPLE_HEAD,
            show_edge=False,
            pad_edge=False,
            show_lines=True,
        )
        for name, kw in (
            ("日期", {"no_wrap": True}),
            ("进度", {"justify": "right", "no_wrap": True}),
            ("进展情况", {"ratio": 2, "overflow": "fold"}),
            ("存在问题", {"ratio": 1, "overflow": "fold"}),
            ("下步计划", {"ratio": 1, "overflow": "fold"}),
            ("记录人", {"no_wrap": True}),
        ):
            history.add_column(name, **kw)
        for r in view["history"]:
            note = r["note"] + "".join(f"\n{k}:{v:g}" for k, v in r["metrics"].items())
            history.add_row(
                plain(r["date"]),
                Text(f"{r['progress']}%"),
                plain(note, oneline=False),
                plain(r["problem"], oneline=False),
                plain(r["next"], oneline=False),
                plain(r["by"]),
            )
        parts.append(history)
    else:
        parts.append(
            Text(
                "暂无进展记录。记录一条:anmin goals update " + task["id"] + " --progress 数值 --note 进展情况",
                style="dim",
            )
        )
    return parts


def goal_detail(view: dict) -> list:
    goal = view["goal"]
    rows = [
        ("重点工作", plain(f"{goal['id']} {goal['title']}", style="bold")),
        ("进度", bar(goal["progress"])),
        ("序时进度", pct(goal["expected"])),
        ("亮灯", light_text(goal["light"])),
        ("任务分布", _counts(goal["counts"])),
    ]
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for name in ("编号", "重点任务", "责任人", "进度", "亮灯", "最新进展"):
        wraps = name in ("重点任务", "最新进展")
        table.add_column(name, ratio=1 if wraps else None, no_wrap=not wraps, overflow="fold")
    for task in goal["tasks"]:
        latest = task["latest"]
        note = f"{latest['date']} {latest['note']}" if latest else "暂无记录"
        table.add_row(
            plain(task["id"]),
            plain(task["title"]),
            _owner(task),
            bar(task["progress"]),
            _task_light(task),
            plain(note),
        )
    return [_field_rows(rows), table]


def show(parts: list, console: Console | None = None) -> None:
    console = console or make_console()
    for part in parts:
        console.print(part)


def print_table(table: Table) -> None:
    make_console().print(table)


# --------------------------------------------------------------------------- supervision (督办)


def _plain_table(title: str) -> Table:
    return Table(title=plain(title), box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)


def group_table(view: dict) -> Table:
    """`goals list --group`: one row per unit or person, with its lights and overdue tasks."""
    plan = view["plan"]
    table = _plain_table(f"{plan['org']}重点任务按{view['group_label']}汇总 · 截至{cn_date_iso(view['as_of'])}")
    table.add_column(view["group_label"], ratio=1, min_width=8, overflow="fold")
    table.add_column("任务数", justify="right", no_wrap=True)
    table.add_column("亮灯", no_wrap=True)
    table.add_column("平均进度", no_wrap=True)
    table.add_column("逾期任务", overflow="fold")
    table.add_column("任务", overflow="fold")
    for line in view["groups"]:
        name = plain(line["name"]) if line["claimed"] else Text(line["name"], style="dim")
        overdue = plain("、".join(line["overdue"]), style="red") if line["overdue"] else Text("—")
        table.add_row(
            name, Text(str(line["count"])), _counts(line["counts"]), bar(line["progress"]), overdue,
            plain("、".join(line["tasks"])),
        )
    return table


def days_text(days_left: int) -> Text:
    """还剩N天 / 今天到期 / 逾期N天."""
    if days_left < 0:
        return Text(f"逾期{-days_left}天", style="bold red")
    return Text("今天到期" if days_left == 0 else f"还剩{days_left}天", style="yellow" if days_left <= 3 else "")


def due_table(view: dict) -> Table:
    """`goals due`: deadlines soonest first, who answers for them, days left or late."""
    table = _plain_table(
        f"{view['within']}天内到期及已逾期的任务和时间节点 · 截至{cn_date_iso(view['as_of'])}"
    )
    table.add_column("编号", no_wrap=True)
    table.add_column("重点任务", ratio=1, min_width=12, overflow="fold")
    table.add_column("节点", no_wrap=True)
    table.add_column("日期", no_wrap=True)
    table.add_column("进度", no_wrap=True)
    table.add_column("责任单位", overflow="fold")
    table.add_column("责任人", no_wrap=True)
    table.add_column("剩余", no_wrap=True)
    for item in view["items"]:
        kind = "完成时限" if item["kind"] == "due" else f"节点{item['percent']}%"
        table.add_row(
            plain(item["task"]),
            plain(item["title"]),
            Text(kind),
            plain(item["date"]),
            Text(f"{pct(item['progress'])}/{item['percent']}%"),
            plain(item["unit"]) if item["unit"] else Text(UNCLAIMED, style="dim"),
            plain(item["owner"]) if item["owner"] else Text(UNCLAIMED, style="dim"),
            days_text(item["days_left"]),
        )
    return table


def unreported_table(view: dict) -> Table:
    """`goals list --unreported`: the tasks the clerk chases before the report is due."""
    year, month = view["month"].split("-")
    table = _plain_table(f"{int(year)}年{int(month)}月未报送进展的重点任务（共{len(view['tasks'])}项）")
    table.add_column("编号", no_wrap=True)
    table.add_column("重点任务", ratio=1, min_width=12, overflow="fold")
    table.add_column("牵头领导", no_wrap=True)
    table.add_column("责任单位", overflow="fold")
    table.add_column("责任人", no_wrap=True)
    table.add_column("月初进度", no_wrap=True)
    table.add_column("上次报送", no_wrap=True)
    for task in view["tasks"]:
        table.add_row(
            plain(task["id"]),
            plain(task["title"]),
            plain(task["lead"] or "—"),
            plain(task["unit"]) if task["unit"] else Text(UNCLAIMED, style="dim"),
            plain(task["owner"]) if task["owner"] else Text(UNCLAIMED, style="dim"),
            Text(pct(task["progress"])),
            plain(task["last_update"] or "从未报送"),
        )
    return table
