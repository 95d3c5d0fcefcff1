"""The 工作台账 (ledger) as rows: one per key task, for Excel, WPS and LibreOffice, and as CSV.

Pure: every function takes model objects or plain data and returns rows or file bytes.
``ledger_rows``, ``unit_summary`` and ``record_rows`` shape the data; ``to_csv`` turns it
into bytes, ``ledger_xlsx.to_xlsx`` into the printed workbook. Text from the data is
cleaned here for every file (``clean``, ``fit_cell``, ``cell_text``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from anmin_track import assess, model
from anmin_track.text import cn_date, pct

#: The CSV columns (and the fields of ``Row.values``).
HEADERS = (
    "序号",
    "重点工作",
    "任务",
    "牵头领导",
    "责任单位",
    "责任人",
    "完成时限",
    "序时进度",
    "当前进度",
    "亮灯",
    "最新进展",
    "存在问题",
    "下步计划",
    "指标",
    "更新日期",
    "督办单",
)
PERCENT_COLUMNS = ("序时进度", "当前进度")
#: What `anmin import` reads back, and (hidden in the xlsx, last in the CSV) what each row held
#: when exported under ``导出时…``: a ledger exported before a colleague's change is then seen not
#: to have made it (``parse.LEDGER_EXPORTED``).
RETURNED = ("牵头领导", "责任单位", "责任人")
EXPORTED_HEADERS = tuple(f"导出时{h}" for h in RETURNED)
#: The task kind after its title in the ledger (a 项目 task, the usual one, has none); a 常态 task's
#: percent cells stay empty: it has no completion percentage.
KIND_MARKS = {model.CREATION: "【创建】", model.DUTY: "【常态】"}
#: Cell colours of the 亮灯 column (and the font that stays readable on them).
LIGHT_FILLS = {
    model.RED: ("FFFF0000", "FFFFFFFF"),
    model.YELLOW: ("FFFFFF00", "FF000000"),
    model.GREEN: ("FF00B050", "FFFFFFFF"),
    model.DONE: ("FF5B9BD5", "FFFFFFFF"),
}
#: A cell starting with one of these is a formula to Excel and WPS.
FORMULA_START = ("=", "+", "-", "@")
#: Tasks nobody has claimed yet are summed up under this 责任单位.
#: Excel's limit on the characters of one cell (UTF-16 code units), and what marks a cut.
CELL_LIMIT = 32_767
CUT_MARK = "…（已截断）"

# --------------------------------------------------------------------------- text from the data is data

# C0 controls but tab and newline, DEL, C1, bidi marks/overrides/isolates, lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean(text: str) -> str:
    """``text`` without control and bidi characters; CR and CRLF become newlines, tabs stay."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fit_cell(text: str, limit: int = CELL_LIMIT) -> str:
    """``text`` cut to ``limit`` UTF-16 units (Excel's count) with a visible ``…（已截断）`` at the end."""
    if _utf16_len(text) <= limit:
        return text
    room, kept = limit - _utf16_len(CUT_MARK), []
    for ch in text:
        room -= 2 if ord(ch) > 0xFFFF else 1
        if room < 0:
            break
        kept.append(ch)
    return "".join(kept) + CUT_MARK


def cell_text(value) -> str:
    """What a text cell holds: cleaned and within Excel's cell limit."""
    return fit_cell(clean(_text(value)))


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True)
class Row:
    """One task's ledger line: values by header, plus its light for colouring and its goal's id."""

    values: dict
    light: str
    goal_id: str = ""


@dataclass(frozen=True)
class UnitLine:
    """One 责任单位 in the summary: its tasks by light, weighted progress and overdue count."""

    unit: str
    tasks: int
    done: int
    green: int
    yellow: int
    red: int
    #: Mean of the tasks' progress weighted by task weight (as goal progress is).
    progress: float
    overdue: int
    #: Sum of the task weights, so a total line can weight units in turn.
    weight: float


@dataclass(frozen=True)
class RecordRow:
    """One progress record as the month sheet shows it."""

    date: date
    task: str
    progress: int | None  # None: a 常态 task's record
    note: str
    problem: str
    next: str
    by: str


@dataclass(frozen=True)
class Heading:
    """Whose ledger, which year, as of which day: the title rows of every sheet."""

    org: str
    year: int
    as_of: date

    @property
    def ledger(self) -> str:
        return f"{self.org}{self.year}年重点工作任务台账（截至{cn_date(self.as_of)}）"

    @property
    def summary(self) -> str:
        return f"{self.org}{self.year}年重点工作任务按责任单位汇总（截至{cn_date(self.as_of)}）"

    @property
    def records(self) -> str:
        return f"{self.org}{self.as_of.year}年{self.as_of.month}月重点工作任务进展记录（截至{cn_date(self.as_of)}）"


def light_cell(ts: model.TaskStatus) -> str:
    """亮灯 as written in the ledger: 已销号/已完成/红黄绿灯, with 未更新 and missed milestones noted."""
    notes = [f"未达{cn_date(ts.missed.date)}节点{ts.missed.percent}%"] if ts.missed else []
    notes += [model.STALE_LABEL] if ts.stale else []
    return ts.label + (f"（{'；'.join(notes)}）" if notes else "")


def due_cell(task: model.Task) -> str:
    nodes = [f"{cn_date(m.date)}前达到{m.percent}%" for m in task.milestones]
    return "\n".join([cn_date(task.due), *(["时间节点：" + "；".join(nodes)] if nodes else [])])


def _dated(text: str, record: model.Record, latest: model.Record | None) -> str:
    """``text`` from ``record``, with its date when that is not the 更新日期 (the latest record's)."""
    return text if latest is not None and record.date == latest.date else f"{text}（{cn_date(record.date)}）"


def metrics_cell(task: model.Task, values: model.LatestValues, latest: model.Record | None) -> str:
    """Each metric's latest value, one a line in the plan's order: ``调解矛盾纠纷 12件``."""
    lines = []
    for m in task.metrics:
        held = values.metrics.get(m.name)
        if held is not None:
            lines.append(_dated(f"{m.name} {held.metrics[m.name]:g}{m.unit}", held, latest))
    return "\n".join(lines)


def ledger_rows(
    plan: model.Plan,
    statuses: list[model.GoalStatus],
    latest_values: Mapping[str, model.LatestValues],
    notices: Mapping[str, str] | None = None,
) -> list[Row]:
    """One row per task; ``latest_values``: each task's latest 存在问题, 下步计划 and metric values
    (a later record that leaves them empty does not blank them); ``notices``: each task's open 督办单, as words."""
    rows = []
    for gs in statuses:
        for ts in gs.tasks:
            t, latest = ts.task, ts.latest
            held = latest_values.get(t.id, model.NO_VALUES)
            problem, plan_next = held.open_problem, held.next
            values = {
                "序号": t.id,
                "重点工作": gs.goal.title,
                "任务": t.title + KIND_MARKS.get(t.kind, ""),
                "牵头领导": t.lead,
                "责任单位": t.unit,
                "责任人": t.owner,
                "完成时限": due_cell(t),
                "序时进度": round(ts.expected) if ts.measured else None,
                "当前进度": round(ts.progress) if ts.measured else None,
                "亮灯": light_cell(ts),
                "最新进展": latest.note if latest else "",
                "存在问题": _dated(problem.problem, problem, latest) if problem else "",
                "下步计划": _dated(plan_next.next, plan_next, latest) if plan_next else "",
                "指标": metrics_cell(t, held, latest),
                "更新日期": latest.date if latest else None,
                "督办单": (notices or {}).get(t.id, ""),
            }
            rows.append(Row(values, ts.light, gs.goal.id))
    return rows


def unit_summary(statuses: list[model.GoalStatus]) -> list[UnitLine]:
    """One line per 责任单位 in plan order (unclaimed tasks last, as 待认领)."""
    by_unit: dict[str, list[model.TaskStatus]] = {}
    for gs in statuses:
        for ts in gs.tasks:
            by_unit.setdefault(ts.task.unit.strip() or model.UNCLAIMED_LABEL, []).append(ts)
    if model.UNCLAIMED_LABEL in by_unit:
        by_unit[model.UNCLAIMED_LABEL] = by_unit.pop(model.UNCLAIMED_LABEL)
    lines = []
    for unit, tasks in by_unit.items():
        lights = [ts.light for ts in tasks]
        lines.append(
            UnitLine(
                unit=unit,
                tasks=len(tasks),
                done=lights.count(model.DONE),
                green=lights.count(model.GREEN),
                yellow=lights.count(model.YELLOW),
                red=lights.count(model.RED),
                progress=assess.weighted_mean((ts.progress, ts.task.weight) for ts in tasks if ts.measured),
                overdue=sum(ts.overdue for ts in tasks),
                weight=sum(ts.task.weight for ts in tasks),
            )
        )
    return lines


def summary_total(lines: list[UnitLine]) -> UnitLine:
    """The 合计 line: counts added up, progress weighted by task weight over all units."""
    return UnitLine(
        unit="合计",
        tasks=sum(u.tasks for u in lines),
        done=sum(u.done for u in lines),
        green=sum(u.green for u in lines),
        yellow=sum(u.yellow for u in lines),
        red=sum(u.red for u in lines),
        progress=assess.weighted_mean((u.progress, u.weight) for u in lines),
        overdue=sum(u.overdue for u in lines),
        weight=sum(u.weight for u in lines),
    )


def record_rows(plan: model.Plan, records: Iterable[model.Record], *, as_of: date) -> list[RecordRow]:
    """The records of ``as_of``'s month up to that day, oldest first, each task as ``id title``."""
    kept = sorted(
        (r for r in records if (r.date.year, r.date.month) == (as_of.year, as_of.month) and r.date <= as_of),
        key=lambda r: r.sort_key,
    )
    rows = []
    for r in kept:
        task = plan.task(r.task)
        rows.append(
            RecordRow(
                date=r.date,
                task=f"{r.task} {task.title}" if task else r.task,
                progress=r.progress,
                note=r.note,
                problem=r.problem,
                next=r.next,
                by=r.by,
            )
        )
    return rows


# --------------------------------------------------------------------------- CSV


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return cn_date(value)
    return str(value)


def _csv_cell(text: str) -> str:
    """Cleaned text; if Excel could run it as a formula (even after leading blanks) a leading ' keeps it text.

    Tabs become spaces and CRs newlines first, so ``\\t=1+2`` is caught as `` =1+2``.
    """
    text = clean(text).replace("\t", " ")
    return "'" + text if text.lstrip().startswith(FORMULA_START) else text


def csv_id(task_id: str) -> str:
    """A task id as the text formula ``="1.10"``: Excel, WPS and LibreOffice show 1.10, not the number 1.1."""
    text = clean(task_id).replace("\t", " ").replace("\n", " ")
    formula = '="' + text.replace('"', '""') + '"'
    return formula if len(text) <= 255 else _csv_cell(text)  # 255: Excel's longest string in a formula


def to_csv(rows: list[Row]) -> bytes:
    """UTF-8 with a BOM: Excel and WPS then open it with the Chinese intact."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS + EXPORTED_HEADERS)
    for row in rows:
        writer.writerow(
            [
                csv_id(str(row.values[h]))
                if h == "序号"
                else ("" if row.values[h] is None else pct(row.values[h]))
                if h in PERCENT_COLUMNS
                else _csv_cell(_text(row.values[h]))
                for h in HEADERS
            ]
            + [_csv_cell(_text(row.values[h])) for h in RETURNED]
        )
    return out.getvalue().encode("utf-8-sig")
