"""Rich output for people: the goals table and the task and goal panels, laid out in ``grid``'s tables."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from anmin_track import model
from anmin_track.output.grid import Bar, Chrome, Column, Grid, current_chrome, plain
from anmin_track.text import cn_date_iso, pct, visible

LIGHT_STYLES = {model.DONE: "bold blue", model.GREEN: "bold green", model.YELLOW: "bold yellow", model.RED: "bold red"}
TITLE_MIN = 24  # cells a goal or task title gets before any bar or column does


def light_text(light: str, stale: bool = False, closed: bool = False) -> Text:
    text = Text(model.CLOSED_LABEL if closed else model.LIGHT_LABELS[light], style=LIGHT_STYLES[light])
    if stale:
        text.append(" " + model.STALE_LABEL, style="magenta")
    return text


#: What stands in a progress cell of a 常态 task (or a goal of such tasks only): it has no percentage.
DUTY_CELL = "常态工作"


def progress_cell(item: dict) -> Bar | Text:
    """A task's or goal's progress bar; for a 常态 task (``progress`` None) the words saying it has none."""
    if item["progress"] is None:
        return Text(DUTY_CELL, style="dim")
    return Bar(item["progress"])


def expected_cell(item: dict) -> Text:
    return Text(current_chrome().none, style="dim") if item["expected"] is None else Text(pct(item["expected"]))


def counts_text(counts: dict) -> Text:
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
    text.rstrip()
    return text


def _task_light(task: dict) -> Text:
    return light_text(task["light"], task["stale"], task["closed"] is not None)


def _owner(task: dict) -> Text:
    return plain(task["owner"]) if task["owner"] else Text(model.UNCLAIMED_LABEL, style="dim")


def goals_table(view: dict, with_tasks: bool) -> Grid:
    plan, chrome = view["plan"], current_chrome()
    title_header = "重点工作 / 重点任务" if with_tasks else "重点工作"
    columns = [Column("编号"), Column(title_header, wrap=True, min_width=TITLE_MIN)]
    if with_tasks:
        columns += [Column("责任人", drop=3), Column("完成时限", drop=2)]
    columns += [Column("进度"), Column("序时", justify="right", drop=4), Column("亮灯")]
    if not with_tasks:
        columns.append(Column("任务分布", drop=2))
    columns.append(Column("最近更新", drop=1))
    year = f"{plan['year']}年度（已结束）{chrome.dot}" if plan.get("finished") else ""
    grid = Grid(
        columns,
        title=plain(f"{plan['org']}{plan['title']}{chrome.dot}{year}截至{cn_date_iso(view['as_of'])}", style="italic"),
    )
    for goal in view["goals"]:
        cells: list = [plain(goal["id"], style="bold"), plain(goal["title"], style="bold")]
        if with_tasks:
            cells += [Text(""), Text("")]
        cells += [progress_cell(goal), expected_cell(goal), light_text(goal["light"])]
        if not with_tasks:
            cells.append(counts_text(goal["counts"]))
        cells.append(plain(goal["last_update"] or chrome.none))
        grid.add_row(*cells, end_section=with_tasks and not goal["tasks"])
        if with_tasks:
            for i, task in enumerate(goal["tasks"]):
                grid.add_row(
                    plain(task["id"]),
                    plain("  " + task["title"]),
                    _owner(task),
                    plain(task["due"]),
                    progress_cell(task),
                    expected_cell(task),
                    _task_light(task),
                    plain(task["last_update"] or chrome.none),
                    end_section=i == len(goal["tasks"]) - 1,
                )
    return grid


def _milestones(task: dict) -> Text:
    """Each 时间节点 as `2024年6月30日 50%`, the missed one marked."""
    text = Text()
    for i, m in enumerate(task["milestones"]):
        text.append(("、" if i else "") + f"{cn_date_iso(m['date'])} {m['percent']}%")
        if m == task["missed_milestone"]:
            text.append("（未达到）", style="bold yellow")
    return text


def _field_rows(rows: Sequence[tuple[str, object]]) -> Grid:
    grid = Grid([Column(""), Column("", wrap=True, min_width=20)], header=False)
    for label, value in rows:
        cell = value if isinstance(value, Text | Bar) else plain(value, oneline=False)
        grid.add_row(Text(label, style="bold"), cell)
    return grid


def _people(task: dict, chrome: Chrome) -> list[tuple[str, object]]:
    return [
        ("牵头领导", task["lead"] or Text(model.UNCLAIMED_LABEL, style="dim")),
        ("责任单位", task["unit"] or Text(model.UNCLAIMED_LABEL, style="dim")),
        ("责任人", _owner(task)),
        ("配合单位", "、".join(task["partners"]) or chrome.none),
    ]


def _carried(task: dict) -> list[tuple[str, object]]:
    carried = task.get("carried_from")
    if not carried:
        return []
    year, _, tid = carried["from"].partition(":")
    return [("结转自", f"{year}年计划 {tid}（上年末进度 {carried['progress']}%）")]


KIND_WORDS = {
    model.PROJECT: "项目（按完成进度和序时进度亮灯）",
    model.CREATION: "创建（按申报、评审、命名、授牌阶段记录，以各阶段期限亮灯）",
    model.DUTY: "常态工作（不计完成进度，按月报送情况和指标序时亮灯）",
}


def _kind_rows(task: dict) -> list[tuple[str, object]]:
    """当前进度 and 序时进度 of a project; a 创建 task's stage too; none for a 常态 task."""
    if task["progress"] is None:
        return []
    rows: list[tuple[str, object]] = [("当前进度", Bar(task["progress"])), ("序时进度", pct(task["expected"]))]
    if task["stage"] is not None:
        due_stage = model.stage_name(task["expected"])
        rows.insert(0, ("创建阶段", f"{task['stage']}（按各阶段期限，现应达到：{due_stage}）"))
    return rows


def _first_record_options(task: dict) -> str:
    if task["progress"] is None:
        return " --note 本期开展的工作"
    if task["stage"] is not None:
        return " --stage 申报 --note 进展情况"
    return " --progress 数值 --note 进展情况"


def _record_progress(task: dict, progress: int) -> str:
    return model.stage_name(progress) if task["task_kind"] == model.CREATION else f"{progress}%"


def task_detail(view: dict) -> list:
    task, chrome = view["task"], current_chrome()
    rows = [
        ("任务", plain(f"{task['id']} {task['title']}", style="bold")),
        ("所属重点工作", f"{view['goal']['id']} {view['goal']['title']}"),
        ("依据（原文）", task["source"] or chrome.none),
        *_people(task, chrome),
        *_carried(task),
        ("起止日期", f"{cn_date_iso(task['start'])} 至 {cn_date_iso(task['due'])}"),
        ("权重", f"{task['weight']:g}"),
        ("任务类型", KIND_WORDS[task["task_kind"]]),
        *_kind_rows(task),
        ("亮灯", _task_light(task)),
    ]
    if task["milestones"]:
        rows.append(("时间节点", _milestones(task)))
    if task["closed"]:
        closed = task["closed"]
        rows.append(("销号", plain(f"{cn_date_iso(closed['date'])} {closed['by']}：{closed['note']}")))
    lags = {lag["name"]: lag for lag in task["lags"]}
    for m in task["metrics"]:
        baseline = chrome.none if m["baseline"] is None else f"{m['baseline']:g}{m['unit']}"
        latest = "暂无" if m["latest"] is None else f"{m['latest']:g}{m['unit']}（{cn_date_iso(m['latest_date'])}）"
        target = "" if m["target"] is None else f"；全年目标 {m['target']:g}{m['unit']}"
        lag = lags.get(m["name"])
        if lag is not None:
            target += f"，按序时应达 {lag['expected']:g}{m['unit']}"
        rows.append((f"指标：{visible(m['name'])}", f"{m['basis']}口径，最新 {latest}{target}；上年 {baseline}"))
    for key, label in (("problem", "存在问题"), ("next", "下步计划")):
        if task[key]:
            rows.append((label, f"{task[key]['text']}（{cn_date_iso(task[key]['date'])}）"))
    parts: list = [_field_rows(rows)]
    if view["history"]:
        history = Grid(
            [
                Column("日期"),
                Column("进度"),
                Column("进展情况", wrap=True, ratio=2, min_width=12),
                Column("存在问题", wrap=True, min_width=8, drop=2),
                Column("下步计划", wrap=True, min_width=8, drop=1),
                Column("记录人", drop=3),
            ],
            title=Text(f"进展记录（截至{cn_date_iso(view['as_of'])}，最新在前）", style="italic"),
            row_lines=True,
        )
        for r in view["history"]:
            note = r["note"] + "".join(f"\n{k}：{v:g}" for k, v in r["metrics"].items())
            history.add_row(
                plain(r["date"]),
                Text("—" if r["progress"] is None else _record_progress(task, r["progress"])),
                plain(note, oneline=False),
                plain(r["problem"], oneline=False),
                plain(r["next"], oneline=False),
                plain(r["by"]),
            )
        parts.append(history)
    else:
        parts.append(
            Text(
                "暂无进展记录。记录一条：anmin goals update " + task["id"] + _first_record_options(task),
                style="dim",
            )
        )
    return parts


def goal_detail(view: dict) -> list:
    goal = view["goal"]
    rows = [
        ("重点工作", plain(f"{goal['id']} {goal['title']}", style="bold")),
        ("进度", progress_cell(goal)),
        ("序时进度", expected_cell(goal)),
        ("亮灯", light_text(goal["light"])),
        ("任务分布", counts_text(goal["counts"])),
    ]
    table = Grid(
        [
            Column("编号"),
            Column("重点任务", wrap=True, ratio=3, min_width=TITLE_MIN),
            Column("责任人", drop=2),
            Column("进度"),
            Column("亮灯"),
            Column("最新进展", wrap=True, ratio=2, min_width=16, drop=1),
        ]
    )
    for task in goal["tasks"]:
        latest = task["latest"]
        note = f"{latest['date']} {latest['note']}" if latest else "暂无记录"
        table.add_row(
            plain(task["id"]),
            plain(task["title"]),
            _owner(task),
            progress_cell(task),
            _task_light(task),
            plain(note),
        )
    return [_field_rows(rows), table]
