"""`anmin log` and `anmin undo`: what was changed, and taking the latest change back."""

# No `from __future__ import annotations`: see cli/zh.py.

from datetime import datetime
from typing import Annotated

import typer

from anmin_track import actions, store
from anmin_track.cli.app import app
from anmin_track.cli.common import DataOpt, JsonOpt, author, data_dir, out, print_json
from anmin_track.cli.zh import AnminCommand, confirm
from anmin_track.output import views
from anmin_track.text import cn_date, visible


def _change_lines(change: dict) -> list[str]:
    """A journal entry (views.change_view) as a few plain lines."""
    if change["damaged"]:
        return [f"#{change['seq']}  （修改记录已损坏，无法读取）"]
    at = datetime.fromisoformat(change["at"])
    head = f"#{change['seq']}  {cn_date(at)} {at:%H:%M:%S}  {change['who']}"
    if not change["complete"]:
        head += "  （写入时被中断，可能只完成了一部分）"
    files = []
    for f in change["files"]:
        if f["derived"]:
            continue
        how = "新建" if f["created"] else f"+{f['added_lines']} −{f['removed_lines']} 行"
        files.append(f"{f['path']}（{how}）")
    lines = [head, f"    命令：{change['command'] or '—'}"]
    if change["summary"]:
        lines.append(f"    内容：{change['summary']}")
    lines.append(f"    文件：{'、'.join(files) or '仅自动索引'}")
    return [visible(line, oneline=True) for line in lines]


@app.command("log", cls=AnminCommand, epilog="示例：anmin log -n 5")
def log(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="条数", help="最多显示几次修改。")] = 20,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """列出最近的修改（时间、记录人、命令、改了什么），最新在前。"""
    folder = data_dir(ctx, data)
    view = views.history_view(store.history(folder, limit))
    if as_json:
        print_json(view)
        return
    if not view["changes"]:
        out("还没有修改记录。")
    else:
        out(f"最近 {len(view['changes'])} 次修改（最新在前；`anmin undo` 撤销最上面一次）：")
    for change in view["changes"]:
        out("\n".join(_change_lines(change)))
    strays = store.strays(folder)
    if strays:
        names = "、".join(visible(folder.label(p), oneline=True) for p in strays[:5]) + (
            "等" if len(strays) > 5 else ""
        )
        out(
            f"注意：{names} 不是有效的修改记录（编号不连续，或不是文件夹），已略过；撤销不会用到它，可移出 {store.HISTORY_DIR}。"
        )


@app.command("undo", cls=AnminCommand, epilog="示例：anmin undo")
def undo(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不询问，直接撤销。")] = False,
    data: DataOpt = None,
) -> None:
    """撤销最近一次修改（恢复修改前的文件）；再次运行可继续撤销更早的修改。"""
    folder = data_dir(ctx, data, writes="撤销修改")
    entry = actions.undo_candidate(folder)
    out("将撤销最近一次修改：")
    out("\n".join(_change_lines(views.change_view(entry))))
    if not yes:
        confirm("确认撤销？")
    done = actions.undo_entry(folder, entry, author(ctx))
    more = (
        f"再次运行 anmin undo 可继续撤销更早的修改（还有 {done.left} 次）。" if done.left else "已没有更早的修改记录。"
    )
    if done.reverted:
        out(f"已撤销 #{entry.seq}。{more}")
    else:
        out(f"#{entry.seq} 的修改已不在数据文件中（此前已撤销，或写入前就被中断），只删除了它的修改记录。{more}")
