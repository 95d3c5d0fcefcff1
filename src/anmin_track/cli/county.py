"""`anmin county …`: the county's roll-up over a folder of township data folders (read-only)."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from anmin_track import parse, store
from anmin_track.cli.app import county_app
from anmin_track.cli.common import JsonOpt, out, warn
from anmin_track.cli.zh import AnminCommand
from anmin_track.errors import InputError
from anmin_track.text import visible

#: The file extensions the 通报 is written as, and what each is.
FORMATS = {".docx": "docx", ".xlsx": "xlsx", ".md": "markdown", ".txt": "text", ".json": "json"}


def _format(output: Path | None, as_json: bool) -> str:
    if output is None:
        return "json" if as_json else "text"
    kind = FORMATS.get(output.suffix.lower())
    if kind is None:
        raise InputError(
            f"不能写成 {output.suffix or '无扩展名的'}文件：请用 .docx（通报）、.xlsx（汇总表）、.md、.txt 或 .json。"
        )
    if as_json and kind != "json":
        raise InputError(f"--json 与输出文件的扩展名 {output.suffix} 不一致：请去掉 --json，或改用 .json。")
    return kind


class _Counter:
    """The progress line on a terminal while the townships are read (none when output is piped)."""

    def __init__(self) -> None:
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\r正在读取各乡镇数据：{done}/{total}")
            sys.stderr.flush()
            self.shown = True

    def clear(self) -> None:
        if self.shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


@county_app.command("report", cls=AnminCommand, epilog="示例：anmin county report 2024-05 各乡镇数据 -o 通报.docx")
def county_report(
    month: Annotated[str, typer.Argument(metavar="月份", help="如 2024-05、2024-5、202405 或 2024年5月。")],
    folder: Annotated[
        str | None,
        typer.Argument(metavar="文件夹", help="存放各乡镇数据目录的文件夹（默认当前文件夹）。"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="文件", help="写入此文件：.docx 通报、.xlsx 汇总表、.md/.txt 通报文字或 .json。"
        ),
    ] = None,
    as_json: JsonOpt = False,
    signed: Annotated[
        str | None, typer.Option("--date", metavar="日期", help="成文日期（落款日期），如 2024-06-03（默认今天）。")
    ] = None,
    number: Annotated[
        int | None,
        typer.Option("--number", metavar="序号", min=1, help="发文字号的序号（county.toml 中 doc_number 的 {n}）。"),
    ] = None,
) -> None:
    """按月汇总各乡镇的重点任务：亮灯、逾期、报送率、进度与序时进度、督办单，排名并生成通报。

    只读取各乡镇的数据目录，从不在其中写入；汇总结果缓存在该文件夹的 .anmin-county 中。
    """
    ym = parse.parse_month(month)
    kind = _format(output, as_json)
    signing = parse.parse_date(signed, "成文日期", "date") if signed else date.today()
    root = Path(folder) if folder is not None else Path(".")
    from anmin_track.actions import county as county_actions
    from anmin_track.store import county as county_store

    if output is not None:
        county_store.refuse_township_target(root, county_store.find_townships(root), output)
    counter = _Counter()
    try:
        report = county_actions.county_report(root, ym, counter)
    finally:
        counter.clear()
    content = _content(report, kind, signing, number)
    for skipped in report.skipped:
        warn(f"未纳入汇总：{skipped}")
    if report.cache_failure:
        warn(f"无法写入县级汇总的缓存 {report.cache_failure}，本次照常汇总，下次仍需重新读取各乡镇数据。")
    if output is None:
        sys.stdout.write(content.decode("utf-8"))
        return
    written = store.write_output(store.DataDir(root), output, content)
    left = f"，{len(report.skipped)} 个乡镇的数据无法读取、未纳入（见上）" if report.skipped else ""
    out(f"已生成{report.period.label}县级汇总：{visible(str(written))}（纳入 {len(report.ranked)} 个乡镇{left}）")


def _content(report, kind: str, signing: date, number: int | None) -> bytes:
    """The 通报 (``report``: an ``actions.county.CountyReport``) in the format asked for."""
    from anmin_track.output import county

    if kind == "json":
        from anmin_track.text import json_text

        return (json_text(county.county_json(report)) + "\n").encode("utf-8")
    if kind == "xlsx":
        return county.county_xlsx(report)
    doc = county.county_document(report, signing, number)
    if kind == "docx":
        from anmin_track.output.docx import render_docx

        return render_docx(doc)
    from anmin_track.output.report_text import render_markdown, render_text

    return (render_markdown(doc) if kind == "markdown" else render_text(doc)).encode("utf-8")
