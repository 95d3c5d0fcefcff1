"""The journal as read: its entries (``.history/NNNNNNNN/entry.json``), for ``log``, ``undo`` and the writers.

Everything here reads what may have been tampered with: a damaged entry is reported as
its folder, an entry folder out of the sequence is left aside (``strays``), and nothing
a journal holds can crash ``log``/``undo`` or block a later write.
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from anmin_track.errors import DataError, NotFoundError, WriteError
from anmin_track.store.folder import HISTORY_DIR, INDEX_NAME, PROGRESS_DIR, DataDir, is_data_file
from anmin_track.store.safe_io import read_or_none
from anmin_track.tuples import NamedTuple

ENTRY_FILE = "entry.json"
DONE_FILE = "done"
UNDONE_FILE = "undone"
ENTRY_NAME = re.compile(r"^\d{8,40}$")  # NNNNNNNN, and more digits should a folder ever count that far
#: The first entry of the sequence is at most this; each next one at most ``SEQ_GAP`` above the one
#: before (undo reuses numbers, pruning takes the oldest: real gaps are a folder or two moved away).
#: Any other numbered name in .history is a stray: shown by ``log``, never an entry, never in the way.
FIRST_SEQ_MAX = 10**9
SEQ_GAP = 1000
READABLE_FORMATS = (1, 2)


class JournaledFile(NamedTuple):
    """One file of a journal entry, as recorded."""

    path: str
    before_image: str | None  # file name inside the entry folder; None: the file did not exist
    before_sha256: str | None
    after_sha256: str
    added: int  # lines
    removed: int

    @property
    def derived(self) -> bool:
        """An index is rebuilt from the month files whenever it disagrees, so it never blocks an undo."""
        folder, _, name = self.path.rpartition("/")
        return folder == PROGRESS_DIR and INDEX_NAME.match(name) is not None


class JournalEntry(NamedTuple):
    seq: int
    #: Never reused (unlike ``seq``): what ``undo`` confirms on.
    id: str
    folder: Path
    at: datetime
    who: str
    command: str
    summary: str
    files: tuple[JournaledFile, ...]
    complete: bool


def _sha(content: bytes | None) -> str | None:
    return None if content is None else _sha256()(content).hexdigest()


@functools.cache
def _sha256() -> Callable[[bytes], Any]:
    """SHA-256 from CPython's own module: ``hashlib`` loads OpenSSL, 3–8 ms of every write's start-up,
    to hash a few files (the built-in one is slower per byte, about 1 ms for a 140 KB month file)."""
    try:
        from _sha2 import sha256  # type: ignore[import-not-found]  # Python 3.12 and later
    except ImportError:
        try:
            from _sha256 import sha256  # type: ignore[import-not-found]  # Python 3.11
        except ImportError:  # a build without them
            from hashlib import sha256
    return sha256


def _numbered(history: Path) -> tuple[list[tuple[int, Path, bool]], list[Path]]:
    """The numbered names in ``history``: (number, path, is a folder) in the sequence, oldest
    first, and the strays (out of the sequence: a folder renamed to a huge number, say)."""
    try:
        found = sorted((int(e.name), Path(e.path), e.is_dir()) for e in os.scandir(history) if ENTRY_NAME.match(e.name))
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    sequence: list[tuple[int, Path, bool]] = []
    strays: list[Path] = []
    for number, path, is_dir in found:
        limit = sequence[-1][0] + SEQ_GAP if sequence else FIRST_SEQ_MAX
        if number > limit:
            strays.append(path)
            continue
        sequence.append((number, path, is_dir))
        if not is_dir:
            strays.append(path)  # numbered like an entry but a file: keeps its number, is no entry
    return sequence, strays


def _entry_folders(history: Path, *, taken_back: bool = False) -> list[Path]:
    """Committed entries, oldest first; with ``taken_back``, also those marked undone (``_drop``)."""
    folders = [path for _, path, is_dir in _numbered(history)[0] if is_dir]
    return folders if taken_back else [f for f in folders if not (f / UNDONE_FILE).exists()]


def _last_seq(history: Path) -> int:
    sequence = _numbered(history)[0]  # a number is never given to two names, files included
    return sequence[-1][0] if sequence else 0


def strays(data: DataDir) -> list[Path]:
    """Names in the journal's folder numbered like entries that are not (``log`` says so)."""
    return _numbered(data.history_dir)[1]


def _safe_rel(rel: object) -> str:
    """A journaled path must name a data file inside the folder (the journal could be tampered with).

    Never the 督办单 register: a number once issued is not given back by an undo."""
    if not isinstance(rel, str) or not is_data_file(rel):
        raise ValueError(rel)
    return rel


def _read_entry(folder: Path) -> JournalEntry:
    """Parse one entry; ValueError/OSError when it is damaged."""
    import json

    raw = read_or_none(folder / ENTRY_FILE)
    if raw is None:
        raise FileNotFoundError(folder / ENTRY_FILE)
    meta = json.loads(raw)
    if not isinstance(meta, dict) or meta.get("format") not in READABLE_FORMATS:
        raise ValueError("format")
    if meta["format"] == 1:  # written before entries had ids: its content identifies it
        entry_id = "v1-" + (_sha(raw) or "")[:24]
    else:
        entry_id = meta["id"]
        if not isinstance(entry_id, str) or not re.fullmatch(r"[0-9a-f]{1,32}-[0-9a-f]{12}", entry_id):
            raise ValueError("id")
    files = []
    for f in meta["files"]:
        image = f["before_image"]
        if image is not None and (not isinstance(image, str) or not re.fullmatch(r"\d+\.before", image)):
            raise ValueError(image)
        change = JournaledFile(
            path=_safe_rel(f["path"]),
            before_image=image,
            before_sha256=f["before_sha256"],
            after_sha256=f["after_sha256"],
            added=int(f["added"]),
            removed=int(f["removed"]),
        )
        if (image is None) != (change.before_sha256 is None):
            raise ValueError(image)
        files.append(change)
    who, command, summary = (meta[k] for k in ("who", "command", "summary"))
    if not all(isinstance(t, str) for t in (who, command, summary)) or not files:
        raise ValueError("fields")
    return JournalEntry(
        seq=int(folder.name),
        id=entry_id,
        folder=folder,
        at=datetime.fromisoformat(meta["at"]),
        who=who,
        command=command,
        summary=summary,
        files=tuple(files),
        complete=(folder / DONE_FILE).exists(),
    )


def history(data: DataDir, limit: int | None = None) -> list[JournalEntry | Path]:
    """Journal entries, newest first; a damaged entry is returned as its folder."""
    folders = _entry_folders(data.history_dir)[::-1]
    out: list[JournalEntry | Path] = []
    for folder in folders[:limit]:
        try:
            out.append(_read_entry(folder))
        except FileNotFoundError:
            if folder.exists():
                out.append(folder)  # entry.json deleted by hand: damaged
            # else: discarded meanwhile by a writer
        except (OSError, WriteError, ValueError, KeyError, TypeError, RecursionError):  # WriteError: unreadable
            out.append(folder)
    return out


def last_entry(data: DataDir) -> JournalEntry:
    """The newest change, which ``undo`` would revert."""
    found = history(data, limit=1)
    if not found:
        raise NotFoundError(f"没有可撤销的修改（{HISTORY_DIR} 中没有修改记录）。")
    if isinstance(found[0], Path):
        raise DataError(_damaged(data, found[0]))
    return found[0]


def _damaged(data: DataDir, folder: Path) -> str:
    return (
        f"修改记录 {data.label(folder)} 已损坏，无法撤销。其余数据未受影响；"
        "如确认不再需要撤销这次修改，可把该文件夹移走后再撤销更早的修改。"
    )
