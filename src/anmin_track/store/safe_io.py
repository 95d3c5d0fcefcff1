"""Writing without ever leaving half a file: atomic writes, fsync, output files (the lock is ``store.lock``)."""

from __future__ import annotations

import contextlib
import os
import re
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from anmin_track.errors import AnminError, InputError, WriteError, system_reason
from anmin_track.store.folder import DataDir, is_program_path, kind_of, read_regular
from anmin_track.store.lock import WINDOWS_BUSY, folder_modes, locked, require_lock, write_failure


class Replaced(OSError):
    """``atomic_write`` replaced the file, then could not sync its folder: the new content is in place
    (only its surviving a power cut is not confirmed)."""


def atomic_write(
    path: Path, content: bytes, stamp_ns: int | None = None, *, data_file: bool = True, durable: bool = True
) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, never a part.

    Temp file in the same folder, write + fsync, ``os.replace``, then fsync the folder
    (a failure of that last step raises ``Replaced``: the file is the new one all the same).
    Not ``durable``: no fsync at all, for a derived copy that checks itself when read (after a
    power cut it may be empty or old: then it is not used).
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
        write_new(tmp, content, mode, inherit=data_file, sync=durable)
        if data_file:
            require_lock()
        if stamp_ns is not None:  # set before the rename, so the file never shows another time
            os.utime(tmp, ns=(stamp_ns, stamp_ns))
        replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    if not durable:
        return
    try:
        fsync_dir(path.parent)
    except OSError as exc:
        raise Replaced(exc.errno, exc.strerror, str(path.parent)) from None


def _kept_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


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


def write_new(path: Path, content: bytes, mode: int | None = None, *, inherit: bool = True, sync: bool = True) -> None:
    """Create ``path`` (it must not exist), write all of ``content`` and fsync it (unless not ``sync``).

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
        if sync:
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
    """The full path ``write_output`` would write, after its checks (usage or write errors).

    Its folder is resolved, its name is not: a symbolic link planted under the name asked for (in a
    shared or world-writable folder) is refused, never followed to the file it points at.
    """
    given = path.expanduser().absolute()
    target = given.parent.resolve() / given.name
    if template is not None and _same_file(target, template):
        raise InputError(
            f"输出文件 {path} 就是模板文件 {template}，写入会覆盖模板。未写入任何文件，请另指定输出文件。",
            options=("output",),
        )
    home = data.whole.path.resolve()
    if target.is_relative_to(home) and is_program_path(target.relative_to(home)):
        raise InputError(
            f"输出文件 {path} 是数据目录 {data.path} 中程序自己的文件或文件夹，写入会覆盖或混入数据文件。"
            "请换一个位置（数据目录中另建的文件夹，如“月报”，也可以）。"
        )
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
        info = os.lstat(target)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise WriteError(f"无法使用输出文件 {path}（{system_reason(exc)}）。请换一个文件名。") from None
    if stat.S_ISLNK(info.st_mode):
        raise WriteError(
            f"输出文件 {path} 是符号链接（快捷方式），可能指向别人的文件，未写入。请换一个文件名，或先删除这个链接。"
        )
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


def save_derived(data: DataDir, path: Path, content: bytes, who: str, *, durable: bool = True) -> bool:
    """Save a derived file of the data folder (a cache, a parsed copy) quietly: under the lock when nobody
    holds it, never through a symlink; whether it was saved (not when the folder is read-only, a writer
    holds the lock, or the write failed: the next reader simply makes it again)."""
    with contextlib.suppress(AnminError, OSError), locked(data, who, timeout=0):
        write_derived(data, path, content, durable=durable)
        return True
    return False


def write_derived(data: DataDir, path: Path, content: bytes, *, durable: bool = True) -> None:
    """Write a derived file; the caller holds the lock. Never through a symlink, and what a killed writer of
    derived files left beside it (temp files nobody holds) is swept first, as journaled writes sweep theirs."""
    require_own_path(data, path)
    sweep_temp_files(path.parent)
    atomic_write(path, content, durable=durable)


def remove_derived(data: DataDir, path: Path, who: str) -> bool:
    """Remove a derived file as ``save_derived`` saves one; whether it is gone."""
    with contextlib.suppress(AnminError, OSError), locked(data, who, timeout=0):
        require_own_path(data, path)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return True
    return False


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
    import fcntl

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
