"""`anmin whoami`: the name this user signs records and claims with, kept outside every data folder."""

# No `from __future__ import annotations`: see cli/zh.py.

import os
from typing import Annotated

import typer

from anmin_track.cli.app import app
from anmin_track.cli.common import HOW_TO_SIGN, USER_ENV, out, person_name, warn
from anmin_track.cli.zh import AnminCommand
from anmin_track.text import visible


@app.command("whoami", cls=AnminCommand, epilog="示例：anmin whoami 王芳")
def whoami(
    name: Annotated[
        str | None, typer.Argument(metavar="姓名", help="记下（或改成）这个姓名；不写则显示现在署的名。")
    ] = None,
) -> None:
    """记下您的姓名：以后录入的进展、认领等都署这个名（每个电脑账户一次）。"""
    from anmin_track.store import profile  # loaded when it runs, not for `anmin --help`

    env = os.environ.get(USER_ENV, "")
    if name is None:
        saved = profile.saved_name()
        if env:
            out(f"当前署名：{visible(env, oneline=True)}（来自环境变量 {USER_ENV}）。")
        elif saved:
            out(f"当前署名：{visible(saved, oneline=True)}（保存在 {profile.user_file()}）。")
        else:
            out(f"尚未记下姓名。{HOW_TO_SIGN}。")
        return
    name = person_name(name)
    where = profile.save_name(name)
    out(f"已记下您的姓名：{visible(name, oneline=True)}。以后录入的进展、认领等都署此名（保存在 {where}）。")
    if env and env != name:
        warn(f"环境变量 {USER_ENV} 已设为 {env}，它优先于记下的姓名；如要署名 {name}，请删除该环境变量")
