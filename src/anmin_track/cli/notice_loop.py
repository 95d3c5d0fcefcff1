"""`anmin notice list|sign|reply|close|reopen`: the 督办 loop after a 督办单 is issued (`notice issue`)."""

# No `from __future__ import annotations`: see cli/zh.py.

from datetime import date
from typing import Annotated

import typer

from anmin_track import actions, parse, store
from anmin_track.cli.app import notice_app
from anmin_track.cli.common import DataOpt, JsonOpt, author, data_dir, out, person_name, print_json
from anmin_track.cli.zh import AnminCommand
from anmin_track.errors import InputError
from anmin_track.text import cn_date, local_now, visible

NoticeArg = Annotated[
    str,
    typer.Argument(
        metavar="督办单", help="督办单编号：完整编号（督办〔2024〕3号）、本年度序号（3）或 年度-序号（2024-3）。"
    ),
]
DateOpt = Annotated[str | None, typer.Option("--date", metavar="日期", help="哪一天（默认今天）。")]


@notice_app.command("list", cls=AnminCommand, epilog="示例：anmin notice list --overdue")
def notice_list(
    ctx: typer.Context,
    only_open: Annotated[bool, typer.Option("--open", help="只列出未办结的（待签收、办理中、逾期未反馈）。")] = False,
    overdue: Annotated[bool, typer.Option("--overdue", help="只列出逾期未反馈的。")] = False,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="日期", help="按这一天的状态列出（默认今天）。")
    ] = None,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """列出督办单：任务、责任单位、成文日期、反馈期限、签收、反馈和状态（待签收、办理中、逾期未反馈、已反馈、已销号、作废）。"""
    day = parse.parse_date(as_of, "日期", "as-of") if as_of else None
    show_notices(data_dir(ctx, data), day, only_open, overdue, as_json)


def show_notices(folder: store.DataDir, day: date | None, only_open: bool, overdue: bool, as_json: bool) -> None:
    """`notice list` (and `report notice --list`)."""
    day = day or date.today()
    items = actions.notices_as_of(folder, day)
    if overdue:
        items = [i for i in items if i.status == actions.OVERDUE]
    elif only_open:
        items = [i for i in items if i.is_open]
    from anmin_track.output import supervision

    view = supervision.notices_view(items, day)
    if as_json:
        print_json(view)
        return
    if not items:
        which = "逾期未反馈的" if overdue else "未办结的" if only_open else ""
        out(f"截至{cn_date(day)}没有{which}督办单。")
        return
    from anmin_track.output import grid

    grid.print_table(supervision.notices_table(view))
    counts = {state: sum(i.status == state for i in items) for state in (*actions.OPEN_STATES, actions.VOID)}
    said = "，".join(f"{state}{n}份" for state, n in counts.items() if n)
    out(
        f"共{len(items)}份{'：' + said if said else ''}。编号登记在 {folder.label(folder.notices_file)}，撤销不会收回编号。"
    )


@notice_app.command("sign", cls=AnminCommand, epilog="示例：anmin notice sign 3 --by 王五 --date 2024-06-04")
def notice_sign(
    ctx: typer.Context,
    ref: NoticeArg,
    by: Annotated[str, typer.Option("--by", metavar="姓名", help="签收人（责任单位签收督办单的人）。")] = "",
    day: DateOpt = None,
    data: DataOpt = None,
) -> None:
    """登记督办单的签收：签收人和签收日期。"""
    folder = data_dir(ctx, data, writes="登记签收")
    if not by:
        raise InputError("缺少签收人：请写明是谁签收的督办单。", options=("by",))
    who = person_name(by)
    done = actions.sign_notice(folder, ref, who, _day(day), author(ctx), date.today())
    out(visible(f"已登记：{done.item.code}（任务 {done.item.task}）由{who}于{cn_date(_day(day))}签收。", oneline=True))


@notice_app.command("reply", cls=AnminCommand, epilog='示例：anmin notice reply 3 --note "已完成整改" --progress 60')
def notice_reply(
    ctx: typer.Context,
    ref: NoticeArg,
    note: Annotated[str, typer.Option("--note", metavar="文字", help="办理情况（责任单位的书面反馈）。")] = "",
    progress: Annotated[
        str | None,
        typer.Option("--progress", "-p", metavar="百分比", help="同时为该任务记录这一进度（0~100，同一次修改）。"),
    ] = None,
    day: DateOpt = None,
    data: DataOpt = None,
) -> None:
    """登记办理情况反馈；加 --progress 时同时为该任务记录一条进展（撤销时一并撤销）。"""
    folder = data_dir(ctx, data, writes="登记反馈")
    text = parse.clean_text(note, "办理情况", "note")
    percent = None if progress is None else parse.parse_progress(progress, "progress")
    reply = actions.Reply(ref, text, _day(day), percent)
    done = actions.reply_notice(folder, reply, author(ctx), local_now())
    also = f"，并记录任务 {done.recorded.task} 进度 {done.recorded.progress}%" if done.recorded else ""
    out(
        f"已登记 {done.item.code} 的办理情况反馈（{cn_date(reply.day)}）{also}。销号：anmin notice close {_short(done.item)}"
    )


@notice_app.command("close", cls=AnminCommand, epilog='示例：anmin notice close 2024-3 --note "整改到位"')
def notice_close(
    ctx: typer.Context,
    ref: NoticeArg,
    note: Annotated[str, typer.Option("--note", metavar="意见", help="销号意见。")] = "",
    day: DateOpt = None,
    data: DataOpt = None,
) -> None:
    """督办销号：反馈经审核认可后办结该督办单。"""
    folder = data_dir(ctx, data, writes="销号")
    text = parse.clean_text(note, "销号意见", "note")
    done = actions.close_notice(folder, ref, text, _day(day), author(ctx), date.today())
    out(f"已销号：{done.item.code}（任务 {done.item.task}），{cn_date(_day(day))}。")


@notice_app.command("reopen", cls=AnminCommand, epilog="示例：anmin notice reopen 2024-3")
def notice_reopen(ctx: typer.Context, ref: NoticeArg, data: DataOpt = None) -> None:
    """重新打开已销号的督办单（反馈不符合要求，继续督办）；原反馈保留，可再次登记反馈后销号。"""
    folder = data_dir(ctx, data, writes="重新打开督办单")
    done = actions.reopen_notice(folder, ref, author(ctx))
    out(f"已重新打开 {done.item.code}（任务 {done.item.task}），状态：已反馈，待重新审核或再次反馈。")


def _day(raw: str | None) -> date:
    return parse.parse_date(raw, "日期", "date") if raw else date.today()


def _short(item: actions.NoticeItem) -> str:
    return f"{item.year}-{item.number}"


def notice_lines(items: list[actions.NoticeItem], day: date, task: str | None = None) -> list[str]:
    """The open 督办单 of ``task`` (None: of every task), overdue first, one line each (`goals show`, `goals due`)."""
    chosen = [i for i in items if i.is_open and (task is None or i.task == task)]
    chosen.sort(key=lambda i: (i.status != actions.OVERDUE, i.reply_by or date.max))
    lines = []
    for i in chosen:
        late = f"，已逾期{i.days_late(day)}天" if i.status == actions.OVERDUE else ""
        due = f"反馈期限{cn_date(i.reply_by)}" if i.reply_by else "反馈期限不详"
        whom = f"，主送{i.to}" if i.to else ""
        lines.append(visible(f"{i.code}（任务 {i.task}{whom}）{i.status}，{due}{late}", oneline=True))
    return lines


def notice_cells(items: list[actions.NoticeItem], day: date) -> dict[str, str]:
    """Each task's open 督办单 in a ledger cell, one a line: ``督办〔2024〕1号 逾期未反馈（反馈期限2024年6月10日）``."""
    cells: dict[str, list[str]] = {}
    for task, open_items in actions.open_by_task(items).items():
        for i in open_items:
            due = f"（反馈期限{cn_date(i.reply_by)}）" if i.reply_by else ""
            cells.setdefault(task, []).append(f"{i.code} {i.status}{due}")
    return {task: "\n".join(lines) for task, lines in cells.items()}
