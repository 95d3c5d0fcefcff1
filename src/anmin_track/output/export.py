"""The 工作台账 (ledger) as a spreadsheet: one row per key task, for Excel, WPS and LibreOffice.

Pure: every function takes model objects or plain data and returns rows or file bytes.
``ledger_rows``, ``unit_summary`` and ``record_rows`` shape the data; ``to_csv`` and
``to_xlsx`` turn it into bytes. openpyxl is imported only inside ``to_xlsx``.

The xlsx is laid out for printing on A4 landscape: column widths are fixed so that one
page width prints at ``fit_scale`` ≥ 75%, row heights are computed from the wrapped
text (no spreadsheet program auto-fits rows of a file it did not write itself).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from anmin_track import assess, model
from anmin_track.text import cn_date, pct, percent, wrap_by_width

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
UNCLAIMED = "待认领"
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
            by_unit.setdefault(ts.task.unit.strip() or UNCLAIMED, []).append(ts)
    if UNCLAIMED in by_unit:
        by_unit[UNCLAIMED] = by_unit.pop(UNCLAIMED)
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


# --------------------------------------------------------------------------- xlsx layout


@dataclass(frozen=True)
class Column:
    """A printed column: header, width in Excel character units, and how its cells look."""

    header: str
    width: float
    kind: str = "text"  # text | center | percent | date | light
    #: The header as shown, when a break placed by hand reads better than wherever it wraps.
    label: str = ""


#: The ledger sheet. 重点工作 is not a column: each goal is a merged section row above its
#: tasks (a 30-character goal title repeated on every row would eat a fifth of the page).
LEDGER_COLUMNS = (
    Column("序号", 6, "center"),
    Column("任务", 23),
    Column("牵头领导", 8, "center", "牵头\n领导"),
    Column("责任单位", 12, "center"),
    Column("责任人", 8, "center"),
    Column("完成时限", 16),
    Column("序时进度", 6, "percent", "序时\n进度"),
    Column("当前进度", 6, "percent", "当前\n进度"),
    Column("亮灯", 13, "light"),  # 红灯（未更新） on one line
    Column("最新进展", 25),
    Column("存在问题", 20),
    Column("下步计划", 20),
    Column("指标", 16),
    Column("更新日期", 15, "date"),
)
SUMMARY_COLUMNS = (
    Column("责任单位", 30),
    Column("任务数", 11, "center"),
    Column("已完成", 11, "center"),
    Column("绿灯", 11, "center"),
    Column("黄灯", 11, "center"),
    Column("红灯", 11, "center"),
    Column("平均进度", 12, "percent"),
    Column("逾期任务", 12, "center"),
)
RECORD_COLUMNS = (
    Column("日期", 15, "date"),
    Column("任务", 30),
    Column("进度", 7, "percent"),
    Column("进展情况", 42),
    Column("存在问题", 30),
    Column("下步计划", 30),
    Column("记录人", 10, "center"),
)

#: A4 landscape and the margins set on every sheet (inches, as the file stores them).
PAPER_WIDTH_MM = 297
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.3, "footer": 0.3}
#: Pixels (at 96 dpi) per Excel width unit: the maximum digit width of the default 11 pt font.
UNIT_PX = 7
MIN_SCALE = 75
FONT = "宋体"
FONT_SIZE = 10
TITLE_SIZE = 16
#: Points per wrapped line at FONT_SIZE (CJK fonts are taller than Latin ones) and the cell's padding.
LINE_PT = 14.5
PAD_PT = 4
MAX_ROW_PT = 409  # Excel's highest row
DATE_FORMAT = 'yyyy"年"m"月"d"日"'
PERCENT_FORMAT = '0"%"'
FOOTER = "第 &P 页 共 &N 页"


def printable_units() -> float:
    """The width of one landscape A4 page inside the margins, in Excel width units at 100%."""
    mm = PAPER_WIDTH_MM - (MARGINS["left"] + MARGINS["right"]) * 25.4
    return mm / 25.4 * 96 / UNIT_PX


def fit_scale(widths: Iterable[float]) -> int:
    """The print scale (%) at which columns of these widths fill one page width, at most 100."""
    return min(100, math.floor(100 * printable_units() / sum(widths)))


def line_count(text: str, width: float) -> int:
    """Lines ``text`` takes in a wrapping cell of ``width`` units (a Chinese character counts two).

    Two units are kept back for the cell's padding and for fonts whose Latin letters and
    digits are wider than the unit (LibreOffice's fallback fonts).
    """
    usable = max(1, int(width) - 2)
    return sum(len(wrap_by_width(line, usable)) for line in text.split("\n"))


def row_height(texts: Iterable[tuple[str, float]]) -> float:
    lines = max((line_count(text, width) for text, width in texts), default=1)
    return min(MAX_ROW_PT, lines * LINE_PT + PAD_PT)


class _Sheet:
    """One printed table: title row, header row, bordered body rows, print setup."""

    def __init__(self, sheet, columns: tuple[Column, ...], title: str):
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.sheet, self.columns = sheet, columns
        self.styles = (Alignment, Font, PatternFill)
        side = Side(style="thin", color="FF000000")
        self.border = Border(left=side, right=side, top=side, bottom=side)
        self.font = Font(name=FONT, size=FONT_SIZE)
        last = len(columns)
        sheet.append([cell_text(title)])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
        head = sheet.cell(1, 1)
        head.font = Font(name=FONT, size=TITLE_SIZE, bold=True)
        head.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        # the title font is TITLE_SIZE / FONT_SIZE times wider than the units line_count counts in
        title_width = sum(c.width for c in columns) * FONT_SIZE / TITLE_SIZE
        sheet.row_dimensions[1].height = line_count(head.value, title_width) * TITLE_SIZE * 1.5 + 8
        sheet.append([c.label or c.header for c in columns])
        for cell in sheet[2]:
            cell.font = Font(name=FONT, size=FONT_SIZE, bold=True)
            cell.fill = PatternFill("solid", fgColor="FFD9D9D9")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = self.border
        sheet.row_dimensions[2].height = row_height((c.label or c.header, c.width) for c in columns)

    def add(self, values: list, *, bold: bool = False) -> list:
        Alignment, Font, _ = self.styles
        shown = [v if isinstance(v, int | float | date) and not isinstance(v, bool) else cell_text(v) for v in values]
        self.sheet.append(shown)
        n = self.sheet.max_row
        cells = [self.sheet.cell(n, i) for i in range(1, len(self.columns) + 1)]
        texts = []
        for cell, column in zip(cells, self.columns, strict=True):
            cell.border = self.border
            cell.font = Font(name=FONT, size=FONT_SIZE, bold=bold)
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text from the data, never a formula
                texts.append((cell.value, column.width))
            horizontal = "left" if column.kind == "text" else "center"
            cell.alignment = Alignment(horizontal=horizontal, vertical="top", wrap_text=column.kind != "date")
            if column.kind == "percent":
                cell.number_format = PERCENT_FORMAT
            elif column.kind == "date":
                cell.number_format = DATE_FORMAT
        self.sheet.row_dimensions[n].height = row_height(texts)
        return cells

    def section(self, text: str) -> None:
        """A row across the whole table (a goal above its tasks, or a note)."""
        Alignment, Font, PatternFill = self.styles
        cells = self.add([text] + [None] * (len(self.columns) - 1), bold=True)
        self.sheet.merge_cells(start_row=cells[0].row, start_column=1, end_row=cells[0].row, end_column=len(cells))
        cells[0].alignment = Alignment(horizontal="left", vertical="center", wrap_text=True)
        for cell in cells:
            cell.fill = PatternFill("solid", fgColor="FFF2F2F2")
        total = sum(c.width for c in self.columns)
        self.sheet.row_dimensions[cells[0].row].height = row_height([(text, total)])

    def finish(self, *, filter_rows: bool) -> None:
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.properties import PageSetupProperties

        sheet = self.sheet
        for i, column in enumerate(self.columns, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = column.width
        sheet.freeze_panes = "A3"
        if filter_rows:
            sheet.auto_filter.ref = f"A2:{get_column_letter(len(self.columns))}{sheet.max_row}"
        sheet.print_title_rows = "2:2"
        setup = sheet.page_setup
        setup.orientation = "landscape"
        setup.paperSize = sheet.PAPERSIZE_A4
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        setup.fitToWidth = 1
        setup.fitToHeight = 0
        setup.scale = fit_scale(c.width for c in self.columns)
        for side, inches in MARGINS.items():
            setattr(sheet.page_margins, side, inches)
        sheet.print_options.horizontalCentered = True
        sheet.oddFooter.center.text = FOOTER
        sheet.oddFooter.center.size = 9


_CN_DIGITS = "零一二三四五六七八九"


def _goal_number(goal_id: str) -> str:
    """1 → 一、, 12 → 十二、 (the numbering of 重点工作 in the plan document)."""
    if not goal_id.isdigit() or not 0 < int(goal_id) < 100:
        return f"{goal_id} " if goal_id else ""
    tens, ones = divmod(int(goal_id), 10)
    text = ("" if tens < 2 else _CN_DIGITS[tens]) + ("十" if tens else "") + (_CN_DIGITS[ones] if ones else "")
    return text + "、"


def _exported(sheet, row: int, values: list, *, hide: bool = False) -> None:
    """What a row held when exported, in hidden columns right of the printed ones (never printed,
    kept with the row when rows are sorted or filtered)."""
    from openpyxl.utils import get_column_letter

    first = len(LEDGER_COLUMNS) + 1
    for n, value in enumerate(values):
        cell = sheet.cell(row, first + n, cell_text(value))
        cell.data_type = "s"
        if hide:
            sheet.column_dimensions[get_column_letter(first + n)].hidden = True


def _printed_value(row: Row, header: str) -> object:
    """A cell of the printed ledger: a task's open 督办单 go under its light (a column of their own
    would take the page below the 75% the ledger is printed at)."""
    value = row.values[header]
    if header == "亮灯" and row.values.get("督办单"):
        return f"{value}\n{row.values['督办单']}"
    return value


def to_xlsx(
    rows: list[Row],
    *,
    heading: Heading | None = None,
    summary: list[UnitLine] | None = None,
    records: list[RecordRow] | None = None,
) -> bytes:
    """The printed ledger; with ``summary`` a 按责任单位汇总 sheet, with ``records`` the month's 进展记录 sheet."""
    import openpyxl
    from openpyxl.styles import Font, PatternFill

    book = openpyxl.Workbook()
    ledger = _Sheet(book.active, LEDGER_COLUMNS, heading.ledger if heading else "重点工作任务台账")
    book.active.title = "工作台账"
    light_at = [c.header for c in LEDGER_COLUMNS].index("亮灯")
    goal = None
    for row in rows:
        if row.values.get("重点工作") and (row.goal_id, row.values["重点工作"]) != goal:
            goal = (row.goal_id, row.values["重点工作"])
            ledger.section(_goal_number(row.goal_id) + row.values["重点工作"])
        cells = ledger.add([_printed_value(row, c.header) for c in LEDGER_COLUMNS])
        fill, font = LIGHT_FILLS[row.light]
        cells[light_at].fill = PatternFill("solid", fgColor=fill)
        cells[light_at].font = Font(name=FONT, size=FONT_SIZE, bold=True, color=font)
        _exported(ledger.sheet, cells[0].row, [row.values[h] for h in RETURNED])
    _exported(ledger.sheet, 2, list(EXPORTED_HEADERS), hide=True)
    ledger.finish(filter_rows=True)

    if summary is not None:
        sheet = _Sheet(
            book.create_sheet("按责任单位汇总"), SUMMARY_COLUMNS, heading.summary if heading else "按责任单位汇总"
        )
        for u in [*summary, summary_total(summary)]:
            values = [u.unit, u.tasks, u.done, u.green, u.yellow, u.red, percent(u.progress), u.overdue]
            sheet.add(values, bold=u.unit == "合计")
        sheet.finish(filter_rows=False)

    if records is not None:
        name = f"{heading.as_of.month}月进展记录" if heading else "进展记录"
        sheet = _Sheet(book.create_sheet(name), RECORD_COLUMNS, heading.records if heading else "进展记录")
        for r in records:
            sheet.add([r.date, r.task, r.progress, r.note, r.problem, r.next, r.by])
        if not records:
            sheet.section("本月暂无进展记录")
        sheet.finish(filter_rows=bool(records))

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
