"""The user's own settings, outside every data folder: the name they sign records with.

One small TOML file per user account, in the user's configuration folder:
``%APPDATA%\\anmin-track\\user.toml`` on Windows, ``$XDG_CONFIG_HOME/anmin-track/user.toml``
(``~/.config/anmin-track/user.toml``) elsewhere. Written atomically like an output file;
never under a data folder's lock (it belongs to the person, not to the folder).
"""

from __future__ import annotations

import os
from pathlib import Path

from anmin_track.errors import InputError, WriteError, system_reason
from anmin_track.store.folder import NotRegularFile, read_regular
from anmin_track.store.tomlcheck import dump_toml, toml_parser

APP_DIR = "anmin-track"
USER_FILE = "user.toml"
#: More than any name needs: a bigger file is not ours, and is not read.
LIMIT = 4096


def config_dir() -> Path:
    """The folder for this program's settings of the current user."""
    if os.name == "nt":  # pragma: no cover - Windows only
        base = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
    else:
        base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / APP_DIR


def user_file() -> Path:
    return config_dir() / USER_FILE


def saved_name() -> str:
    """The name saved by ``anmin whoami 姓名`` (or at the first prompt); empty when none is saved or
    the file cannot be read as one (then the user is asked again, or told how to set it)."""
    loads, decode_error = toml_parser()
    try:
        doc = loads(read_regular(user_file(), LIMIT).decode("utf-8-sig"))
    except (OSError, RuntimeError, UnicodeDecodeError, decode_error):  # RuntimeError: no home
        return ""
    name = doc.get("name")
    return name.strip() if isinstance(name, str) else ""


def save_name(name: str) -> Path:
    """Remember ``name`` for this user account; returns the file it is kept in."""
    from anmin_track.store.safe_io import Replaced, atomic_write, make_dir  # only `whoami` writes it

    try:
        path = user_file()
    except RuntimeError:
        raise InputError(
            "找不到当前用户的主目录，无法保存姓名；请改用环境变量 ANMIN_USER 或注明操作人。", options=("by",)
        ) from None
    try:
        make_dir(path.parent)
        if path.exists() and not path.is_file():
            raise NotRegularFile(path, path.lstat().st_mode)
        atomic_write(path, dump_toml({"name": name}), data_file=False)
    except Replaced:
        pass  # written; only the folder's sync failed
    except OSError as exc:
        raise WriteError(f"无法保存姓名到 {path}（{system_reason(exc)}）。") from None
    return path
