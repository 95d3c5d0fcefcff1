"""`anmin report notice`: 督办单 for the red (or the named) tasks, numbered from the register."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from anmin_track import actions, parse, store
from anmin_track.cli.app import notice_app, report_app
from anmin_track.cli.common import DataOpt, author, complete_task_id, data_dir, out, warn
from anmin_track.cli.report import TEMPLATE_MAX, _report_format
from anmin_track.cli.zh import AnminCommand, confirm
from anmin_track.errors import InputError
from anmin_track.office import office_zip
from anmin_track.text import cn_date, file_name, local_now, visible

#: The examples of `report notice` and `notice issue`.
ISSUE_EXAMPLE = "示例：anmin notice issue 3.2 --reply-by 2024-06-10 -o 督办单.docx"


def report_notice(
    ctx: typer.Context,
    tasks: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="任务编号...",
            help="要督办的任务，如 2.2 3.4（默认：亮红灯的全部任务，列出后询问）。",
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
        typer.Option("--reply-by", metavar="日期", help=f"反馈期限（默认成文日期后 {actions.REPLY_DAYS} 个工作日）。"),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option("--to", metavar="单位", help="主送单位：用于未明确责任单位、牵头领导和责任人的任务（否则不发）。"),
    ] = None,
    level: Annotated[
        str | None, typer.Option("--level", metavar="等级", help="督办等级：黄色或红色（默认按亮灯：红灯为红色）。")
    ] = None,
    again: Annotated[bool, typer.Option("--again", help="该任务已有督办单尚未到反馈期限时，仍再发一份。")] = False,
    template: Annotated[
        Path | None,
        typer.Option("--template", metavar="模板", help="以本单位的红头模板 .docx 为底稿（只用于 docx）。"),
    ] = None,
    preview: Annotated[bool, typer.Option("--preview", help="只预览，不编号、不登记、不询问。")] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不询问，直接编号发出（供脚本使用）。")] = False,
    listing: Annotated[bool, typer.Option("--list", help="列出已发出的督办单（同 anmin notice list）。")] = False,
    data: DataOpt = None,
) -> None:
    """生成督办单：每项任务一页表单，按成文年份连续编号（督办〔2024〕N号），编号登记后不再重复使用。"""
    folder = data_dir(ctx, data, writes=None if preview or listing else "发出督办单")
    if listing:
        from anmin_track.cli.notice_loop import show_notices

        show_notices(folder, None, False, False, False)
        return
    kind = _report_format(fmt, output)
    if kind == "json":
        raise InputError("督办单没有 JSON 格式：请用 text、markdown 或 docx。")
    if template is not None and kind != "docx":
        raise InputError("--template 只用于 Word 文件：请同时使用 -o 文件.docx 或 --format docx。")
    if output is not None and template is not None:  # refused before a number is taken or a file written
        store.output_target(folder, output, template)
    base = _template_bytes(template)  # read before the lock is taken
    request = _request(tasks, signed, as_of, reply_by)._replace(to=to or "", level=level or "", again=again)
    if preview:
        _preview(folder, actions.preview_notices(folder, request), kind, output, template, base)
        return
    request = _confirmed(folder, request, yes)

    def make(notices: actions.Notices) -> actions.Delivery:
        return _delivery(folder, notices, _render(notices, kind, base), kind, output, template)

    issued = actions.issue_notices(folder, request, author(ctx), local_now(), make)
    _say_skipped(issued.skipped)
    if not issued.subjects:
        out(_none_message(request, issued.skipped))
        return
    codes = "、".join(s.code for s in issued.subjects)
    if issued.where:
        out(visible(f"已生成督办单 {codes}：{issued.where}", oneline=True))
    else:
        _note(f"以上督办单已登记编号 {codes}。")


report_app.command("notice", cls=AnminCommand, epilog=ISSUE_EXAMPLE)(report_notice)
notice_app.command("issue", cls=AnminCommand, epilog=ISSUE_EXAMPLE)(report_notice)


def _template_bytes(template: Path | None) -> bytes | None:
    """The template, read before the data lock: a regular file of a template's size that opens as a Word file."""
    if template is None:
        return None
    content = store.read_named(template, "模板文件", TEMPLATE_MAX)
    office_zip(content, str(template), "Word")
    return content


def _confirmed(folder: store.DataDir, request: actions.NoticeRequest, yes: bool) -> actions.NoticeRequest:
    """Ask before numbering every red task (shown first), or with a signing date that looks like a slip:
    a number taken is never returned. ``--yes`` answers; with no terminal the command refuses (exit 2)."""
    ahead = actions.preview_notices(folder, request)
    doubts = actions.date_doubts(request, ahead.subjects, date.today())
    if not ahead.subjects or (request.tasks and not doubts):
        return request
    if not request.tasks:
        # on stderr, as the other lines for the clerk: stdout may be the notices themselves
        _note(f"截至{cn_date(request.evaluated)}亮红灯、将发出督办单的任务（{len(ahead.subjects)} 项）：")
        for s in ahead.subjects:
            _note(visible(f"  {s.status.task.id} {s.status.task.title}（主送{s.to}）", oneline=True))
    if not yes:  # with --yes a script has answered: no question, and no warning
        for doubt in doubts:
            warn(f"{doubt}，编号一经使用不能收回，请核对成文日期")
        if not _at_terminal():
            raise InputError(
                "督办单编号一经使用不能收回，需要确认后才编号：请在命令行窗口中运行并按提示确认，或加 --yes。未使用编号。"
            )
        confirm(f"确认编号发出这 {len(ahead.subjects)} 份督办单？")
    if request.tasks:
        return request
    return request._replace(only=tuple(s.status.task.id for s in ahead.subjects))


def _at_terminal() -> bool:
    """Whether someone is there to answer a question (a terminal, not a script's input)."""
    return sys.stdin.isatty()


def _say_skipped(skipped: tuple[actions.Skipped, ...]) -> None:
    """The tasks chosen but given no notice, one line for each reason."""
    reasons: dict[str, list[str]] = {}
    for s in skipped:
        reasons.setdefault(s.why, []).append(s.task.id)
    for why, ids in reasons.items():
        hint = "可用 --to 指定主送单位" if why == actions.NOBODY else "如确需再发，加 --again"
        warn(f"{len(ids)} 项任务未发督办单（{why}；{hint}）：{'、'.join(ids)}")


def _request(tasks: list[str] | None, signed: str | None, as_of: str | None, reply_by: str | None):
    signing = parse.parse_date(signed, "成文日期", "date") if signed else date.today()
    return actions.NoticeRequest(
        tuple(tasks or ()),
        signing,
        parse.parse_date(as_of, "评估日期", "as-of") if as_of else None,
        parse.parse_date(reply_by, "反馈期限", "reply-by") if reply_by else None,
    )


def _render(notices: actions.Notices, kind: str, template: bytes | None) -> bytes:
    from anmin_track.output import notice, report

    request = notices.request
    frame = notice.NoticeFrame(notices.plan, request.signed, request.evaluated, notices.reply_by)
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
    folder: store.DataDir,
    notices: actions.Notices,
    kind: str,
    output: Path | None,
    template: Path | None,
    base: bytes | None,
) -> None:
    _say_skipped(notices.skipped)
    if not notices.subjects:
        out(_none_message(notices.request, notices.skipped))
        return
    content = _render(notices, kind, base)
    path = output or (_default_file(notices, preview=True) if kind == "docx" else None)
    if path is None:
        sys.stdout.write(content.decode("utf-8"))
    else:
        out(f"已生成督办单预览：{store.write_output(folder, path, content, template)}")
    _note(f"以上为预览，共 {len(notices.subjects)} 份，未使用编号。正式生成请去掉 --preview。")


def _none_message(request: actions.NoticeRequest, skipped: tuple[actions.Skipped, ...] = ()) -> str:
    if skipped:
        return "没有可发出的督办单（见上面的提示），没有使用编号。"
    return f"截至{cn_date(request.evaluated)}没有亮红灯的任务，未生成督办单，没有使用编号。"


def _note(message: str) -> None:
    """A line for the clerk beside a notice printed on the screen (stderr: not part of what is pasted)."""
    sys.stderr.write(message + "\n")
