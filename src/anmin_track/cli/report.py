"""`anmin report …`: the documents the office submits."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from anmin_track import actions, parse, store
from anmin_track.cli.app import report_app
from anmin_track.cli.common import DataOpt, data_dir, out
from anmin_track.cli.zh import AnminCommand
from anmin_track.errors import InputError
from anmin_track.text import json_text

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


@report_app.command("monthly", cls=AnminCommand, epilog="示例：anmin report monthly 2024-05 -o 月报.docx")
def report_monthly(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Argument(metavar="月份", help="如 2024-05、2024-5、202405 或 2024年5月（默认本月）。"),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="格式",
            help="text（纯文本，可粘贴到 WPS）、markdown、json 或 docx（Word 公文格式）；默认按 -o 的扩展名。",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="文件", help="写入此文件，按扩展名 .txt/.md/.json/.docx 选格式。"),
    ] = None,
    signed: Annotated[
        str | None, typer.Option("--date", metavar="日期", help="成文日期（落款日期），如 2024-06-03（默认今天）。")
    ] = None,
    number: Annotated[
        int | None,
        typer.Option("--number", metavar="序号", min=1, help="发文字号的序号（[report] doc_number 中的 {n}）。"),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option("--template", metavar="模板", help="以本单位的红头模板 .docx 为底稿（只用于 docx）。"),
    ] = None,
    data: DataOpt = None,
) -> None:
    """生成月报：按月末评估各项任务的进度、亮灯，汇总本月进展、存在问题和下月计划。"""
    kind = _report_format(fmt, output)
    if template is not None and kind != "docx":
        raise InputError("--template 只用于 Word 文件：请同时使用 -o 文件.docx 或 --format docx。")
    today = date.today()
    ym = parse.parse_month(month, "月份") if month else (today.year, today.month)
    signing = parse.parse_date(signed, "--date") if signed else today
    folder = data_dir(ctx, data)
    found = actions.month_data(folder, ym)
    from anmin_track.output import report

    built = report.build_monthly(found.plan, found.records, found.before, ym, found.texts, signed=signing)
    if kind == "json":
        content = (json_text(report.to_json(built)) + "\n").encode("utf-8")
    else:
        doc = report.monthly_document(built, number)
        if kind == "docx":
            from anmin_track.output.docx import render_docx

            content = render_docx(doc, template)
            if output is None:
                output = Path(f"{doc.name}（{signing.isoformat()}）.docx")
        else:
            text = report.render_markdown(doc) if kind == "markdown" else report.render_text(doc)
            content = text.encode("utf-8")
    if output is None:
        sys.stdout.write(content.decode("utf-8"))
        return
    written = store.write_output(folder, output, content)
    out(f"已生成{built.period}月报：{written}")
