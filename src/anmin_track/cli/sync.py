"""`anmin sync` (several PCs, one ledger, through git), `anmin sync init`, and the hidden `anmin merge-driver`."""

# No `from __future__ import annotations`: see cli/zh.py.

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from anmin_track import actions, store
from anmin_track.cli.app import app, sync_app
from anmin_track.cli.common import ByOpt, DataOpt, author, command_line, data_dir, error, out
from anmin_track.cli.zh import AnminCommand
from anmin_track.errors import DataError, InputError
from anmin_track.text import visible

if TYPE_CHECKING:
    from anmin_track.store.sync import SyncConflict, Synced


@sync_app.callback()
def sync(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="只说明同步会做什么（会取回仓库的新内容），不改动数据。")
    ] = False,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """同步：上传本机的修改，取得其他电脑的修改，两边都有修改时按记录合并并检查。"""
    if ctx.invoked_subcommand is not None:
        return
    folder = data_dir(ctx, data, writes="同步")
    from anmin_track.store.sync import SyncConflict

    try:
        done = actions.sync_folder(folder, author(ctx, by), dry_run)
    except SyncConflict as conflict:
        _say_conflicts(conflict)
        raise typer.Exit(1) from None
    except DataError as exc:
        if not exc.problems:
            raise
        error(str(exc))
        for problem in exc.problems:
            sys.stderr.write(visible(f"  {problem}", oneline=True) + "\n")
        raise typer.Exit(1) from None
    _say_synced(done)


def _say_synced(done: "Synced") -> None:
    where = visible(done.remote, oneline=True)
    if done.dry_run:
        out(f"同步预演（仓库 {where}），数据未作任何修改：")
        out(f"  将上传本机的 {len(done.sent)} 项修改。" if done.sent else "  本机没有要上传的修改。")
        out(f"  将取得其他电脑的 {len(done.received)} 项修改。" if done.received else "  其他电脑没有新的修改。")
        if done.merged:
            out("  两边都有修改：将按记录合并，合并后检查通过才会采用。")
        for line in (*done.sent, *done.received)[:20]:
            out(visible(f"    {line}", oneline=True))
        return
    if not done.sent and not done.received:
        out(f"已同步（仓库 {where}）：两边都没有新的修改。")
        return
    out(f"已同步（仓库 {where}）：")
    if done.sent:
        out(f"  已上传本机的 {len(done.sent)} 项修改。")
    if done.received:
        how = "，已按记录合并，合并后的数据检查通过" if done.merged else ""
        out(f"  已取得其他电脑的 {len(done.received)} 项修改{how}：")
        for line in done.received[:20]:
            out(visible(f"    {line}", oneline=True))
        if len(done.received) > 20:
            out(f"    ……共 {len(done.received)} 项，完整列表见仓库的提交记录。")


def _say_conflicts(conflict: "SyncConflict") -> None:
    error(str(conflict))
    for n, (text, step) in enumerate(conflict.items, 1):
        fix = f"；在本机改成另一台电脑的值：{command_line(step)}" if step else ""
        sys.stderr.write(visible(f"  {n}. {text}{fix}", oneline=True) + "\n")
    sys.stderr.write(
        "怎样取得一致：与另一台电脑的同事商定每一处的正确内容，在本机改成相同（上面的命令把本机改成另一台电脑的值；"
        "要保留本机的值，就请对方在那台电脑上改），再运行 anmin sync。"
        "同一督办单编号在两台电脑上各发了一份的，请商定由一方作废并重新编号发出；"
        "两台电脑各新增了同一编号的任务的，请一方删除自己新增的任务（anmin goals remove）后再同步、重新新增。\n"
    )


@sync_app.command("init", cls=AnminCommand, epilog="示例：anmin sync init //办公室服务器/共享/台账.git")
def init(
    ctx: typer.Context,
    remote: Annotated[
        str | None,
        typer.Argument(metavar="仓库", help="共用的 git 仓库：共享文件夹中的裸仓库（如 Z:/台账.git），或其网址。"),
    ] = None,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """设置同步：在数据目录中运行，把它传到共用的仓库；用 --data 写一个还不存在的文件夹，则从仓库取得数据（第二台电脑）。"""
    root = ctx.find_root().obj or {}
    chosen = data or root.get("data") or os.environ.get(store.DATA_ENV)
    if chosen and not (Path(chosen) / store.PLAN_FILE).exists():
        if not remote:
            raise InputError("要从仓库取得数据，请写明仓库位置，如 anmin sync init Z:/台账.git --data 台账数据。")
        folder = actions.clone_data(Path(chosen), remote, author(ctx, by))
        out(
            visible(
                f"已从仓库 {remote} 取得数据，存放在 {folder.path}，并设置好同步。以后在该目录中运行 anmin sync 即可同步。",
                oneline=True,
            )
        )
        return
    folder = data_dir(ctx, data, writes="设置同步")
    made = actions.start_sync(folder, remote, author(ctx, by))
    where = f"，仓库 {remote}" if remote else ""
    if made:
        sent = (
            "，数据已传到仓库；其他电脑用 anmin sync init 仓库 --data 新文件夹 取得"
            if remote
            else "；还没有共用的仓库，设置时请写明仓库位置"
        )
        out(visible(f"已设置同步（数据目录 {folder.path}{where}）{sent}。", oneline=True))
    else:
        out(visible(f"已重新设置同步（数据目录 {folder.path}{where}）：合并程序已登记，数据未改动。", oneline=True))


@app.command(
    "merge-driver",
    cls=AnminCommand,
    hidden=True,
    epilog="示例：anmin merge-driver %O %A %B %P（由 git 调用，不需要手工运行）",
)
def merge_driver(
    base: Annotated[str, typer.Argument(metavar="%O")],
    ours: Annotated[str, typer.Argument(metavar="%A")],
    theirs: Annotated[str, typer.Argument(metavar="%B")],
    path: Annotated[str, typer.Argument(metavar="%P")],
) -> None:
    """git 的合并程序（由 anmin sync 调用）：按记录合并一个数据文件的三个版本，结果写入 %A。"""
    merged = actions.merge_driver(Path(base), Path(ours), Path(theirs), path)
    if merged.content is None:
        for line in merged.conflicts:
            error(line)
        raise typer.Exit(1)
