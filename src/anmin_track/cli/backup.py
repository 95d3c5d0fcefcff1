"""`anmin backup`: a dated zip of the data folder, to keep elsewhere (a USB stick, another PC)."""

# No `from __future__ import annotations`: see cli/zh.py.

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from anmin_track.cli.app import app
from anmin_track.cli.common import DataOpt, data_dir, out
from anmin_track.cli.zh import AnminCommand


@app.command("backup", cls=AnminCommand, epilog="示例：anmin backup E:\\台账备份")
def backup(
    ctx: typer.Context,
    # a plain str: typer's Path type stats the name first and fails on a NUL byte
    folder: Annotated[
        str | None,
        typer.Argument(
            metavar="文件夹", help="备份文件存放的文件夹（默认数据目录的上一级；在数据目录之外时为当前文件夹）。"
        ),
    ] = None,
    data: DataOpt = None,
) -> None:
    """把整个数据目录备份为一个带日期的 zip 文件（不含可重建的索引和缓存）。"""
    from anmin_track.store import backup as backups  # loaded when it runs, not for `anmin --help`
    from anmin_track.store import require_writable, write_output

    found = data_dir(ctx, data, warnings=False).whole
    require_writable(found, "备份（自带计划不需要备份）")
    home = found.path.resolve()
    if folder is not None:
        where = Path(folder)
    elif Path.cwd().resolve().is_relative_to(home):
        where = home.parent
    else:
        where = Path(".")
    target = backups.backup_name(found, date.today(), where)
    content, count = backups.make_backup(found)
    written = write_output(found, target, content)
    out(f"已备份数据目录 {found.path}：{count} 个文件，保存为 {written}。恢复方法见使用手册“数据安全与恢复”。")
