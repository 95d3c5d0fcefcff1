"""The data folder's lock: one writer at a time, and who holds it; with the folder permissions
and the words for a failed write that ``safe_io`` shares."""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from anmin_track.errors import WriteError, system_reason
from anmin_track.store.folder import LOCK_FILE, DataDir, NotRegularFile, kind_of, read_regular, require_writable

LOCK_TIMEOUT_ENV = "ANMIN_LOCK_TIMEOUT"
#: When set to a file name, every release of the lock appends how long it was held
#: (milliseconds, then who held it): what the benchmark measures of writers.
LOCK_TRACE_ENV = "ANMIN_LOCK_TRACE"


def lock_timeout() -> float:
    """Seconds a writer waits for the lock: ``$ANMIN_LOCK_TIMEOUT`` if a finite number ≥ 0, else 10."""
    try:
        value = float(os.environ.get(LOCK_TIMEOUT_ENV, "10"))
    except ValueError:
        return 10.0
    return value if 0 <= value < float("inf") else 10.0


class LockLost(WriteError):
    """The lock file was deleted or replaced while this process held it, where the data folder
    itself could not be locked (``_lock_folder``): another writer may hold the one at the lock
    path now. Raised before a file is replaced; the write is given up (what it had replaced put
    back) and run again under the lock as it is (``writes.retried``)."""

    def __init__(self) -> None:
        super().__init__(
            f"写入期间锁文件 {LOCK_FILE} 被删除或替换（可能是同步盘或手工操作），为免与其他人的写入互相覆盖，"
            "这次写入已放弃，未作任何修改。请重试。"
        )


#: The lock this process holds (lock file descriptor, path, whether the folder itself is locked too),
#: innermost last: what ``require_lock`` checks.
_HELD: list[tuple[int, Path, bool]] = []
#: Set while a failed write puts back what it replaced: that must happen even when the lock was lost.
_UNCHECKED: list[bool] = []


@contextlib.contextmanager
def locked(data: DataDir, who: str = "", timeout: float | None = None) -> Iterator[None]:
    """Hold the data folder's exclusive lock while writing.

    Two locks, taken in this order: the data folder itself (where its file system can lock a
    folder: ``_lock_folder``), which nobody can delete or replace while it is in use, and the
    lock file ``.anmin.lock``, which names the holder and is all there is to lock where the
    folder cannot be locked (a network folder; on Windows a file held open cannot be deleted
    or replaced). Waiters queue by polling; after ``timeout`` seconds they give up with a
    message naming the holder, read from the lock file. A lock file is only a lock while it
    is the one at the lock path: when the file locked was deleted or replaced meanwhile (a
    clerk, a sync client), the one there now is opened and locked instead; and, unless the
    folder is locked too, before each file is replaced it is checked again (``require_lock``).
    """
    require_writable(data)
    timeout = lock_timeout() if timeout is None else timeout
    path = data.path / LOCK_FILE
    deadline = time.monotonic() + timeout
    folder = _open_folder(data.path)
    fd = -1
    try:
        folder_locked = folder >= 0 and _wait(functools.partial(_lock_folder, folder), deadline, timeout, path)
        fd = _open_lock(data, path)
        while True:
            _wait(functools.partial(_try_lock, fd), deadline, timeout, path)
            if _is_at(fd, path):
                break
            _unlock(fd)  # the file we locked is no longer the lock file: queue on the one there now
            os.close(fd)
            fd = -1
            fd = _open_lock(data, path)
        _write_holder(fd, who)
        held = time.perf_counter()
        _HELD.append((fd, path, folder_locked))
        try:
            yield
        finally:
            _HELD.pop()
            _unlock(fd)
            _trace(who, time.perf_counter() - held)
    finally:
        if fd >= 0:
            os.close(fd)
        if folder >= 0:
            os.close(folder)  # closing releases the folder's lock


def _wait(attempt: Callable[[], bool | None], deadline: float, timeout: float, path: Path) -> bool:
    """Poll ``attempt`` until it returns True (locked) or None (this lock cannot be had here:
    returns False); past ``deadline`` raise the message naming the holder."""
    while True:
        got = attempt()
        if got is not False:
            return bool(got)
        if time.monotonic() >= deadline:
            holder = _read_holder(path)
            raise WriteError(
                f"数据正被其他人写入{holder}，等待 {timeout:g} 秒后仍未释放，未作任何修改。"
                "请稍后再试；如该进程已卡住，结束它即可释放（锁随进程结束自动释放）。"
            )
        time.sleep(0.02)


def _is_at(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is still the file at ``path`` (same device and inode)."""
    try:
        mine, there = os.fstat(fd), os.stat(path, follow_symlinks=False)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (there.st_dev, there.st_ino)


def require_lock() -> None:
    """Before a data file is replaced: if this process holds the lock, its file must still be the lock file."""
    if lock_lost():
        raise LockLost


def lock_lost() -> bool:
    """Whether the lock this process holds is no longer the lock file, the folder not being locked
    either (then a failure may be another writer's doing, such as its sweep of what it took for a
    dead writer's temp files)."""
    if not _HELD or _UNCHECKED:
        return False
    fd, path, folder_locked = _HELD[-1]
    return not folder_locked and not _is_at(fd, path)


@contextlib.contextmanager
def lock_unchecked() -> Iterator[None]:
    """Put back what a failed write replaced, whether or not the lock is still ours."""
    _UNCHECKED.append(True)
    try:
        yield
    finally:
        _UNCHECKED.pop()


def _trace(who: str, seconds: float) -> None:
    trace = os.environ.get(LOCK_TRACE_ENV)
    if trace:
        with contextlib.suppress(OSError), open(trace, "a", encoding="utf-8") as out:
            out.write(f"{seconds * 1000:.1f}\t{who}\n")


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _write_holder(fd: int, who: str) -> None:
        pass  # the locked byte cannot be rewritten on Windows; holder stays unknown

    def _open_folder(folder: Path) -> int:
        return -1  # a folder cannot be opened as a file; the lock file, held open, cannot be deleted or replaced

    def _lock_folder(fd: int) -> bool | None:
        return None

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        except OSError as exc:  # e.g. ENOLCK on some network folders: writing unlocked is not safe
            raise WriteError(
                f"数据目录所在的磁盘不支持文件锁（{system_reason(exc)}），为免多人同时写入丢失记录，未作任何修改。"
                "请把数据目录放在本机磁盘上。"
            ) from None

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _open_folder(folder: Path) -> int:
        try:
            return os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        except OSError:
            return -1

    def _lock_folder(fd: int) -> bool | None:
        """Lock the data folder itself: True, False while another writer has it, None where its
        file system cannot lock a folder (NFS, for one: the lock file alone serves there)."""
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        except OSError:
            return None

    def _write_holder(fd: int, who: str) -> None:
        info = f"{who or '未知'} 进程 {os.getpid()} 自 {time.strftime('%Y-%m-%d %H:%M:%S')}"
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, info.encode("utf-8"), 0)


def _open_lock(data: DataDir, path: Path) -> int:
    """Open (or create) the lock file, never following a symlink or opening a FIFO or device.

    A lock file another account created and we may not write is opened read-only: the
    lock works the same, only the holder's name is not written.
    """
    flags = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | flags, 0o666)
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise WriteError(_not_a_lock(data, "符号链接")) from None
        if isinstance(exc, IsADirectoryError):
            raise WriteError(_not_a_lock(data, "文件夹")) from None
        try:
            if not isinstance(exc, PermissionError):
                raise exc
            fd = os.open(path, os.O_RDONLY | flags)
        except OSError:
            raise WriteError(write_failure(data.path, exc)) from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise WriteError(_not_a_lock(data, kind_of(info.st_mode)))
    if not os.access(data.path, os.W_OK):  # say so now, naming the folder, not a file inside it
        os.close(fd)
        raise WriteError(write_failure(data.path, PermissionError(errno.EACCES, "Permission denied")))
    modes = folder_modes(data.path)
    if modes and stat.S_IMODE(info.st_mode) != modes[0] and info.st_uid == getattr(os, "getuid", lambda: -1)():
        with contextlib.suppress(OSError):
            os.fchmod(fd, modes[0])  # one we created: open to whom the folder is open
    return fd


def _not_a_lock(data: DataDir, kind: str) -> str:
    return (
        f"数据目录 {data.path} 中的锁文件 {LOCK_FILE} 是{kind}，不是普通文件；为免改动别处的文件，未作任何修改。"
        "请在确认没有人正在写入（其他同事的记录、修改都已完成）之后，把它移走，再重试。"
    )


def _read_holder(path: Path) -> str:
    try:
        info = read_regular(path).decode("utf-8", errors="replace").strip()
    except OSError:
        return ""
    return f"（占用者：{info}）" if info else ""


WINDOWS_BUSY = (5, 32)  # ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION: antivirus or a sync client has it open


def folder_modes(folder: Path) -> tuple[int, int] | None:
    """Permissions for a new file and a new folder in ``folder``: what ``folder`` itself allows.

    Independent of the umask: in a folder of mode 2775 (group-writable, setgid) new files
    are 0664 and new folders 2775, so every account of the group can write them; in a
    0700 folder they stay private (0600, 0700). None on Windows (ACLs are inherited).
    """
    if os.name == "nt":  # pragma: no cover
        return None
    try:
        folder_mode = stat.S_IMODE(os.stat(folder).st_mode)
    except OSError:
        return None
    return (folder_mode & 0o666) | 0o600, (folder_mode & 0o2777) | 0o700


def write_failure(where: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"磁盘空间不足，无法写入 {where}。数据未作任何修改，请清理磁盘后重试。"
    if getattr(exc, "winerror", None) in WINDOWS_BUSY:
        return (
            f"{where} 正被其他程序（如杀毒软件、同步盘、WPS）占用，等待数秒后仍无法写入。数据未作任何修改，请稍后再试。"
        )
    if isinstance(exc, NotRegularFile):
        return f"{where} {system_reason(exc)}，不能写入。数据未作任何修改，请把它移走或改名后重试。"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有写入 {where} 的权限（只读目录或权限不足）。数据未作任何修改。"
    return f"写入 {where} 失败（{system_reason(exc)}）。数据未作任何修改。"
