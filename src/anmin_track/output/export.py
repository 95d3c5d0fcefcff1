"""The 工作台账 (ledger) as a spreadsheet: one row per key task, for Excel and WPS.

``ledger_rows`` is pure; ``to_csv`` and ``to_xlsx`` turn rows into file bytes.
openpyxl is an optional extra (``pip install 'anmin-track[xlsx]'``), imported only here.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from anmin_track import model
from anmin_track.errors import AnminError
from anmin_track.text import cn_date, display_width, pct

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
    "更新日期",
)
PERCENT_COLUMNS = ("序时进度", "当前进度")
#: Cell colours of the 亮灯 column (and the font that stays readable on them).
LIGHT_FILLS = {
    model.RED: ("FFFF0000", "FFFFFFFF"),
    model.YELLOW: ("FFFFFF00", "FF000000"),
    model.GREEN: ("FF00B050", "FFFFFFFF"),
    model.DONE: ("FF5B9BD5", "FFFFFFFF"),
}
MAX_WIDTH = 50
#: A cell starting with one of these is a formula to Excel and WPS.
FORMULA_START = ("=", "+", "-", "@")


@dataclass(frozen=True)
class Row:
    """One task's ledger line: values by header, plus its light for colouring."""

    values: dict
    light: str


def light_cell(ts: model.TaskStatus) -> str:
    """亮灯 as written in the ledger: 已销号/已完成/红黄绿灯, with 未更新 and missed milestones noted."""
    notes = [f"未达{cn_date(ts.missed.date)}节点{ts.missed.percent}%"] if ts.missed else []
    notes += [model.STALE_LABEL] if ts.stale else []
    return ts.label + (f"({';'.join(notes)})" if notes else "")


def due_cell(task: model.Task) -> str:
    nodes = [f"{cn_date(m.date)}前达到{m.percent}%" for m in task.milestones]
    return "\n".join([cn_date(task.due), *(["时间节点:" + ";".join(nodes)] if nodes else [])])


def ledger_rows(plan: model.Plan, statuses: list[model.GoalStatus]) -> list[Row]:
    rows = []
    for gs in statuses:
        for ts in gs.tasks:
            t, latest = ts.task, ts.latest
            values = {
                "序号": t.id,
                "重点工作": gs.goal.title,
                "任务": t.title,
                "牵头领导": t.lead,
                "责任单位": t.unit,
                "责任人": t.owner,
                "完成时限": due_cell(t),
                "序时进度": round(ts.expected),
                "当前进度": round(ts.progress),
                "亮灯": light_cell(ts),
                "最新进展": latest.note if latest else "",
                "存在问题": latest.problem if latest else "",
                "下步计划": latest.next if latest else "",
                "更新日期": latest.date if latest else None,
            }
            rows.append(Row(values, ts.light))
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return cn_date(value)
    return str(value)


def _csv_cell(text: str) -> str:
    """Text that Excel would run as a formula gets a leading ' (shown as plain text, not computed)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def to_csv(rows: list[Row]) -> bytes:
    """UTF-8 with a BOM: Excel and WPS then open it with the Chinese intact."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(
            pct(row.values[h]) if h in PERCENT_COLUMNS else _csv_cell(_text(row.values[h])) for h in HEADERS
        )
    return out.getvalue().encode("utf-8-sig")


def _openpyxl():
    try:
        import openpyxl
    except ImportError:
        raise AnminError(
            "导出 xlsx 需要 openpyxl 组件,当前未安装。请运行 pip install 'anmin-track[xlsx]'"
            "(或 pip install openpyxl),或改用 --format csv 导出(Excel、WPS 同样可以打开)。"
        ) from None
    return openpyxl


def column_width(header: str, values: list) -> int:
    """Enough cells for the widest line (a Chinese character counts two), capped so long notes wrap."""
    lines = [header, *(line for v in values for line in _text(v).split("\n"))]
    return min(max(display_width(line) for line in lines) + 2, MAX_WIDTH)


def _print_setup(sheet) -> None:
    """Ledgers get printed for meetings: landscape, one page wide, header repeated on every page."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.print_title_rows = "1:1"


def to_xlsx(rows: list[Row], sheet_title: str = "工作台账") -> bytes:
    """One sheet: bold header row (frozen, with filters), widths fitting Chinese text, the light as cell colour."""
    openpyxl = _openpyxl()
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = sheet_title
    sheet.append(HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="FFD9D9D9")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    light_column = HEADERS.index("亮灯") + 1
    for n, row in enumerate(rows, start=2):
        sheet.append([row.values[h] for h in HEADERS])
        for cell in sheet[n]:
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text from the data, never a formula
        for h in PERCENT_COLUMNS:
            sheet.cell(n, HEADERS.index(h) + 1).number_format = '0"%"'
        sheet.cell(n, HEADERS.index("更新日期") + 1).number_format = 'yyyy"年"m"月"d"日"'
        fill, font = LIGHT_FILLS[row.light]
        light = sheet.cell(n, light_column)
        light.fill = PatternFill("solid", fgColor=fill)
        light.font = Font(bold=True, color=font)
    for i, header in enumerate(HEADERS, start=1):
        width = column_width(header, [row.values[header] for row in rows])
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions  # filter by 责任单位, 亮灯 ... from the header
    _print_setup(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
