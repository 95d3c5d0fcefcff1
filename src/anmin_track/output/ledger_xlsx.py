"""The 工作台账 as an .xlsx laid out for printing on A4 landscape: the ledger sheet, with the
按责任单位汇总 and the month's 进展记录 sheets when asked. openpyxl is imported only here, when
a workbook is made.

Column widths are fixed so that one page width prints at ``fit_scale`` ≥ 75%; row heights
are computed from the wrapped text (no spreadsheet program auto-fits rows of a file it did
not write itself). Every cell from the data is text (``cell_text``), never a formula.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from anmin_track.output.export import (
    EXPORTED_HEADERS,
    LIGHT_FILLS,
    RETURNED,
    Heading,
    RecordRow,
    Row,
    UnitLine,
    cell_text,
    summary_total,
)
from anmin_track.text import percent, wrap_by_width


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


class Sheet:
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
    ledger = Sheet(book.active, LEDGER_COLUMNS, heading.ledger if heading else "重点工作任务台账")
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
        sheet = Sheet(
            book.create_sheet("按责任单位汇总"), SUMMARY_COLUMNS, heading.summary if heading else "按责任单位汇总"
        )
        for u in [*summary, summary_total(summary)]:
            values = [u.unit, u.tasks, u.done, u.green, u.yellow, u.red, percent(u.progress), u.overdue]
            sheet.add(values, bold=u.unit == "合计")
        sheet.finish(filter_rows=False)

    if records is not None:
        name = f"{heading.as_of.month}月进展记录" if heading else "进展记录"
        sheet = Sheet(book.create_sheet(name), RECORD_COLUMNS, heading.records if heading else "进展记录")
        for r in records:
            sheet.add([r.date, r.task, r.progress, r.note, r.problem, r.next, r.by])
        if not records:
            sheet.section("本月暂无进展记录")
        sheet.finish(filter_rows=bool(records))

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
