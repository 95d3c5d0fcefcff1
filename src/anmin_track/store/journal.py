"""The journal: every write saves what it replaces first, so ``anmin undo`` can put it back.

.history/00000042/entry.json   its id, who, when, command, summary, and per file: its path,
                               the sha256 before and after, the name of its before-image
.history/00000042/0.before     the before-image of the first file (absent if it did not exist)
.history/00000042/done         written once every data file of the entry is written
.history/00000042/undone       written when the entry is taken back (undone, or its write rolled
                               back) and it could not be renamed away at once: no longer an entry

An entry is built in a ``.new-*`` folder and renamed into place (atomic), so a crash
leaves either a whole entry or a leftover that is ignored and swept away later.

The folder number orders the entries and is what people see (#42); it is reused after
an undo. What ``undo`` confirms on is the entry's ``id`` (time + random, format 2),
which is never reused: a "yes" given to one change can never revert another.
Entries of format 1 (no id) are still read; their id is derived from their content.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import Counter
from pathlib import Path, PurePosixPath

from anmin_track.errors import DataError, Step, WriteError
from anmin_track.store.entries import (
    DONE_FILE,
    ENTRY_FILE,
    ENTRY_NAME,
    UNDONE_FILE,
    JournaledFile,
    _damaged,
    _entry_folders,
    _last_seq,
    _sha,
)
from anmin_track.store.entries import JournalEntry as JournalEntry  # re-exported: undo and the store use them
from anmin_track.store.entries import history as history
from anmin_track.store.entries import last_entry as last_entry
from anmin_track.store.folder import HISTORY_DIR, INDEX_NAME, LOCK_FILE, PROGRESS_DIR, DataDir
from anmin_track.store.lock import LockLost, lock_lost, lock_unchecked, require_lock, write_failure
from anmin_track.store.safe_io import (
    STALE_AFTER,
    Replaced,
    atomic_write,
    deferred_interrupt,
    fsync_dir,
    make_dir,
    read_or_none,
    remove_tree,
    require_own_path,
    sweep_temp_files,
    write_new,
)
from anmin_track.text import local_now
from anmin_track.tuples import NamedTuple

HISTORY_KEEP = 200
WRITTEN: list[str] = []  # summaries of the changes this process has made, for a message after Ctrl-C
JOURNAL_FORMAT = 2
COMMAND_MAX = 300


class Author(NamedTuple):
    """Who makes a change and with which command: what ``anmin log`` shows of it."""

    who: str
    command: str = ""


class PendingFile(NamedTuple):
    """A file about to be replaced: its content now (None: absent) and what it becomes."""

    path: Path
    rel: str
    before: bytes | None
    after: bytes


def _pending(data: DataDir, path: Path, content: bytes) -> PendingFile:
    require_own_path(data, path)
    rel = PurePosixPath(path.relative_to(data.path)).as_posix()
    return PendingFile(path, rel, read_or_none(path), content)


def _line_counts(before: bytes | None, after: bytes) -> tuple[int, int]:
    """Lines added and removed (as multisets: cheap even for large files)."""
    if before is not None and before.endswith(b"\n") and after.startswith(before):  # an append
        return len(after[len(before) :].splitlines()), 0
    old = Counter((before or b"").splitlines())
    new = Counter(after.splitlines())
    return sum((new - old).values()), sum((old - new).values())


def _write_entry(data: DataDir, changes: list[PendingFile], author: Author, summary: str) -> Path:
    """Write and fsync a journal entry for ``changes``; returns its folder."""
    history = data.history_dir
    require_own_path(data, history, folder=True)
    tmp: Path | None = None
    final: Path | None = None
    try:
        require_lock()  # sweeping is for the lock's holder only
        if not history.is_dir():
            make_dir(history)
            fsync_dir(data.path)
        _sweep_leftovers(history)
        tmp = history / f".new-{os.urandom(4).hex()}"
        make_dir(tmp)
        files = []
        for n, change in enumerate(changes):
            image = None
            if change.before is not None:
                image = f"{n}.before"
                write_new(tmp / image, change.before)
            added, removed = _line_counts(change.before, change.after)
            files.append(
                {
                    "path": change.rel,
                    "before_image": image,
                    "before_sha256": _sha(change.before),
                    "after_sha256": _sha(change.after),
                    "added": added,
                    "removed": removed,
                }
            )
        import json

        command = author.command
        meta = {
            "format": JOURNAL_FORMAT,
            "id": new_entry_id(),
            "at": local_now().isoformat(timespec="seconds"),
            "who": _storable(author.who or "未知"),
            "command": _storable(command if len(command) <= COMMAND_MAX else command[:COMMAND_MAX] + "…"),
            "summary": _storable(summary),
            "files": files,
        }
        write_new(tmp / ENTRY_FILE, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
        fsync_dir(tmp)
        final = history / f"{_last_seq(history) + 1:08d}"
        require_lock()
        os.rename(tmp, final)
        tmp = None
        fsync_dir(history)
        return final
    except (OSError, LockLost) as exc:
        if tmp is not None:
            remove_tree(tmp)
        elif final is not None:  # in place, but not known to last: no data file may rely on it
            _drop(final)
        if isinstance(exc, LockLost):
            raise
        if lock_lost():  # another writer, under the lock file now, may have swept our half-built entry
            raise LockLost from None
        raise WriteError(write_failure(history, exc)) from None


def new_entry_id() -> str:
    """An id no other entry gets: the time in nanoseconds, then 48 random bits."""
    import time

    return f"{time.time_ns():x}-{os.urandom(6).hex()}"


def _storable(text: str) -> str:
    """Text that survives UTF-8 (a lone surrogate typed on the command line becomes ``\\udxxx``)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _roll_back(written: list[PendingFile], entry: Path) -> bool:
    """Put back the files already written by a failed ``write_files`` (whether or not the lock is
    still ours: they are ours to put back), then drop its entry; returns whether all went."""
    try:
        with lock_unchecked():
            for change in reversed(written):
                _restore(change.path, change.before)
    except OSError:
        return False
    return _drop(entry)


def _restore(path: Path, content: bytes | None) -> None:
    """Give ``path`` its ``content`` again (None: remove it). Done once the file is in place,
    even if its folder could not be synced after."""
    if content is None:
        require_lock()
        try:
            path.unlink()
        except FileNotFoundError:
            return
        with contextlib.suppress(OSError):
            fsync_dir(path.parent)
    else:
        with contextlib.suppress(Replaced):
            atomic_write(path, content)


def _mark_done(entry: Path) -> None:
    """The entry's "完成" mark; tried twice, since without it `log` would call a whole change interrupted."""
    for attempt in (1, 2):
        try:
            write_new(entry / DONE_FILE, b"")
        except FileExistsError:
            pass  # made by the first attempt, whose fsync failed
        except OSError:
            if attempt == 2:
                return
            continue
        with contextlib.suppress(OSError):
            fsync_dir(entry)
        return


def _discard(entry: Path) -> None:
    """Remove an entry atomically: rename it out of the sequence first, then delete."""
    gone = entry.with_name(f".old-{entry.name}")
    with contextlib.suppress(OSError):
        os.rename(entry, gone)
        fsync_dir(entry.parent)
    remove_tree(gone)


def _drop(entry: Path) -> bool:
    """Take an entry out of the journal for good: marked undone, then renamed out of the sequence
    and deleted. Either step alone is enough (``history`` skips marked entries); returns whether one held."""
    marked = False
    try:
        write_new(entry / UNDONE_FILE, b"")
        marked = True
        fsync_dir(entry)
    except FileExistsError:
        marked = True
    except OSError:
        pass
    gone = entry.with_name(f".old-{entry.name}")
    try:
        os.rename(entry, gone)
    except OSError:
        return marked
    with contextlib.suppress(OSError):
        fsync_dir(entry.parent)
    remove_tree(gone)
    return True


def _sweep_leftovers(history: Path) -> None:
    """Remove half-built (``.new-*``), half-deleted (``.old-*``) and taken-back entries; runs under the lock.

    A half-built entry just made is left for next time: its writer may be one whose lock file
    was deleted under it, still building it until it finds out (``require_lock``)."""
    now = time.time()
    for e in os.scandir(history):
        if e.name.startswith(".new-"):
            with contextlib.suppress(OSError):
                if now - e.stat(follow_symlinks=False).st_mtime >= STALE_AFTER:
                    remove_tree(Path(e.path))
        elif e.name.startswith(".old-") or (
            ENTRY_NAME.match(e.name) and os.path.exists(os.path.join(e.path, UNDONE_FILE))
        ):
            remove_tree(Path(e.path))


def _prune_history(data: DataDir) -> None:
    for old in _entry_folders(data.history_dir)[:-HISTORY_KEEP]:
        _discard(old)


def _before_image(data: DataDir, entry: JournalEntry, change: JournaledFile) -> bytes | None:
    if change.before_image is None:
        return None
    content = read_or_none(entry.folder / change.before_image)
    if _sha(content) != change.before_sha256:
        raise DataError(_damaged(data, entry.folder))
    return content


def write_files(
    data: DataDir, files: dict[Path, bytes], *, author: Author, summary: str, stamp_ns: int | None = None
) -> None:
    """THE write path: journal the before-images, then write each file atomically, in order.

    Callers hold the lock. The journal entry is durable before any data file changes, so
    ``anmin undo`` can always put back what was there. Month files are written before the
    index: if the process dies in between, the index no longer matches and is rebuilt.
    If a write fails (disk full, permission), the files already written are put back and
    the entry dropped, so the command changes nothing.
    """
    changes = [c for c in (_pending(data, path, content) for path, content in files.items()) if c.before != c.after]
    if not changes:
        return
    require_lock()
    for folder in {c.path.parent for c in changes}:
        sweep_temp_files(folder)
    with deferred_interrupt():  # Ctrl-C waits until the change is whole and marked done
        entry = _write_entry(data, changes, author, summary)
        done: list[PendingFile] = []
        try:
            for change in changes:
                with contextlib.suppress(Replaced):  # in place: only its folder's sync failed
                    atomic_write(change.path, change.after, stamp_ns)
                done.append(change)
        except (LockLost, OSError) as exc:
            if not isinstance(exc, LockLost) and not lock_lost():
                failed = write_failure(change.path, exc)
                if _roll_back(done, entry):
                    raise WriteError(failed) from None
                raise WriteError(
                    f"{failed}部分文件未能还原，请在问题解决后撤销这次修改。", steps=(Step("undo"),)
                ) from None
            # another writer may hold the lock now: put back, and let the caller run again
            if not _roll_back(done, entry):
                raise WriteError(
                    f"写入期间锁文件 {LOCK_FILE} 被删除或替换，已写的文件未能全部还原，请撤销这次修改。",
                    steps=(Step("undo"),),
                ) from None
            raise LockLost from None
        _mark_done(entry)
        with contextlib.suppress(OSError):  # the change is made; older entries go next time
            _prune_history(data)
        WRITTEN.append(summary)


def planned_restores(data: DataDir, entry: JournalEntry) -> list[tuple[Path, bytes | None]]:
    """What reverting ``entry`` writes: (file, content; None = remove) for each file not yet restored.

    A file changed since the entry (other than by it, e.g. edited by hand) is not
    overwritten: the revert is refused before anything is written. Safe to repeat after
    a crash: files already restored are skipped. The caller holds the lock.
    """
    restores = []
    for change in entry.files:
        path = data.path / change.path
        require_own_path(data, path)
        sweep_temp_files(path.parent)
        now = _sha(read_or_none(path))
        if now == change.before_sha256:
            continue
        if now != change.after_sha256 and not change.derived:
            raise WriteError(
                f"{data.label(path)} 在这次修改之后又被改动过（可能是手工编辑），为免覆盖这些改动，未撤销任何内容。"
            )
        restores.append((path, _before_image(data, entry, change)))
    return restores


def restore_files(restores: list[tuple[Path, bytes | None]]) -> list[Path]:
    """Write what ``planned_restores`` returned; returns the files restored.

    The derived index that cannot be put back is removed instead (it is rebuilt from the files):
    an index that describes files as they no longer are would be taken for hand edits."""
    for path, content in restores:
        try:
            _restore(path, content)
        except OSError as exc:
            if INDEX_NAME.match(path.name) and path.parent.name == PROGRESS_DIR and _forget(path):
                continue
            raise WriteError(
                write_failure(path, exc).replace("数据未作任何修改", "撤销未完成，可再次撤销"), steps=(Step("undo"),)
            ) from None
    return [path for path, _ in restores]


def _forget(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        return False
    return True


def revert(data: DataDir, entry: JournalEntry) -> list[Path]:
    """Put back the before-images of ``entry``; returns the files restored. The caller holds the lock."""
    return restore_files(planned_restores(data, entry))


def discard(entry: JournalEntry) -> None:
    """Drop an entry that has been reverted; a WriteError when it stays in the journal."""
    if not _drop(entry.folder):
        raise WriteError(
            f"#{entry.seq} 的文件已恢复为修改前的样子，但未能从修改记录（{HISTORY_DIR}）中删除它。"
            "排除问题（如磁盘已满、权限不足）后再次撤销，会先删除这条记录，不会把它撤销两次。"
        )


#: In ``.history``: the id of the newest entry when this PC last synced (``anmin sync``). That entry and
#: those before it are on the other PCs too, so ``undo`` no longer reverts them.
SYNCED_FILE = "synced"
#: How the summary of an entry ``sync`` wrote begins: the other PCs' changes, never taken back by ``undo``.
SYNC_SUMMARY = "同步："


def _mark(data: DataDir, name: str) -> str | None:
    content = read_or_none(data.history_dir / name)
    return content.decode("ascii", "replace").strip() or None if content else None


def synced_entry(data: DataDir) -> str | None:
    return _mark(data, SYNCED_FILE)


def is_synced(data: DataDir, entry: JournalEntry) -> bool:
    """Whether ``entry`` (the newest) is on the other PCs too: the newest when this PC last synced, or one
    that a sync wrote (its mark may not have been saved yet, if the sync was killed right after)."""
    return entry.id == synced_entry(data) or entry.summary.startswith(SYNC_SUMMARY)


def newest_id(data: DataDir) -> str | None:
    return next((e.id for e in history(data, limit=1) if isinstance(e, JournalEntry)), None)


def mark_synced(data: DataDir) -> None:
    """Remember the newest entry as synced (the caller holds the lock and has just synced)."""
    newest = newest_id(data)
    if newest is not None:
        atomic_write(data.history_dir / SYNCED_FILE, newest.encode("ascii", "replace") + b"\n")


def unsynced(data: DataDir, after: str | None = None) -> list[JournalEntry]:
    """The entries made since the last sync (and since entry ``after``, when given), oldest first."""
    marks = {synced_entry(data), after} - {None}
    found: list[JournalEntry] = []
    for entry in history(data):
        if isinstance(entry, JournalEntry):
            if entry.id in marks:
                break
            found.append(entry)
    return found[::-1]
