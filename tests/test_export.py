"""The exported 台账 as printed: page setup, borders, row heights, the summary and records sheets, CSV ids."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime, timedelta, timezone

import pytest

from anmin_track import assess, model
from anmin_track.output import export, ledger_xlsx
from anmin_track.text import display_width

openpyxl = pytest.importorskip("openpyxl")

CST = timezone(timedelta(hours=8))
AS_OF = date(2024, 5, 31)
TITLE = "安民乡2024年重点工作任务台账（截至2024年5月31日）"
LONG_NOTE = "1.完成展陈方案设计并报县委宣传部审核；\n2.对接专家三次，形成修改意见12条；\n3.完成场馆周边环境整治，拆除违建3处共计450平方米。"


def rec(task, day, progress, note="", problem="", next_="", by="陈小红"):
    return model.Record(
        task=task,
        date=day,
        progress=progress,
        by=by,
        at=datetime(day.year, day.month, day.day, 9, tzinfo=CST),
        note=note,
        problem=problem,
        next=next_,
    )


def make_plan() -> model.Plan:
    goal1 = model.Goal(
        "1",
        "深化转型升级,加速产业发展融合提档",
        (
            model.Task("1.1", "1", "高标准建设红色教育基地", unit="乡文化站", lead="张书记", owner="李明"),
            model.Task("1.10", "1", "建设生态特色农业种养基地", unit="乡文化站", weight=3),
            model.Task("1.2", "1", "组织村干部考察特色产业", unit="乡综治中心", due=date(2024, 4, 30)),
        ),
    )
    goal2 = model.Goal(
        "2",
        "优化基层治理,力争全域和谐稳定提质",
        (
            model.Task("2.1", "2", "将各类矛盾纠纷解决在萌芽状态", unit="乡综治中心"),
            model.Task("2.2", "2", "加大反电信诈骗工作力度", unit=""),
        ),
    )
    return model.Plan(org="安民乡", year=2024, title="2024年工作思路要点", goals=(goal1, goal2))


RECORDS = [
    rec("1.10", date(2024, 4, 30), 30, "四月的记录"),
    rec("1.1", date(2024, 5, 10), 100, LONG_NOTE, "资金缺口30万元", "=SUM(A1:A3)"),
    rec("1.10", date(2024, 5, 20), 40, "+86 电话回访", "-待定", "@各村"),
    rec("1.2", date(2024, 4, 15), 60, "考察两次"),
    rec("2.1", date(2024, 5, 25), 25, "调解\x00纠纷\x1b[31m5件\u202e\x7f\x85", "问题\r\n第二行"),
    rec("1.10", date(2024, 6, 2), 50, "六月的记录,在截至日之后"),
]


def printed(sheet) -> int:
    """The last column that prints: hidden ones (what each row held when exported) do not."""
    letters = openpyxl.utils.get_column_letter
    return max(i for i in range(1, sheet.max_column + 1) if not sheet.column_dimensions[letters(i)].hidden)


@pytest.fixture(scope="module")
def ledger():
    plan = make_plan()
    statuses = assess.plan_status(plan, assess.latest_by_task(RECORDS, AS_OF), AS_OF)
    rows = export.ledger_rows(plan, statuses, assess.latest_values(RECORDS, AS_OF))
    content = ledger_xlsx.to_xlsx(
        rows,
        heading=export.Heading(plan.org, plan.year, AS_OF),
        summary=export.unit_summary(statuses),
        records=export.record_rows(plan, RECORDS, as_of=AS_OF),
    )
    return openpyxl.load_workbook(io.BytesIO(content))


def sheets(book):
    return [book[name] for name in book.sheetnames]


def test_three_sheets_each_with_its_title_row(ledger):
    assert ledger.sheetnames == ["工作台账", "按责任单位汇总", "5月进展记录"]
    titles = [s["A1"].value for s in sheets(ledger)]
    assert titles == [
        TITLE,
        "安民乡2024年重点工作任务按责任单位汇总（截至2024年5月31日）",
        "安民乡2024年5月重点工作任务进展记录（截至2024年5月31日）",
    ]
    for sheet in sheets(ledger):
        last = openpyxl.utils.get_column_letter(printed(sheet))
        assert f"A1:{last}1" in {str(r) for r in sheet.merged_cells.ranges}
        assert sheet["A1"].font.b and sheet["A1"].font.sz > sheet["A3"].font.sz


def test_every_sheet_prints_a4_landscape_one_page_wide_at_75_percent_or_more(ledger):
    for sheet in sheets(ledger):
        setup = sheet.page_setup
        assert (setup.orientation, str(setup.paperSize)) == ("landscape", "9")  # 9 = A4
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
        assert setup.scale >= 75
        assert sheet.print_title_rows == "$2:$2"  # the header row on every page
        assert sheet.freeze_panes == "A3"
        assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"
        # the columns at that scale fit A4 landscape (297 mm) inside the margins; 7 px (96 dpi) per unit
        printable_px = (297 / 25.4 - sheet.page_margins.left - sheet.page_margins.right) * 96
        letters = [openpyxl.utils.get_column_letter(i) for i in range(1, printed(sheet) + 1)]
        widths = [sheet.column_dimensions[c].width for c in letters]
        assert sum(widths) * 7 * setup.scale / 100 <= printable_px, sheet.title
        assert sum(widths) * 7 * 0.75 <= printable_px


def test_every_table_cell_has_thin_borders_and_text_wraps(ledger):
    for sheet in sheets(ledger):
        for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row, max_col=printed(sheet)):
            merged = row[0].coordinate in sheet.merged_cells  # a section row: one cell across the table
            for i, cell in enumerate(row):
                sides = [cell.border.top, cell.border.bottom]
                sides += [cell.border.left] if i == 0 or not merged else []
                sides += [cell.border.right] if i == len(row) - 1 or not merged else []
                assert all(s.style == "thin" for s in sides), (sheet.title, cell.coordinate)
                if isinstance(cell.value, str):
                    assert cell.alignment.wrap_text, (sheet.title, cell.coordinate)


def test_row_heights_show_every_line(ledger):
    """Each row is at least as tall as its most-wrapped cell needs (12 pt a line for 10 pt text)."""
    checked = 0
    for sheet in sheets(ledger):
        for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row, max_col=printed(sheet)):
            needed = 1
            for cell in row:
                if isinstance(cell.value, str) and cell.coordinate not in sheet.merged_cells:
                    width = sheet.column_dimensions[cell.column_letter].width
                    lines = sum(max(1, math.ceil(display_width(part) / width)) for part in cell.value.split("\n"))
                    needed = max(needed, lines)
            height = sheet.row_dimensions[row[0].row].height
            assert height is not None and height >= needed * 12, (sheet.title, row[0].row, needed, height)
            checked += needed > 2
    assert checked >= 2  # the long note in the ledger and in the records sheet


def test_ledger_rows_goal_sections_lights_and_text_cells(ledger):
    sheet = ledger["工作台账"]
    headers = [c.value.replace("\n", "") for c in sheet[2]][: printed(sheet)]
    assert headers == [c.header for c in ledger_xlsx.LEDGER_COLUMNS] and "重点工作" not in headers
    assert sheet.auto_filter.ref == f"A2:N{sheet.max_row}"
    first = [row[0].value for row in sheet.iter_rows(min_row=3)]
    assert first == [
        "一、深化转型升级,加速产业发展融合提档",
        "1.1",
        "1.10",
        "1.2",
        "二、优化基层治理,力争全域和谐稳定提质",
        "2.1",
        "2.2",
    ]
    col = {h: i for i, h in enumerate(headers)}
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    assert rows["1.10"][0].data_type == "s"  # the id stays text
    fills = {tid: rows[tid][col["亮灯"]].fill.fgColor.rgb for tid in ("1.1", "1.10", "1.2", "2.1", "2.2")}
    assert fills == {"1.1": "FF5B9BD5", "1.10": "FF00B050", "1.2": "FFFF0000", "2.1": "FFFFFF00", "2.2": "FFFF0000"}
    r11 = rows["1.1"]
    assert (r11[col["下步计划"]].value, r11[col["下步计划"]].data_type) == ("=SUM(A1:A3)", "s")
    assert r11[col["最新进展"]].value == LONG_NOTE
    r110 = rows["1.10"]
    assert [(r110[col[h]].value, r110[col[h]].data_type) for h in ("最新进展", "存在问题", "下步计划")] == [
        ("+86 电话回访", "s"),
        ("-待定", "s"),
        ("@各村", "s"),
    ]
    updated = r110[col["更新日期"]]
    assert updated.value == datetime(2024, 5, 20) and updated.number_format == 'yyyy"年"m"月"d"日"'
    assert rows["2.1"][col["最新进展"]].value == "调解纠纷[31m5件"  # NUL, ESC, RLO, DEL, NEL gone
    assert rows["2.1"][col["存在问题"]].value == "问题\n第二行"


def test_summary_by_unit(ledger):
    sheet = ledger["按责任单位汇总"]
    assert [c.value for c in sheet[2]] == [
        "责任单位",
        "任务数",
        "已完成",
        "绿灯",
        "黄灯",
        "红灯",
        "平均进度",
        "逾期任务",
    ]
    got = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    # 1.1 done (100, weight 1), 1.10 green (40, weight 3); 1.2 overdue red (60), 2.1 yellow (25); 2.2 no record
    assert got == [
        ["乡文化站", 2, 1, 1, 0, 0, round((100 + 3 * 40) / 4), 0],
        ["乡综治中心", 2, 0, 0, 1, 1, 43, 1],  # (60 + 25) / 2 = 42.5, 四舍五入
        ["待认领", 1, 0, 0, 0, 1, 0, 0],
        ["合计", 5, 1, 1, 1, 2, round((100 + 120 + 60 + 25) / 7), 1],
    ]
    assert sheet.cell(3, 7).number_format == '0"%"' and sheet.cell(sheet.max_row, 1).font.b


def test_records_of_the_month_up_to_the_day(ledger):
    sheet = ledger["5月进展记录"]
    assert [c.value for c in sheet[2]] == ["日期", "任务", "进度", "进展情况", "存在问题", "下步计划", "记录人"]
    got = [[c.value for c in row] for row in sheet.iter_rows(min_row=3)]
    assert got == [
        [
            datetime(2024, 5, 10),
            "1.1 高标准建设红色教育基地",
            100,
            LONG_NOTE,
            "资金缺口30万元",
            "=SUM(A1:A3)",
            "陈小红",
        ],
        [datetime(2024, 5, 20), "1.10 建设生态特色农业种养基地", 40, "+86 电话回访", "-待定", "@各村", "陈小红"],
        [
            datetime(2024, 5, 25),
            "2.1 将各类矛盾纠纷解决在萌芽状态",
            25,
            "调解纠纷[31m5件",
            "问题\n第二行",
            None,
            "陈小红",
        ],
    ]
    assert sheet["F3"].data_type == "s"


def test_an_empty_month_says_so():
    plan = make_plan()
    statuses = assess.plan_status(plan, {}, AS_OF)
    content = ledger_xlsx.to_xlsx(
        export.ledger_rows(plan, statuses, {}), records=export.record_rows(plan, [], as_of=AS_OF)
    )
    sheet = openpyxl.load_workbook(io.BytesIO(content))["进展记录"]
    assert sheet["A3"].value == "本月暂无进展记录"


def test_every_control_character_is_dropped_and_long_cells_are_cut():
    nasty = "".join(chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0)]) + "\u202a\u202b\u202c\u202d\u202e"
    nasty += "\u2066\u2067\u2068\u2069\u200e\u200f\u061c\ud800"
    assert export.clean("甲" + nasty + "乙") == "甲\t\n\n乙"  # tab and newline kept, the CR became a newline
    long = "字" * 40_000
    cut = export.fit_cell(long)
    assert len(cut) == 32_767 and cut.endswith("…（已截断）") and cut.startswith("字" * 100)
    emoji = export.fit_cell("😀" * 20_000)  # two UTF-16 units each, as Excel counts
    assert len(emoji.encode("utf-16-le")) // 2 <= 32_767 and emoji.endswith("…（已截断）")
    assert export.fit_cell("短") == "短"

    plan = make_plan()
    latest = {"1.1": rec("1.1", AS_OF, 10, nasty + long, nasty)}
    statuses = assess.plan_status(plan, latest, AS_OF)
    content = ledger_xlsx.to_xlsx(
        export.ledger_rows(plan, statuses, assess.latest_values(latest.values(), AS_OF))
    )  # openpyxl raised IllegalCharacterError here
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    row = next(r for r in sheet.iter_rows(min_row=3) if r[0].value == "1.1")
    note = row[[c.header for c in ledger_xlsx.LEDGER_COLUMNS].index("最新进展")]
    assert len(note.value) == 32_767 and note.value.startswith("\t\n\n字") and note.value.endswith("（已截断）")
    assert sheet.row_dimensions[row[0].row].height <= 409  # Excel's highest row


def read_csv(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def test_csv_ids_are_text_formulas_and_formula_text_is_neutralised():
    plan = make_plan()
    records = {
        "1.1": rec("1.1", AS_OF, 10, "\t=1+2", '\r=HYPERLINK("x")', "  @SUM(1)"),
        "1.10": rec("1.10", AS_OF, 10, "调解\x1b[31m\x00纠纷\u202e", "第一行\r\n第二行", "+1"),
    }
    rows = export.ledger_rows(
        plan, assess.plan_status(plan, records, AS_OF), assess.latest_values(records.values(), AS_OF)
    )
    got = read_csv(export.to_csv(rows))
    # a spreadsheet shows ="1.10" as the text 1.10; a bare 1.10 would become the number 1.1
    assert [r["序号"] for r in got] == ['="1.1"', '="1.10"', '="1.2"', '="2.1"', '="2.2"']
    by_id = {r["序号"]: r for r in got}
    r11, r110 = by_id['="1.1"'], by_id['="1.10"']
    assert (r11["最新进展"], r11["存在问题"], r11["下步计划"]) == ("' =1+2", '\'\n=HYPERLINK("x")', "'  @SUM(1)")
    assert (r110["最新进展"], r110["存在问题"], r110["下步计划"]) == ("调解[31m纠纷", "第一行\n第二行", "'+1")
    assert export.csv_id('1"2') == '="1""2"'  # a quote in an id cannot end the formula


def test_the_ledger_keeps_what_each_row_held_in_hidden_columns(ledger):
    """For `anmin import`: a ledger exported before a colleague's change must not undo it."""
    sheet = ledger["工作台账"]
    last = printed(sheet)
    hidden = [sheet.cell(2, c).value for c in range(last + 1, sheet.max_column + 1)]
    assert hidden == ["导出时牵头领导", "导出时责任单位", "导出时责任人"]
    letters = openpyxl.utils.get_column_letter
    assert all(sheet.column_dimensions[letters(c)].hidden for c in range(last + 1, sheet.max_column + 1))
    header = {str(c.value).replace("\n", ""): c.column for c in sheet[2]}
    for row in sheet.iter_rows(min_row=3):
        if row[0].coordinate in sheet.merged_cells:
            continue
        for name in ("牵头领导", "责任单位", "责任人"):
            assert (row[header[name] - 1].value or "") == (row[header["导出时" + name] - 1].value or "")
