"""The county's 通报 over its townships (``anmin county report``): the 公文, the printable 汇总表, JSON.

Pure: ranked rows (``rollup``) in, a ``Document``, xlsx bytes or a dict out. Text from the townships'
data (names, task titles, file names) goes through ``clean`` / ``cell_text`` like every document's.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from anmin_track import model, rollup
from anmin_track.output import frame
from anmin_track.output.document import Block, Document
from anmin_track.output.report_words import clean
from anmin_track.text import cn_date, pct, percent

SCHEMA = "anmin.county.monthly/1"
#: The 主送 of the 通报 when county.toml names none.
ADDRESSEE = "各乡镇党委、政府"
#: Where the office fills in what the data cannot say.
TO_FILL = "【待填写】"


def share(value: float) -> str:
    """A share as the 通报 prints it: one decimal, ``16.7%``."""
    return f"{value * 100:.1f}%"


def points(value: float) -> str:
    return f"{abs(value):.1f}"


def _kinds(row: rollup.TownshipRow) -> str:
    parts = [f"{kind}{row.kinds.get(kind, 0)}项" for kind in model.KINDS if row.kinds.get(kind, 0)]
    return f"（{'、'.join(parts)}）" if len(parts) > 1 else ""


def _progress(row: rollup.TownshipRow) -> str:
    if not row.measured:
        return "均为常态工作，不计进度"
    said = f"平均进度{share(row.progress / 100)}，序时进度{share(row.expected / 100)}"
    if abs(row.gap) < 0.05:
        return said + "，与序时进度持平"
    return said + f"，{'超前' if row.gap > 0 else '落后'}{points(row.gap)}个百分点"


def _until(row: rollup.TownshipRow, period: model.Period) -> str:
    """数据截至: the latest record's date; a township with none in the month may have stopped syncing."""
    if row.data_until is None:
        return "尚无进展记录，请核实是否按时同步数据"
    said = f"数据截至{cn_date(row.data_until)}"
    if row.data_until < period.start:
        said += "，本月没有新的进展记录，请核实是否按时同步数据"
    return said


def township_sentence(r: rollup.Ranked, period: model.Period) -> str:
    """One township in the ranking, as a sentence of the 通报."""
    row, lights = r.row, r.row.lights
    parts = [
        f"重点任务{row.tasks}项{_kinds(row)}，已完成{lights[model.DONE]}项、绿灯{lights[model.GREEN]}项、"
        f"黄灯{lights[model.YELLOW]}项、红灯{lights[model.RED]}项（占{share(row.red_share)}），逾期{row.overdue}项",
        f"本月应报送{row.due}项，已报送{row.reported}项，报送率{share(row.report_rate)}",
        _progress(row),
    ]
    if row.notices_open:
        overdue = f"，其中逾期未反馈{row.notices_overdue}份" if row.notices_overdue else ""
        parts.append(f"督办单{row.notices_open}份未办结{overdue}")
    parts.append(_until(row, period))
    return f"{clean(r.name)}：{'；'.join(parts)}。"


def _red_task(t: rollup.RedTask) -> str:
    if t.kind == model.DUTY:
        state = "常态工作未按时报送或指标滞后"
    else:
        state = f"进度{pct(t.progress)}，序时进度{pct(t.expected)}"
        state += "，已逾期" if t.overdue else f"，落后{percent(t.expected) - percent(t.progress)}个百分点"
    return f"{clean(t.title)}（{state}）。"


def _overall(ranked: Sequence[rollup.Ranked], skipped: Sequence[rollup.Skipped]) -> str:
    rows = [r.row for r in ranked]
    tasks = sum(r.tasks for r in rows)
    lights = {light: sum(r.lights[light] for r in rows) for light in model.LIGHTS}
    due, reported = sum(r.due for r in rows), sum(r.reported for r in rows)
    said = (
        f"纳入本次汇总的乡镇{len(rows)}个，重点任务共{tasks}项，其中已完成{lights[model.DONE]}项、"
        f"绿灯{lights[model.GREEN]}项、黄灯{lights[model.YELLOW]}项、红灯{lights[model.RED]}项，"
        f"逾期{sum(r.overdue for r in rows)}项；本月应报送{due}项，已报送{reported}项，"
        f"报送率{share(reported / due if due else 1.0)}。"
    )
    if skipped:
        said += f"另有{len(skipped)}个乡镇的数据无法读取，未纳入汇总（见附件）。"
    return said


def county_document(report, signed: date, number: int | None = None) -> Document:
    """The 通报: ``report`` is an ``actions.county.CountyReport`` (period, settings, ranked, skipped)."""
    period, settings, ranked, skipped = report.period, report.settings, report.ranked, report.skipped
    laggards = rollup.laggards(ranked, settings)
    blocks: list[Block] = []
    if settings.doc_number:
        gap = "\u3000\u3000" if number is None else number
        blocks += frame.head(clean(settings.doc_number.format(year=signed.year, n=gap)), "")
    blocks.append(Block("title", frame.title_lines([f"关于{period.label}", "各乡镇重点工作任务", "推进情况的通报"])))
    blocks.append(Block("addressee", clean(settings.addressee or ADDRESSEE).rstrip("：:") + "："))
    county = clean(settings.name)
    blocks.append(
        Block(
            "para",
            f"根据各乡镇报送的重点工作任务进展数据，现将{county}各乡镇{period.label}重点工作任务推进情况通报如下。",
        )
    )
    blocks += [Block("h1", "总体情况", "一、"), Block("para", _overall(ranked, skipped))]
    blocks.append(Block("h1", "各乡镇推进情况", "二、"))
    rule = "，再按".join(settings.ranking)
    blocks.append(Block("para", f"按{rule}排名（名次相同者按行政区划顺序排列）："))
    blocks += [Block("para", township_sentence(r, period), f"{r.rank}．") for r in ranked]
    blocks.append(Block("h1", "需要督促的事项", "三、"))
    if ranked:
        blocks.append(Block("para", _first_and_last(ranked)))
    if laggards:
        blocks.append(Block("para", "排名靠后的乡镇红灯任务如下，请相关乡镇对照整改，按时报送进展："))
        for n, r in enumerate(laggards):
            blocks.append(Block("h2", clean(r.name), f"（{_CN[n] if n < len(_CN) else n + 1}）"))
            blocks += [Block("para", _red_task(t), f"{i}．") for i, t in enumerate(r.row.red_tasks, start=1)]
    else:
        blocks.append(Block("para", "排名靠后的乡镇本月没有红灯任务。"))
    blocks += [Block("h1", "下步要求", "四、"), Block("para", TO_FILL)]
    blocks += [Block("issuer", clean(settings.issuer) or TO_FILL), Block("date", cn_date(signed))]
    if skipped:
        blocks += [Block("page_break"), Block("para", "附件"), Block("title", "未纳入本次汇总的乡镇")]
        blocks += [Block("para", skipped_sentence(s), f"{n}．") for n, s in enumerate(skipped, start=1)]
    return Document(f"{period.label}各乡镇重点工作任务推进情况通报", tuple(blocks))


_CN = "一二三四五六七八九十"


def _first_and_last(ranked: Sequence[rollup.Ranked]) -> str:
    first = "、".join(clean(r.name) for r in ranked if r.rank == 1)
    if len(ranked) == 1:
        return f"本月纳入汇总的只有{first}。"
    if ranked[-1].rank == 1:
        return "本月各乡镇名次相同。"
    last = "、".join(clean(r.name) for r in ranked if r.rank == ranked[-1].rank)
    return f"本月排名第一的是{first}，排名最后的是{last}。"


def skipped_sentence(s: rollup.Skipped) -> str:
    """A township left out, for the appendix: its folder, the file and line that stopped it, and why."""
    return f"{clean(s.folder)}：{clean(s.file)} 第{s.line or 1}行，{clean(s.reason)}。"


# --------------------------------------------------------------------------- JSON


def county_json(report) -> dict:
    return {
        "schema": SCHEMA,
        "period": report.period.key,
        "label": report.period.label,
        "county": report.settings.name,
        "ranking": list(report.settings.ranking),
        "townships": [_township_json(r) for r in report.ranked],
        "skipped": [s._asdict() for s in report.skipped],
    }


def _township_json(r: rollup.Ranked) -> dict:
    row = r.row
    return {
        "rank": r.rank,
        "name": r.name,
        "folder": row.folder,
        "org": row.org,
        "year": row.year,
        "tasks": row.tasks,
        "kinds": dict(row.kinds),
        "lights": dict(row.lights),
        "red_share": round(row.red_share, 4),
        "overdue": row.overdue,
        "due": row.due,
        "reported": row.reported,
        "report_rate": round(row.report_rate, 4),
        "progress": round(row.progress, 1) if row.measured else None,
        "expected": round(row.expected, 1) if row.measured else None,
        "notices_open": row.notices_open,
        "notices_overdue": row.notices_overdue,
        "data_until": row.data_until.isoformat() if row.data_until else None,
        "red_tasks": [t._asdict() for t in row.red_tasks],
    }


# --------------------------------------------------------------------------- the printable 汇总表


def county_xlsx(report) -> bytes:
    """One row per township in rank order, A4 landscape; the folders left out on a second sheet."""
    import io

    import openpyxl

    from anmin_track.output.ledger_xlsx import Column, Sheet

    columns = (
        Column("排名", 6, "center"),
        Column("乡镇", 14),
        Column("任务数", 7, "center"),
        Column("项目", 6, "center"),
        Column("创建", 6, "center"),
        Column("常态", 6, "center"),
        Column("已完成", 7, "center"),
        Column("绿灯", 6, "center"),
        Column("黄灯", 6, "center"),
        Column("红灯", 6, "center"),
        Column("红灯占比", 8, "center", "红灯\n占比"),
        Column("逾期", 6, "center"),
        Column("应报送", 7, "center"),
        Column("已报送", 7, "center"),
        Column("报送率", 8, "center"),
        Column("平均进度", 8, "center", "平均\n进度"),
        Column("序时进度", 8, "center", "序时\n进度"),
        Column("未办结督办", 8, "center", "未办结\n督办"),
        Column("逾期督办", 8, "center", "逾期\n督办"),
        Column("数据截至", 15, "date"),
    )
    book = openpyxl.Workbook()
    title = f"{clean(report.settings.name)}各乡镇重点工作任务推进情况汇总表（{report.period.label}）"
    sheet = Sheet(book.active, columns, title)
    book.active.title = "汇总表"
    for r in report.ranked:
        row = r.row
        sheet.add(
            [
                r.rank,
                r.name,
                row.tasks,
                *(row.kinds.get(kind, 0) for kind in model.KINDS),
                row.lights[model.DONE],
                row.lights[model.GREEN],
                row.lights[model.YELLOW],
                row.lights[model.RED],
                share(row.red_share),
                row.overdue,
                row.due,
                row.reported,
                share(row.report_rate),
                share(row.progress / 100) if row.measured else "—",
                share(row.expected / 100) if row.measured else "—",
                row.notices_open,
                row.notices_overdue,
                row.data_until if row.data_until else "无记录",
            ]
        )
    sheet.finish(filter_rows=bool(report.ranked))
    if report.skipped:
        left = Sheet(
            book.create_sheet("未纳入汇总"),
            (Column("文件夹", 20), Column("文件", 36), Column("行", 6, "center"), Column("原因", 70)),
            "未纳入本次汇总的乡镇",
        )
        for s in report.skipped:
            left.add([s.folder, s.file, s.line or 1, s.reason])
        left.finish(filter_rows=False)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
