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
from datetime import datetime
from pathlib import Path

from anmin_track.errors import InputError, WriteError
from anmin_track.store.folder import LOCK_FILE, DataDir, require_writable

LOCK_TIMEOUT_ENV = "ANMIN_LOCK_TIMEOUT"


def lock_timeout() -> float:
    """Seconds a writer waits for the lock: ``$ANMIN_LOCK_TIMEOUT`` if a finite number ≥ 0, else 10."""
    try:
        value = float(os.environ.get(LOCK_TIMEOUT_ENV, "10"))
    except ValueError:
        return 10.0
    return value if 0 <= value < float("inf") else 10.0


@contextlib.contextmanager
def locked(data: DataDir, who: str = "", timeout: float | None = None) -> Iterator[None]:
    """Hold the data folder's exclusive lock (a separate lock file) while writing.

    Waiters queue by polling; after ``timeout`` seconds they give up with a message
    naming the holder, read from the lock file.
    """
    require_writable(data)
    timeout = lock_timeout() if timeout is None else timeout
    path = data.path / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise WriteError(write_failure(data.path, exc)) from None
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = _read_holder(path)
                raise WriteError(
                    f"数据正被其他人写入{holder},等待 {timeout:g} 秒后仍未释放,未作任何修改。"
                    "请稍后再试;如该进程已卡住,结束它即可释放(锁随进程结束自动释放)。"
                )
            time.sleep(0.02)
        _write_holder(fd, who)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


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
                f"数据目录所在的磁盘不支持文件锁({exc.strerror}),为免多人同时写入丢失记录,未作任何修改。"
                "请把数据目录放在本机磁盘上。"
            ) from None

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _write_holder(fd: int, who: str) -> None:
        info = f"{who or '未知'} 进程 {os.getpid()} 自 {datetime.now().astimezone():%Y-%m-%d %H:%M:%S}"
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, info.encode("utf-8"), 0)


def _read_holder(path: Path) -> str:
    try:
        info = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return f"(占用者:{info})" if info else ""


def atomic_write(path: Path, content: bytes, stamp_ns: int | None = None) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, never a part.

    Temp file in the same folder, write + fsync, ``os.replace``, then fsync the folder.
    The new file keeps the old one's permissions (new files follow the umask), so a
    folder shared by several staff accounts stays readable by all of them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    try:
        write_new(tmp, content, _kept_mode(path))
        if stamp_ns is not None:  # set before the rename, so the file never shows another time
            os.utime(tmp, ns=(stamp_ns, stamp_ns))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def _kept_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


def write_new(path: Path, content: bytes, mode: int | None = None) -> None:
    """Create ``path`` (it must not exist), write all of ``content`` and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
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
        return f"磁盘空间不足,无法写入 {where}。数据未作任何修改,请清理磁盘后重试。"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有写入 {where} 的权限(只读目录或权限不足)。数据未作任何修改。"
    return f"写入 {where} 失败({exc.strerror or exc})。数据未作任何修改。"


def write_output(data: DataDir, path: Path, content: bytes) -> Path:
    """Write a file the user asked for (a report, a ledger), atomically; returns its full path.

    Never inside the data folder, where it could replace a data file behind the journal's
    back, and never into a folder that does not exist (a typo should not create folders).
    """
    target = path.expanduser().resolve()
    if target.is_relative_to(data.path.resolve()):
        raise InputError(f"输出文件 {path} 在数据目录 {data.path} 中,会覆盖或混入数据文件。请换一个位置。")
    if not target.parent.is_dir():
        problem = "是一个文件,不是文件夹" if target.parent.exists() else "不存在"
        raise InputError(f"{path.parent} {problem},无法在其中写入 {path.name}。请换一个位置。")
    try:
        atomic_write(target, content)
    except OSError as exc:
        raise WriteError(
            f"无法写入 {path}({exc.strerror or exc})。请检查文件是否正被 Excel/WPS 打开,或换一个位置。"
        ) from None
    return target


def read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WriteError(f"无法读取 {path}({exc.strerror}),未作任何修改。") from None


def remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


_TEMP_FILE = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")  # what ``atomic_write`` leaves if killed


def sweep_temp_files(folder: Path) -> None:
    """Remove temp files of writers killed mid-write; runs under the lock, so none is in use."""
    with contextlib.suppress(OSError):
        for e in os.scandir(folder):
            if _TEMP_FILE.match(e.name) and e.is_file():
                os.unlink(e.path)
