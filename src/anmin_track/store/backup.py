"""``anmin backup``: the data folder as one dated zip, without what the program derives.

Left out: the indexes (``progress/index*.toml``), the month caches (``progress/.cache``), the
lock, temp files of killed writers, symlinks, and earlier backups kept inside the folder.
All else goes in: the plans, the month files, the journal (``.history``), the 督办单 register
and the staff's own files (``月报/``). The folder is only read, under the lock when it may
be written (so no half-made change is copied); the zip is written like a report.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from anmin_track.errors import DataError, system_reason
from anmin_track.store.folder import CACHE_DIR, INDEX_NAME, LOCK_FILE, PROGRESS_DIR, DataDir, read_regular
from anmin_track.store.lock import locked
from anmin_track.text import file_name

#: What a backup is called: the data folder's name, then the day (and a number when that day has one).
BACKUP_NAME = re.compile(r"^.+_备份_\d{4}-\d{2}-\d{2}(?:_\d+)?\.zip$")
_TEMP_FILE = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")


def backup_name(data: DataDir, day: date, folder: Path) -> Path:
    """``folder``/NAME_备份_YYYY-MM-DD.zip, numbered _2, _3… when one of that day is there already."""
    stem = file_name(f"{data.path.resolve().name or '数据'}_备份_{day.isoformat()}")
    path, n = folder / f"{stem}.zip", 1
    while path.exists():
        n += 1
        path = folder / f"{stem}_{n}.zip"
    return path


def kept(rel: Path) -> bool:
    """Whether a file at ``rel`` (relative to the data folder) belongs in a backup."""
    name = rel.name
    if rel.parts[0] == PROGRESS_DIR and (CACHE_DIR in rel.parts or (len(rel.parts) == 2 and INDEX_NAME.match(name))):
        return False
    if len(rel.parts) == 1 and name.startswith(LOCK_FILE):
        return False
    return not (_TEMP_FILE.match(name) or BACKUP_NAME.match(name))


def make_backup(data: DataDir) -> tuple[bytes, int]:
    """The zip (every file under a folder named like the data folder) and how many files it holds."""
    import zipfile  # only a backup needs it: not on every command's start-up

    guard = locked(data, "备份") if os.access(data.path, os.W_OK) else contextlib.nullcontext()
    top = data.path.resolve().name or "数据"
    buffer = io.BytesIO()
    count = 0
    with guard, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path, rel in _files(data.path):
            try:
                content = read_regular(path)
                stamp = time.localtime(max(os.stat(path).st_mtime, 315_619_200))  # a zip's times begin in 1980
            except OSError as exc:
                raise DataError(f"无法读取 {data.label(path)}（{system_reason(exc)}），未生成备份。") from None
            info = zipfile.ZipInfo(f"{top}/{rel.as_posix()}", date_time=stamp[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zipped.writestr(info, content)
            count += 1
    return buffer.getvalue(), count


def _files(root: Path) -> Iterator[tuple[Path, Path]]:
    """Regular files under ``root`` in name order, never following a symlink."""
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name, reverse=True)
        except OSError as exc:
            raise DataError(f"无法读取文件夹 {folder}（{system_reason(exc)}），未生成备份。") from None
        for entry in entries:
            mode = entry.stat(follow_symlinks=False).st_mode
            rel = Path(entry.path).relative_to(root)
            if stat.S_ISDIR(mode):
                if rel.parts != (PROGRESS_DIR, CACHE_DIR):
                    stack.append(Path(entry.path))
            elif stat.S_ISREG(mode) and kept(rel):
                yield Path(entry.path), rel
