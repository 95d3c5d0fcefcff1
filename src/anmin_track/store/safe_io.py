"""Writing without ever leaving half a file: the lock, atomic writes, fsync, output files."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from anmin_track.errors import InputError, WriteError, system_reason
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
    """The lock file was deleted or replaced while this process held it: another writer may
    hold the one at the lock path now. Raised before a file is replaced; the write is given
    up (what it had replaced put back) and run again under the lock as it is (``writes.retried``)."""

    def __init__(self) -> None:
        super().__init__(
            f"写入期间锁文件 {LOCK_FILE} 被删除或替换（可能是同步盘或手工操作），为免与其他人的写入互相覆盖，"
            "这次写入已放弃，未作任何修改。请重试。"
        )


#: The lock this process holds (file descriptor, path), innermost last: what ``require_lock`` checks.
_HELD: list[tuple[int, Path]] = []
#: Set while a failed write puts back what it replaced: that must happen even when the lock was lost.
_UNCHECKED: list[bool] = []


@contextlib.contextmanager
def locked(data: DataDir, who: str = "", timeout: float | None = None) -> Iterator[None]:
    """Hold the data folder's exclusive lock (a separate lock file) while writing.

    Waiters queue by polling; after ``timeout`` seconds they give up with a message
    naming the holder, read from the lock file. A lock is only a lock while its file is
    the one at the lock path: when the file locked was deleted or replaced meanwhile (a
    clerk, a sync client), the one there now is opened and locked instead; and before each
    file is replaced under the lock it is checked again (``require_lock``).
    """
    require_writable(data)
    timeout = lock_timeout() if timeout is None else timeout
    path = data.path / LOCK_FILE
    deadline = time.monotonic() + timeout
    fd = _open_lock(data, path)
    try:
        while True:
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    holder = _read_holder(path)
                    raise WriteError(
                        f"数据正被其他人写入{holder}，等待 {timeout:g} 秒后仍未释放，未作任何修改。"
                        "请稍后再试；如该进程已卡住，结束它即可释放（锁随进程结束自动释放）。"
                    )
                time.sleep(0.02)
            if _is_at(fd, path):
                break
            _unlock(fd)  # the file we locked is no longer the lock file: queue on the one there now
            os.close(fd)
            fd = -1
            fd = _open_lock(data, path)
        _write_holder(fd, who)
        held = time.perf_counter()
        _HELD.append((fd, path))
        try:
            yield
        finally:
            _HELD.pop()
            _unlock(fd)
            _trace(who, time.perf_counter() - held)
    finally:
        if fd >= 0:
            os.close(fd)


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
    """Whether the lock this process holds is no longer the lock file (then a failure may be another
    writer's doing, such as its sweep of what it took for a dead writer's temp files)."""
    return bool(_HELD) and not _UNCHECKED and not _is_at(*_HELD[-1])


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


class Replaced(OSError):
    """``atomic_write`` replaced the file, then could not sync its folder: the new content is in place
    (only its surviving a power cut is not confirmed)."""


def atomic_write(path: Path, content: bytes, stamp_ns: int | None = None, *, data_file: bool = True) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, never a part.

    Temp file in the same folder, write + fsync, ``os.replace``, then fsync the folder
    (a failure of that last step raises ``Replaced``: the file is the new one all the same).
    The new file keeps the old one's permissions; a data file also gets whatever its
    folder allows the folder's group (see ``folder_modes``), whatever the umask, so a
    folder shared by several staff accounts stays readable and writable by all of them.
    An output file (``data_file=False``) is new with the umask's permissions.
    """
    if not path.parent.is_dir():
        make_dir(path.parent)
    mode = _kept_mode(path)
    modes = folder_modes(path.parent) if data_file else None
    if modes:
        mode = modes[0] if mode is None else mode | (modes[0] & 0o060)
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    try:
        write_new(tmp, content, mode, inherit=data_file)
        if data_file:
            require_lock()
        if stamp_ns is not None:  # set before the rename, so the file never shows another time
            os.utime(tmp, ns=(stamp_ns, stamp_ns))
        replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        raise Replaced(exc.errno, exc.strerror, str(path.parent)) from None


def _kept_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


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


def make_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) with the permissions its parent allows (``folder_modes``)."""
    if not path.parent.is_dir():
        make_dir(path.parent)
    try:
        os.mkdir(path)
    except FileExistsError:
        if path.is_dir():
            return
        raise
    modes = folder_modes(path.parent)
    if modes:
        with contextlib.suppress(OSError):
            os.chmod(path, modes[1])


WINDOWS_BUSY = (5, 32)  # ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION: antivirus or a sync client has it open


def replace(src: Path, dst: Path) -> None:
    """``os.replace``, retried for a few seconds while Windows says another program holds ``dst`` open."""
    for delay in (0.05, 0.1, 0.2, 0.4, 0.8, 1.5):
        try:
            os.replace(src, dst)
            return
        except PermissionError as exc:
            if getattr(exc, "winerror", None) not in WINDOWS_BUSY:
                raise
            time.sleep(delay)
    os.replace(src, dst)


def write_new(path: Path, content: bytes, mode: int | None = None, *, inherit: bool = True) -> None:
    """Create ``path`` (it must not exist), write all of ``content`` and fsync it.

    ``mode`` None: what the folder allows (``folder_modes``), or the umask's if not
    ``inherit``. While it is written the file is locked, so ``sweep_stale_temps`` can
    tell a live writer's temp file from one a killed writer left.
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        _hold(fd)
        if mode is None and inherit:
            modes = folder_modes(path.parent)
            mode = modes[0] if modes else None
        if mode is not None:
            os.chmod(path, mode)
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_failure(where: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"磁盘空间不足，无法写入 {where}。数据未作任何修改，请清理磁盘后重试。"
    if getattr(exc, "winerror", None) in WINDOWS_BUSY:
        return f"{where} 正被其他程序（如杀毒软件、同步盘、WPS）占用，等待数秒后仍无法写入。数据未作任何修改，请稍后再试。"
    if isinstance(exc, NotRegularFile):
        return f"{where} {system_reason(exc)}，不能写入。数据未作任何修改，请把它移走或改名后重试。"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有写入 {where} 的权限（只读目录或权限不足）。数据未作任何修改。"
    return f"写入 {where} 失败（{system_reason(exc)}）。数据未作任何修改。"


def write_output(data: DataDir, path: Path, content: bytes, template: Path | None = None) -> Path:
    """Write a file the user asked for (a report, a ledger), atomically; returns its full path.

    Never inside the data folder, where it could replace a data file behind the journal's
    back, and never into a folder that does not exist (a typo should not create folders).
    Only a regular file we may write is replaced: a folder, FIFO or device (``/dev/null``)
    or a read-only file is refused, not swapped for a new file; nor the ``template`` it was made from.
    """
    target = output_target(data, path, template)
    sweep_stale_temps(target)
    try:
        atomic_write(target, content, data_file=False)
    except Replaced:
        pass  # the file is written
    except OSError as exc:
        raise WriteError(
            f"无法写入 {path}（{system_reason(exc)}）。请检查文件是否正被 Excel/WPS 打开，或换一个位置。"
        ) from None
    return target


def output_target(data: DataDir, path: Path, template: Path | None = None) -> Path:
    """The full path ``write_output`` would write, after its checks (usage or write errors)."""
    target = path.expanduser().resolve()
    if template is not None and _same_file(target, template):
        raise InputError(
            f"输出文件 {path} 就是模板文件 {template}，写入会覆盖模板。未写入任何文件，请另指定输出文件。",
            options=("output",),
        )
    if target.is_relative_to(data.path.resolve()):
        raise InputError(f"输出文件 {path} 在数据目录 {data.path} 中，会覆盖或混入数据文件。请换一个位置。")
    if not target.parent.is_dir():
        problem = "是一个文件，不是文件夹" if target.parent.exists() else "不存在"
        raise InputError(f"{path.parent} {problem}，无法在其中写入 {path.name}。请换一个位置。")
    if not os.access(target.parent, os.W_OK):
        raise WriteError(f"没有在 {path.parent} 中写入文件的权限，未写入 {path.name}。请换一个位置。")
    _require_replaceable(path, target)
    return target


def _same_file(target: Path, other: Path) -> bool:
    """Whether ``target`` names ``other``: the same path once resolved, or the same file by another name (a hard link)."""
    if target == other.expanduser().resolve():
        return True
    try:
        return os.path.samefile(target, other)
    except (OSError, ValueError):
        return False


def _require_replaceable(path: Path, target: Path) -> None:
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WriteError(f"无法使用输出文件 {path}（{system_reason(exc)}）。请换一个文件名。") from None
    if not stat.S_ISREG(info.st_mode):
        raise WriteError(f"输出文件 {path} 是{kind_of(info.st_mode)}，不是普通文件，未写入。请换一个文件名。")
    if not info.st_mode & stat.S_IWUSR or not os.access(target, os.W_OK):
        raise WriteError(f"输出文件 {path} 是只读文件，未覆盖。请换一个文件名，或先取消它的只读属性。")


def require_own_path(data: DataDir, path: Path, *, folder: bool = False) -> None:
    """Refuse to write ``path`` unless it is what it seems: no symlink on the way from the
    data folder to it, each folder on the way a folder, and ``path`` (if it exists) a
    regular file (or a folder, with ``folder``).

    In a folder several accounts share, one could otherwise point ``goals.toml`` or
    ``.history`` at another's files and have the next writer replace or delete them.
    The data folder itself may be a symlink (the staff's own choice).
    """
    rel = path.relative_to(data.path)
    current = data.path
    for n, part in enumerate(rel.parts):
        current = current / part
        try:
            mode = os.lstat(current).st_mode
        except FileNotFoundError:
            return
        except OSError as exc:
            raise WriteError(write_failure(Path(data.label(current)), exc)) from None
        last = n == len(rel.parts) - 1
        want_folder = folder or not last
        if stat.S_ISLNK(mode):
            raise WriteError(
                f"{data.label(current)} 是符号链接（快捷方式），为免改动数据目录以外的文件，未作任何修改。"
                f"请换成真正的{'文件夹' if want_folder else '文件'}后重试。"
            )
        if not (stat.S_ISDIR(mode) if want_folder else stat.S_ISREG(mode)):
            raise WriteError(
                f"{data.label(current)} 应是{'文件夹' if want_folder else '普通文件'}，实际是{kind_of(mode)}。"
                "未作任何修改，请把它移走或改名后重试。"
            )


def read_or_none(path: Path) -> bytes | None:
    try:
        return read_regular(path)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WriteError(f"无法读取 {path}（{system_reason(exc)}），未作任何修改。") from None


def remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


_TEMP_FILE = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")  # what ``atomic_write`` leaves if killed


def sweep_temp_files(folder: Path) -> None:
    """Remove temp files of writers killed mid-write; runs under the lock. One a live writer
    holds is left: a writer whose lock file was deleted under it may still be writing it
    (it gives up before its replace: ``require_lock``)."""
    with contextlib.suppress(OSError):
        for e in os.scandir(folder):
            if _TEMP_FILE.match(e.name) and e.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    if _unheld(Path(e.path)):
                        os.unlink(e.path)


STALE_AFTER = 1.0 if os.name != "nt" else 60.0  # seconds; a live writer holds its temp file locked


def sweep_stale_temps(target: Path) -> None:
    """Remove temp files a killed writer left beside ``target`` (an output file, written outside the lock).

    A live writer holds a lock on its temp file from its first moment (``write_new``), so
    only files nobody holds, and not just created, are removed; on Windows an open file
    cannot be deleted at all.
    """
    prefix = f".{target.name}."
    now = time.time()
    with contextlib.suppress(OSError):
        for e in os.scandir(target.parent):
            if not (e.name.startswith(prefix) and _TEMP_FILE.match(e.name)):
                continue
            with contextlib.suppress(OSError):
                info = e.stat(follow_symlinks=False)
                if stat.S_ISREG(info.st_mode) and now - info.st_mtime >= STALE_AFTER and _unheld(Path(e.path)):
                    os.unlink(e.path)


if sys.platform == "win32":  # pragma: no cover

    def _hold(fd: int) -> None:
        pass  # an open file cannot be deleted on Windows

    def _unheld(path: Path) -> bool:
        return True

else:

    def _hold(fd: int) -> None:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unheld(path: Path) -> bool:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)  # closing releases the lock


@contextlib.contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold back Ctrl-C while a change is written, so it is either not begun or whole and marked done.

    The interrupt is raised (``KeyboardInterrupt``) once the block has ended.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught and previous is not signal.SIG_IGN:
        raise KeyboardInterrupt
