"""`anmin report notice`: 督办单 for the red (or the named) tasks, numbered from the register."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from anmin_track import actions, parse, store
from anmin_track.cli.app import report_app
from anmin_track.cli.common import DataOpt, author, complete_task_id, data_dir, out, warn
from anmin_track.cli.report import _report_format
from anmin_track.cli.zh import AnminCommand
from anmin_track.errors import InputError
from anmin_track.text import cn_date, file_name, local_now, visible


@report_app.command("notice", cls=AnminCommand, epilog="示例：anmin report notice 3.2 --reply-by 2024-06-10 -o 督办单.docx")
def report_notice(
    ctx: typer.Context,
    tasks: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="任务编号...",
            help="要督办的任务，如 2.2 3.4（默认：亮红灯的全部任务）。",
            autocompletion=complete_task_id,
            show_default=False,
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", "-f", metavar="格式", help="text（纯文本）、markdown 或 docx（Word 公文格式）。"),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="文件", help="写入此文件，按扩展名 .txt/.md/.docx 选格式。"),
    ] = None,
    signed: Annotated[
        str | None, typer.Option("--date", metavar="日期", help="成文日期（落款日期，默认今天），编号按其年份。")
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="日期", help="按这一天评估进度和亮灯（默认为成文日期）。")
    ] = None,
    reply_by: Annotated[
        str | None,
        typer.Option("--reply-by", metavar="日期", help=f"反馈期限（默认成文日期后 {actions.REPLY_DAYS} 天）。"),
    ] = None,
    template: Annotated[
        Path | None,
        typer.Option("--template", metavar="模板", help="以本单位的红头模板 .docx 为底稿（只用于 docx）。"),
    ] = None,
    preview: Annotated[bool, typer.Option("--preview", help="只预览，不编号、不登记。")] = False,
    listing: Annotated[bool, typer.Option("--list", help="列出已发出的督办单编号。")] = False,
    data: DataOpt = None,
) -> None:
    """生成督办单：每项任务一页，按成文年份连续编号（督办〔2024〕N号），编号登记后不再重复使用。"""
    folder = data_dir(ctx, data)
    if listing:
        _show_register(folder)
        return
    kind = _report_format(fmt, output)
    if kind == "json":
        raise InputError("督办单没有 JSON 格式：请用 text、markdown 或 docx。")
    if template is not None and kind != "docx":
        raise InputError("--template 只用于 Word 文件：请同时使用 -o 文件.docx 或 --format docx。")
    if output is not None and template is not None:  # refused before a number is taken or a file written
        store.output_target(folder, output, template)
    request = _request(tasks, signed, as_of, reply_by)
    if preview:
        _preview(folder, actions.preview_notices(folder, request), kind, output, template)
        return

    def make(notices: actions.Notices) -> actions.Delivery:
        return _delivery(folder, notices, _render(notices, kind, template), kind, output, template)

    issued = actions.issue_notices(folder, request, author(ctx), local_now(), make)
    if not issued.subjects:
        out(_none_message(request))
        return
    codes = "、".join(s.code for s in issued.subjects)
    if issued.where:
        out(visible(f"已生成督办单 {codes}：{issued.where}", oneline=True))
    else:
        _note(f"以上督办单已登记编号 {codes}。")


def _request(tasks: list[str] | None, signed: str | None, as_of: str | None, reply_by: str | None):
    signing = parse.parse_date(signed, "成文日期", "date") if signed else date.today()
    return actions.NoticeRequest(
        tuple(tasks or ()),
        signing,
        parse.parse_date(as_of, "评估日期", "as-of") if as_of else None,
        parse.parse_date(reply_by, "反馈期限", "reply-by") if reply_by else None,
    )


def _render(notices: actions.Notices, kind: str, template: Path | None) -> bytes:
    from anmin_track.output import notice, report

    request = notices.request
    frame = notice.NoticeFrame(notices.plan, request.signed, request.evaluated, request.deadline)
    doc = notice.notices_document(frame, notices.subjects)
    if kind == "docx":
        from anmin_track.output.docx import render_docx

        notes: list[str] = []
        content = render_docx(doc, template, notes=notes)
        for note in notes:
            warn(note)
        return content
    return (report.render_markdown(doc) if kind == "markdown" else report.render_text(doc)).encode("utf-8")


def _default_file(notices: actions.Notices, preview: bool = False) -> Path:
    """``安民乡督办单（2024年第3-4号）.docx``: numbers are never reused, so neither is the name."""
    org = notices.plan.org
    if preview:
        return Path(file_name(f"{org}督办单（预览，{notices.request.signed.isoformat()}）.docx"))
    numbers = [s.number for s in notices.subjects]
    span = f"{numbers[0]}-{numbers[-1]}" if len(numbers) > 1 else f"{numbers[0]}"
    return Path(file_name(f"{org}督办单（{notices.request.signed.year}年第{span}号）.docx"))


def _delivery(
    folder: store.DataDir,
    notices: actions.Notices,
    content: bytes,
    kind: str,
    output: Path | None,
    template: Path | None = None,
) -> actions.Delivery:
    """Where the numbered notices go, checked before any number is registered."""
    path = output or (_default_file(notices) if kind == "docx" else None)
    if path is None:
        return "", lambda: sys.stdout.write(content.decode("utf-8"))
    target = store.output_target(folder, path, template)
    return str(target), lambda: store.write_output(folder, path, content, template)


def _preview(
    folder: store.DataDir, notices: actions.Notices, kind: str, output: Path | None, template: Path | None
) -> None:
    if not notices.subjects:
        out(_none_message(notices.request))
        return
    content = _render(notices, kind, template)
    path = output or (_default_file(notices, preview=True) if kind == "docx" else None)
    if path is None:
        sys.stdout.write(content.decode("utf-8"))
    else:
        out(f"已生成督办单预览：{store.write_output(folder, path, content, template)}")
    _note(f"以上为预览，共 {len(notices.subjects)} 份，未使用编号。正式生成请去掉 --preview。")


def _none_message(request: actions.NoticeRequest) -> str:
    return f"截至{cn_date(request.evaluated)}没有亮红灯的任务，未生成督办单，没有使用编号。"


def _note(message: str) -> None:
    """A line for the clerk beside a notice printed on the screen (stderr: not part of what is pasted)."""
    sys.stderr.write(message + "\n")


def _show_register(folder: store.DataDir) -> None:
    issued = actions.issued_notices(folder)
    if not issued:
        out("还没有发出过督办单。")
        return
    out(f"已发出督办单 {len(issued)} 份（登记簿 {folder.label(folder.notices_file)}；anmin undo 不会收回编号）：")
    for e in issued:
        where = e.output or "屏幕"
        line = f"{e.code}  {cn_date(e.signed)}  {e.task} {e.title}  反馈期限{cn_date(e.reply_by)}  {e.by}  {where}"
        out(visible(line, oneline=True))
