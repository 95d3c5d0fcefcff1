"""The 督办 views as tables: `goals list --group`, `goals due`, `goals list --unreported`, `notice list`.

Drawn with ``grid.Grid``, like `goals list`: in a narrow window a column is never cut
(no number loses a digit), bars shrink to numbers, then the least needed columns are left
out and a note under the table names them; widths follow the plan's ambiguous-width setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from rich.text import Text

from anmin_track import model
from anmin_track.output.grid import Bar, Column, Grid, current_chrome, plain
from anmin_track.output.render import DUTY_CELL
from anmin_track.output.render import counts_text as _counts
from anmin_track.text import cn_date_iso, pct


def _title(text: str) -> Text:
    return plain(text, style="italic")


def _who(value: str) -> Text:
    return plain(value) if value else Text(model.UNCLAIMED_LABEL, style="dim")


def group_table(view: dict) -> Grid:
    """`goals list --group`: one row per unit or person, with its lights and overdue tasks."""
    plan, dot = view["plan"], current_chrome().dot
    grid = Grid(
        [
            Column(view["group_label"], wrap=True, min_width=8),
            Column("任务数", justify="right"),
            Column("亮灯"),
            Column("平均进度"),
            Column("逾期任务", wrap=True, min_width=8, drop=2),
            Column("任务", wrap=True, min_width=8, ratio=2, drop=1),
        ],
        title=_title(f"{plan['org']}重点任务按{view['group_label']}汇总{dot}截至{cn_date_iso(view['as_of'])}"),
    )
    for line in view["groups"]:
        name = plain(line["name"]) if line["claimed"] else Text(line["name"], style="dim")
        # ids apart by spaces: a column wraps between them, never inside `1.8`
        overdue = plain(" ".join(line["overdue"]), style="red") if line["overdue"] else Text("—")
        progress = Text("—") if line["progress"] is None else Bar(line["progress"])
        grid.add_row(
            name, Text(str(line["count"])), _counts(line["counts"]), progress, overdue, plain(" ".join(line["tasks"]))
        )
    return grid


def days_text(days_left: int) -> Text:
    """还剩N天 / 今天到期 / 逾期N天."""
    if days_left < 0:
        return Text(f"逾期{-days_left}天", style="bold red")
    return Text("今天到期" if days_left == 0 else f"还剩{days_left}天", style="yellow" if days_left <= 3 else "")


def due_table(view: dict) -> Grid:
    """`goals due`: deadlines soonest first, who answers for them, days left or late."""
    dot = current_chrome().dot
    grid = Grid(
        [
            Column("编号"),
            Column("重点任务", wrap=True, min_width=20),
            Column("节点", drop=3),
            Column("日期", drop=1),
            Column("进度"),
            Column("责任单位", wrap=True, min_width=8, drop=2),
            Column("责任人", drop=4),
            Column("剩余"),
        ],
        title=_title(f"{view['within']}天内到期及已逾期的任务和时间节点{dot}截至{cn_date_iso(view['as_of'])}"),
    )
    for item in view["items"]:
        kind = "完成时限" if item["kind"] == "due" else f"节点{item['percent']}%"
        if item["stage"] is not None:  # a 创建 task's deadlines are its stages'
            kind = f"{item['stage']}阶段" + ("（完成时限）" if item["kind"] == "due" else "")
        grid.add_row(
            plain(item["task"]),
            plain(item["title"]),
            Text(kind),
            plain(item["date"]),
            Text(f"{pct(item['progress'])}/{item['percent']}%"),
            _who(item["unit"]),
            _who(item["owner"]),
            days_text(item["days_left"]),
        )
    return grid


def unreported_table(view: dict) -> Grid:
    """`goals list --unreported`: the tasks the clerk chases before the report is due."""
    year, month = view["month"].split("-")
    grid = Grid(
        [
            Column("编号"),
            Column("重点任务", wrap=True, min_width=20),
            Column("牵头领导", drop=2),
            Column("责任单位", wrap=True, min_width=8, drop=3),
            Column("责任人"),
            Column("月初进度", drop=1),
            Column("上次报送"),
        ],
        title=_title(f"{int(year)}年{int(month)}月未报送进展的重点任务（共{len(view['tasks'])}项）"),
    )
    for task in view["tasks"]:
        grid.add_row(
            plain(task["id"]),
            plain(task["title"]),
            plain(task["lead"] or "—"),
            _who(task["unit"]),
            _who(task["owner"]),
            Text(DUTY_CELL if task["progress"] is None else pct(task["progress"])),
            plain(task["last_update"] or "从未报送"),
        )
    return grid


# --------------------------------------------------------------------------- `notice list`

NOTICES_SCHEMA = "anmin.notices/1"


def notices_view(items: Sequence[Any], as_of: date) -> dict:
    """`notice list`: each 督办单 (``actions.NoticeItem``) with its state as of ``as_of``."""

    def one(item: Any) -> dict:
        state = item.state
        return {
            "code": item.code,
            "year": item.year,
            "number": item.number,
            "task": item.task,
            "title": item.title,
            "to": item.to,
            "level": state.level if state else "",
            "signed": _iso(item.signed),
            "reply_by": _iso(item.reply_by),
            "signed_by": state.signed_by if state else "",
            "signed_on": _iso(state.signed_on if state else None),
            "reply": state.reply if state else "",
            "replied_on": _iso(state.replied_on if state else None),
            "closed_on": _iso(state.closed_on if state else None),
            "close_note": state.close_note if state else "",
            "void_note": state.void_note if state else "",
            "status": item.status,
            "days_late": item.days_late(as_of),
            "output": item.output,
        }

    return {"schema": NOTICES_SCHEMA, "as_of": as_of.isoformat(), "notices": [one(i) for i in items]}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


#: How each state is drawn.
STATE_STYLES = {"逾期未反馈": "bold red", "待签收": "yellow", "已销号": "green", "作废": "dim"}


def notices_table(view: dict) -> Grid:
    """`notice list`: number, task, to whom, issued, reply by, signed for, answered, state."""
    grid = Grid(
        [
            Column("编号"),
            Column("任务", wrap=True, min_width=12, ratio=2),
            Column("责任单位", wrap=True, min_width=8, drop=3),
            Column("成文", drop=4),
            Column("反馈期限"),
            Column("签收", wrap=True, min_width=6, drop=2),
            Column("反馈", wrap=True, min_width=8, drop=1),
            Column("状态"),
        ],
        title=_title(f"督办单{current_chrome().dot}截至{cn_date_iso(view['as_of'])}"),
    )
    for n in view["notices"]:
        signed = f"{n['signed_by']} {n['signed_on']}" if n["signed_on"] else "—"
        reply = f"{n['replied_on']} {n['reply']}" if n["replied_on"] else "—"
        state = n["status"] + (f"{n['days_late']}天" if n["days_late"] else "")
        grid.add_row(
            plain(n["code"]),
            plain(f"{n['task']} {n['title']}".strip()),
            plain(n["to"] or "—"),
            Text(n["signed"] or "—"),
            Text(n["reply_by"] or "—"),
            plain(signed),
            plain(reply),
            Text(state, style=STATE_STYLES.get(n["status"], "")),
        )
    return grid
