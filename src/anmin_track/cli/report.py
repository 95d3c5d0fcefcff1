"""`anmin report …`: the documents the office submits."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from anmin_track import actions, model, parse, store
from anmin_track.cli.app import report_app
from anmin_track.cli.common import DataOpt, data_dir, out, say_finished_year, warn
from anmin_track.cli.zh import AnminCommand
from anmin_track.errors import InputError
from anmin_track.office import office_zip
from anmin_track.text import file_name, json_text

REPORT_FORMATS = {
    "text": "text",
    "txt": "text",
    "markdown": "markdown",
    "md": "markdown",
    "json": "json",
    "docx": "docx",
    "word": "docx",
}
#: The file extensions we write, and the format each one means.
EXTENSIONS = {".txt": "text", ".md": "markdown", ".json": "json", ".docx": "docx"}
#: Extensions of office formats we do not write: a file of them would be plain text Word refuses.
REFUSED = {".doc": "Word 97-2003", ".wps": "WPS 文字", ".rtf": "RTF", ".pdf": "PDF", ".odt": "OpenDocument"}

TEMPLATE_MAX = 20 * 1024 * 1024  # a 红头 template with its images: well below


def _report_format(raw: str | None, output: Path | None) -> str:
    """The format from ``--format`` and the extension of ``-o``; a contradiction is a usage error."""
    chosen = None
    if raw is not None:
        chosen = REPORT_FORMATS.get(parse.normalize(raw).lower())
        if chosen is None:
            raise InputError(f"--format 的值 {raw!r} 无效，可选：text（纯文本）、markdown、json、docx（Word）。")
    if output is None:
        return chosen or "text"
    ext = output.suffix.lower()
    if ext in REFUSED:
        raise InputError(
            f"不能写成 {ext} 文件（{REFUSED[ext]} 格式）：请用 .docx（Word、WPS 均可打开）、.txt、.md 或 .json。"
        )
    by_ext = EXTENSIONS.get(ext)
    if chosen and by_ext and chosen != by_ext:
        raise InputError(f"--format {raw} 与输出文件的扩展名 {ext} 不一致：请去掉 --format，或改用相应的扩展名。")
    return chosen or by_ext or "text"


FormatOpt = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar="格式",
        help="text（纯文本，可粘贴到 WPS）、markdown、json 或 docx（Word 公文格式）；默认按 -o 的扩展名。",
    ),
]
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", metavar="文件", help="写入此文件，按扩展名 .txt/.md/.json/.docx 选格式。"),
]
SignedOpt = Annotated[
    str | None, typer.Option("--date", metavar="日期", help="成文日期（落款日期），如 2024-06-03（默认今天）。")
]
NumberOpt = Annotated[
    int | None,
    typer.Option("--number", metavar="序号", min=1, help="发文字号的序号（[report] doc_number 中的 {n}）。"),
]
SignerOpt = Annotated[
    str | None,
    typer.Option(
        "--signer", metavar="姓名", help="签发人：上报的报告在发文字号同一行写“签发人：姓名”（默认 [report] signer）。"
    ),
]
CcOpt = Annotated[
    str | None,
    typer.Option("--cc", metavar="机关", help="抄送机关，写在末页版记中，多个用顿号分开（默认 [report] cc）。"),
]
TemplateOpt = Annotated[
    Path | None,
    typer.Option("--template", metavar="模板", help="以本单位的红头模板 .docx 为底稿（只用于 docx）。"),
]
AttachOpt = Annotated[
    bool,
    typer.Option("--attach", help="同时在报告旁生成附件《工作任务推进台账》（.xlsx，与报告末尾的“附件：”一致）。"),
]
#: What the confirmation calls each kind of report, after the period's label (2024年第二季度报告).
REPORT_NAMES = {
    model.MONTHLY: "月报",
    model.QUARTERLY: "报告",
    model.HALF: "工作总结",
    model.ANNUAL: "工作总结（初稿）",
}


def _period(
    folder: store.DataDir, raw: str | None, typed: Callable[[str], model.Period], of_day: Callable[[date], model.Period]
) -> model.Period:
    """The period as typed; else the one today falls in, or, once the current plan's year is over,
    that year's last (evaluated at the year's end, and the clerk is told how to begin this year's)."""
    if raw:
        return typed(raw)
    today = date.today()
    plan = actions.current_plan(folder)
    if today.year <= plan.year:
        return of_day(today)
    say_finished_year(plan, actions.Year(finished=True), folder, today)
    return of_day(date(plan.year, 12, 31))


#: Documents of a period other than the report itself: 对内通报 and 工作群简报.
BULLETIN, BRIEF = "bulletin", "brief"


def _write_report(
    folder: store.DataDir,
    period: model.Period,
    fmt: str | None,
    output: Path | None,
    signed: str | None,
    number: int | None,
    template: Path | None,
    signer: str | None = None,
    cc: str | None = None,
    attach: bool = False,
    document: str = "",
) -> None:
    """Every report command: evaluate ``period`` at its last day, word it, write or print it.
    ``document``: "" the period's report, ``BULLETIN`` the 对内通报, ``BRIEF`` the 工作群简报 (text only)."""
    kind = _report_format(fmt, output)
    if document == BRIEF and kind != "text":
        raise InputError("简报是发到工作群的纯文字：请去掉 --format，或用 -o 文件.txt。")
    if template is not None and kind != "docx":
        raise InputError("--template 只用于 Word 文件：请同时使用 -o 文件.docx 或 --format docx。")
    signing = parse.parse_date(signed, "成文日期", "date") if signed else date.today()
    if output is not None and template is not None:  # refused before anything is written
        store.output_target(folder, output, template)
    if template is not None:  # a regular file of a template's size, that opens in bounded time
        office_zip(store.read_named(template, "模板文件", TEMPLATE_MAX), str(template), "Word")
    found = actions.period_data(folder, period)
    if period.year > found.plan.year and not folder.bundled:
        warn(
            f"{period.label}不在{found.plan.year}年计划的年度内，仍按该计划报告；"
            f"开始{period.year}年的计划（结转未完成的任务）：anmin plan new {period.year}"
        )
    from anmin_track.output import report

    plan = _framed(found.plan, signer, cc)
    built = report.build_report(plan, found.records, found.before, period, found.texts, signed=signing)
    if document == BRIEF:
        from anmin_track.output.brief import brief_text

        _deliver(folder, output, (brief_text(built) + "\n").encode("utf-8"), None, f"已生成{period.label}简报")
        return
    if not document:
        _check_frame(built, number)
    attach_to = _attachment(folder, built, output) if attach else None
    notices = _open_notices(folder, built) if document == BULLETIN else []
    if kind == "json":
        data = report.bulletin_json(built, notices) if document == BULLETIN else report.to_json(built)
        content = (json_text(data) + "\n").encode("utf-8")
    else:
        doc = report.bulletin(built, notices) if document == BULLETIN else report.report_document(built, number)
        if kind == "docx":
            from anmin_track.output.docx import render_docx

            notes: list[str] = []
            content = render_docx(doc, template, notes=notes)
            for note in notes:
                warn(note)
            if output is None:
                output = Path(file_name(f"{doc.name}（{signing.isoformat()}）.docx"))
        else:
            text = report.render_markdown(doc) if kind == "markdown" else report.render_text(doc)
            content = text.encode("utf-8")
    name = "通报" if document == BULLETIN else REPORT_NAMES[period.kind]
    _deliver(folder, output, content, template, f"已生成{period.label}{name}")
    if not document:
        _say_unplanned(built)  # once the report is written: what the clerk fills in before sending it
    if attach_to is not None:
        _attach(folder, built, attach_to)


def _deliver(folder: store.DataDir, output: Path | None, content: bytes, template: Path | None, said: str) -> None:
    """To the screen, or to ``output`` (then say so)."""
    if output is None:
        sys.stdout.write(content.decode("utf-8"))
        return
    written = store.write_output(folder, output, content, template)
    out(f"{said}：{written}")


def _say_unplanned(built) -> None:
    """The tasks whose next-period plan reads 【待填写】: the office writes them before the report goes out."""
    from anmin_track.output.report_words import clean
    from anmin_track.output.upward import unplanned

    if built.period.kind not in (model.MONTHLY, model.QUARTERLY):
        return
    missing = unplanned(built)
    if missing:
        names = "；".join(f"{t.id} {clean(t.title)}" for t in missing)
        warn(f"以下{len(missing)}项任务没有本期填报、仍然适用的下步计划，报告中写了【待填写】，请补写后再报送：{names}")


def _open_notices(folder: store.DataDir, built) -> list:
    """The 督办单 issued by the period's end and still open then (待签收, 办理中, 逾期未反馈), as the bulletin lists them."""
    from anmin_track.output.bulletin import OpenNotice

    return [
        OpenNotice(n.code, n.task, n.title, n.signed, n.reply_by, n.status)
        for n in actions.open_notices_on(folder, built.period_end)
        if n.signed and n.reply_by  # always so (``open_notices_on``): said again for mypy
    ]


def _attachment(folder: store.DataDir, built, output: Path | None) -> Path:
    """Where ``--attach`` writes the 台账: beside the report (or here), named as the report's 附件 line names it;
    refused before anything is written when that is no place for it."""
    from anmin_track.output.upward import attachment_name

    target = (output.parent if output is not None else Path()) / f"{attachment_name(built)}.xlsx"
    store.output_target(folder, target)
    return target


def _attach(folder: store.DataDir, built, target: Path) -> None:
    """``--attach``: the 台账 the report names as its 附件, as .xlsx."""
    from anmin_track.output import export as ledger
    from anmin_track.output.ledger_xlsx import to_xlsx

    found = actions.ledger_as_of(folder, built.period_end, built.plan_year)
    content = to_xlsx(
        ledger.ledger_rows(found.plan, found.statuses, found.values),
        heading=ledger.Heading(found.plan.org, found.plan.year, found.as_of),
        summary=ledger.unit_summary(found.statuses),
        records=ledger.record_rows(found.plan, found.month, as_of=found.as_of),
    )
    written = store.write_output(folder, target, content)
    out(f"已生成附件（工作台账）：{written}")


def _framed(plan: model.Plan, signer: str | None, cc: str | None) -> model.Plan:
    """The plan with ``--signer`` and ``--cc`` in place of its [report] signer and cc."""
    changes = {"signer": parse.clean_text(signer, "签发人", "signer")} if signer is not None else {}
    changes |= {"cc": parse.clean_text(cc, "抄送机关", "cc")} if cc is not None else {}
    return plan._replace(report=plan.report._replace(**changes)) if changes else plan


def _check_frame(built, number: int | None) -> None:
    """A 字号 needs a pattern to go into; a report sent upward without 主送 is said once."""
    if number is not None and not built.doc_number:
        if not built.upward:
            raise InputError(
                '总结按材料报送，不编发文字号：请去掉 --number，或在 goals.toml 的 [report] 中写 summary_as = "报告"。'
            )
        raise InputError(
            '没有设置发文字号的格式，--number 无处可用：请在 goals.toml 的 [report] 中写 doc_number，如 "安民〔{year}〕{n}号"。'
        )
    if built.upward and not built.addressee.strip():
        warn('报告没有主送机关：请在 goals.toml 的 [report] 中写 addressee（如 "县委、县政府"）。')


@report_app.command("monthly", cls=AnminCommand, epilog="示例：anmin report monthly 2024-05 -o 月报.docx")
def report_monthly(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Argument(
            metavar="月份", help="如 2024-05、2024-5、202405 或 2024年5月（默认本月；计划年度已结束时为该年12月）。"
        ),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    signed: SignedOpt = None,
    number: NumberOpt = None,
    template: TemplateOpt = None,
    signer: SignerOpt = None,
    cc: CcOpt = None,
    attach: AttachOpt = False,
    data: DataOpt = None,
) -> None:
    """生成月报：按月末评估各项任务的进度、亮灯，汇总本月进展、存在问题和下月计划。"""
    folder = data_dir(ctx, data)
    period = _period(
        folder,
        month,
        lambda raw: model.month_period(*parse.parse_month(raw)),
        lambda d: model.month_period(d.year, d.month),
    )
    _write_report(folder, period, fmt, output, signed, number, template, signer, cc, attach)


@report_app.command("quarterly", cls=AnminCommand, epilog="示例：anmin report quarterly 2024Q2 -o 二季度报告.docx")
def report_quarterly(
    ctx: typer.Context,
    quarter: Annotated[
        str | None,
        typer.Argument(metavar="季度", help="如 2024Q2、2024-Q2 或 2024年第二季度（默认本季度）。"),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    signed: SignedOpt = None,
    number: NumberOpt = None,
    template: TemplateOpt = None,
    signer: SignerOpt = None,
    cc: CcOpt = None,
    attach: AttachOpt = False,
    data: DataOpt = None,
) -> None:
    """生成季度报告：按季末评估，汇总本季度进展、存在问题和下季度计划。"""
    folder = data_dir(ctx, data)
    period = _period(folder, quarter, parse.parse_quarter, lambda d: model.quarter_period(d.year, (d.month + 2) // 3))
    _write_report(folder, period, fmt, output, signed, number, template, signer, cc, attach)


@report_app.command("half", cls=AnminCommand, epilog="示例：anmin report half 2024H1 -o 上半年工作总结.docx")
def report_half(
    ctx: typer.Context,
    half: Annotated[
        str | None,
        typer.Argument(metavar="半年", help="如 2024H1、2024年上半年、2024H2 或 2024年下半年（默认本半年）。"),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    signed: SignedOpt = None,
    number: NumberOpt = None,
    template: TemplateOpt = None,
    signer: SignerOpt = None,
    cc: CcOpt = None,
    data: DataOpt = None,
) -> None:
    """生成半年工作总结：按半年末评估，汇总进展、存在问题和下步计划。"""
    folder = data_dir(ctx, data)
    period = _period(folder, half, parse.parse_half, lambda d: model.half_period(d.year, (d.month + 5) // 6))
    _write_report(folder, period, fmt, output, signed, number, template, signer, cc)


@report_app.command("annual", cls=AnminCommand, epilog="示例：anmin report annual 2024 -o 年度工作总结.docx")
def report_annual(
    ctx: typer.Context,
    year: Annotated[str | None, typer.Argument(metavar="年度", help="如 2024 或 2024年（默认今年）。")] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    signed: SignedOpt = None,
    number: NumberOpt = None,
    template: TemplateOpt = None,
    signer: SignerOpt = None,
    cc: CcOpt = None,
    data: DataOpt = None,
) -> None:
    """生成年度工作总结初稿：全年完成情况、指标与上年对比、未完成原因。

    按年末评估，按种子文件的样式逐项写出；下一年工作思路要点标明【待填写】，留给办公室撰写。
    """
    folder = data_dir(ctx, data)
    period = _period(folder, year, parse.parse_year, lambda d: model.year_period(d.year))
    _write_report(folder, period, fmt, output, signed, number, template, signer, cc)


def _month_or_quarter(raw: str) -> model.Period:
    """`2024-05` (a month) or `2024Q2` (a quarter), as the bulletin takes either."""
    text = parse.normalize(raw)
    if any(mark in text.upper() for mark in ("Q", "季")):
        return parse.parse_quarter(text, "月份或季度")
    return model.month_period(*parse.parse_month(text))


@report_app.command("bulletin", cls=AnminCommand, epilog="示例：anmin report bulletin 2024-05 -o 5月通报.docx")
def report_bulletin(
    ctx: typer.Context,
    period: Annotated[
        str | None,
        typer.Argument(metavar="月份或季度", help="如 2024-05、2024年5月或 2024Q2（默认本月）。"),
    ] = None,
    fmt: FormatOpt = None,
    output: OutputOpt = None,
    signed: SignedOpt = None,
    template: TemplateOpt = None,
    data: DataOpt = None,
) -> None:
    """生成对内通报：按责任单位和牵头领导统计亮灯并排序，列出红灯、黄灯、未报送、逾期任务和在办督办单。"""
    folder = data_dir(ctx, data)
    chosen = _period(folder, period, _month_or_quarter, lambda d: model.month_period(d.year, d.month))
    _write_report(folder, chosen, fmt, output, signed, None, template, document=BULLETIN)


@report_app.command("brief", cls=AnminCommand, epilog="示例：anmin report brief 2024-05")
def report_brief(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Argument(metavar="月份", help="如 2024-05 或 2024年5月（默认本月）。"),
    ] = None,
    output: OutputOpt = None,
    data: DataOpt = None,
) -> None:
    """生成工作群简报：200～400字的纯文字，可直接发到微信或浙政钉工作群。"""
    folder = data_dir(ctx, data)
    period = _period(
        folder,
        month,
        lambda raw: model.month_period(*parse.parse_month(raw)),
        lambda d: model.month_period(d.year, d.month),
    )
    _write_report(folder, period, None, output, None, None, None, document=BRIEF)
