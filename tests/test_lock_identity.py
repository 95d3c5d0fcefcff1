"""Issue 27 §1: the lock holds even when its file is deleted or replaced while writers run.

A clerk may delete `.anmin.lock` (an older message called that harmless) and a sync client
may replace it with a new file. Where the data folder itself can be locked (a local disk),
the writer holds that lock too, and a colleague keeps waiting whatever becomes of the lock
file. Where it cannot (a network folder, imitated here by making ``flock`` refuse folders
as NFS does), a writer whose lock file went must notice before it replaces a file, give up
and run again.
"""

import contextlib
import os
import random
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

from anmin_track import store
from conftest import snapshot
from test_hardening import _stopped_in_fsync
from test_safety import notes_on_disk, update_args

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc to name the fsynced file")

#: Run before anmin in a child process: ``flock`` on a folder fails as it does on an NFS mount
#: (EBADF), so only the lock file can be locked.
NO_FOLDER_LOCKS = """
import errno, fcntl, os, stat
_real_flock = fcntl.flock
def _flock(fd, op):
    if stat.S_ISDIR(os.fstat(fd).st_mode):
        raise OSError(errno.EBADF, "Bad file descriptor")
    return _real_flock(fd, op)
fcntl.flock = _flock
"""


def _anmin_without_folder_locks(*args: str, timeout_s: str) -> subprocess.CompletedProcess:
    script = (
        NO_FOLDER_LOCKS + "import sys\nfrom anmin_track.cli import main\nsys.argv = ['anmin', *sys.argv[1:]]\nmain()\n"
    )
    env = {**os.environ, "ANMIN_LOCK_TIMEOUT": timeout_s}
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env, timeout=60)


def _delete(lock: Path, n: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        lock.unlink()


def _replace(lock: Path, n: int) -> None:
    fresh = lock.with_name(f".sync-{n}.part")  # how a sync client swaps in its copy
    fresh.write_bytes(b"")
    os.replace(fresh, lock)


SWAPS = {"deleted": _delete, "replaced": _replace}


def _journal_summaries(data_dir: Path) -> list[str]:
    log = [e for e in store.history(store.DataDir(data_dir)) if isinstance(e, store.JournalEntry)]
    return [e.summary.split(" 进度")[0] for e in log]


@linux_only
@pytest.mark.slow  # a paused writer and a waiting one (about 4 s each)
@pytest.mark.parametrize("swap", list(SWAPS))
def test_a_colleague_waits_for_a_writer_whose_lock_file_went(anmin, data_dir, tmp_path, swap):
    """A writer stopped between reading the month and replacing it; meanwhile its lock file is
    deleted or replaced. The data folder is still locked: the colleague waits, and both records stay."""
    assert anmin(*update_args("1.1", 10, "最初")).returncode == 0
    slow, _ = _stopped_in_fsync(tmp_path, *update_args("1.1", 30, "慢的一条"), seconds=3)
    SWAPS[swap](data_dir / store.LOCK_FILE, 0)
    started = time.monotonic()
    quick = anmin(*update_args("2.3", 20, "快的一条"), env={"ANMIN_LOCK_TIMEOUT": "30"})
    waited = time.monotonic() - started
    out, err = slow.communicate(timeout=60)
    assert slow.returncode == 0 and out.startswith("已记录 1.1"), err
    assert quick.returncode == 0, quick.stderr
    assert waited >= 1.5, f"the colleague did not wait for the writer ({waited:.2f} s)"
    assert sorted(notes_on_disk(data_dir)) == sorted(["最初", "慢的一条", "快的一条"])
    assert _journal_summaries(data_dir) == ["记录 2.3", "记录 1.1", "记录 1.1"]  # newest first: the colleague came last
    check = anmin("check")
    assert check.returncode == 0 and "共 3 条进展记录" in check.stdout, check.stdout


@linux_only
@pytest.mark.slow  # two real writers and a paused one (about 4 s each)
@pytest.mark.parametrize("swap", list(SWAPS))
def test_where_folders_cannot_be_locked_a_writer_whose_lock_file_went_runs_again(anmin, data_dir, tmp_path, swap):
    """The same on a folder that cannot be locked: the colleague takes the new lock file at once,
    and the paused writer finds out before it replaces anything and runs again. Both records stay."""
    assert anmin(*update_args("1.1", 10, "最初")).returncode == 0
    args = update_args("1.1", 30, "慢的一条")
    slow, _ = _stopped_in_fsync(tmp_path, *args, seconds=3, prelude=NO_FOLDER_LOCKS)
    SWAPS[swap](data_dir / store.LOCK_FILE, 0)
    quick = _anmin_without_folder_locks(*update_args("2.3", 20, "快的一条"), timeout_s="2")
    assert quick.returncode == 0, quick.stderr  # the new lock file is free: the colleague is not kept waiting
    out, err = slow.communicate(timeout=60)
    assert slow.returncode == 0, err
    assert out.startswith("已记录 1.1")
    assert sorted(notes_on_disk(data_dir)) == sorted(["最初", "慢的一条", "快的一条"])
    check = anmin("check")
    assert check.returncode == 0 and "共 3 条进展记录" in check.stdout, check.stdout
    assert _journal_summaries(data_dir) == [
        "记录 1.1",
        "记录 2.3",
        "记录 1.1",
    ]  # newest first: the given-up try left none
    for _ in range(3):  # and each undoes cleanly, newest first
        assert anmin("undo", "--yes").returncode == 0
    assert notes_on_disk(data_dir) == []


def test_the_message_about_a_strange_lock_file_does_not_invite_deleting_it(anmin, data_dir):
    (data_dir / store.LOCK_FILE).mkdir()
    before = snapshot(data_dir)
    result = anmin(*update_args("1.1", 30, "锁是文件夹"))
    assert result.returncode == 1 and store.LOCK_FILE in result.stderr
    assert "删除无害" not in result.stderr and "确认没有人正在写入" in result.stderr
    assert snapshot(data_dir) == before


@pytest.mark.slow
def test_writers_keep_every_confirmed_record_while_the_lock_file_is_deleted_and_replaced(anmin, data_dir):
    workers, each = 4, 12
    confirmed: list[str] = []
    failures: list[str] = []
    stop = threading.Event()
    swaps = {"n": 0}

    def vandal() -> None:
        rng = random.Random(27)
        lock = data_dir / store.LOCK_FILE
        while not stop.is_set():
            SWAPS["deleted" if rng.random() < 0.5 else "replaced"](lock, swaps["n"])
            swaps["n"] += 1
            time.sleep(rng.uniform(0.02, 0.3))

    def worker(n: int) -> None:
        for i in range(each):
            note = f"w{n}-u{i}"
            result = anmin(*update_args(("1.1", "2.3", "3.1")[n % 3], i * 5, note), env={"ANMIN_LOCK_TIMEOUT": "60"})
            if result.returncode == 0:
                confirmed.append(note)
            else:
                failures.append(result.stderr)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    chaos = threading.Thread(target=vandal)
    chaos.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    chaos.join()

    notes = notes_on_disk(data_dir)
    missing = set(confirmed) - set(notes)
    assert not missing, f"confirmed but lost: {sorted(missing)}"
    assert len(notes) == len(set(notes)), "a record written twice"
    assert set(notes) <= set(confirmed)  # nothing written that was reported as failed
    assert failures == []  # each ran again until it held the lock file that is there
    check = anmin("check")
    assert check.returncode == 0 and f"共 {len(notes)} 条进展记录" in check.stdout, check.stdout
    for path in (data_dir / "progress").glob("*.toml"):
        tomllib.loads(path.read_text(encoding="utf-8"))
    print(f"\n{len(confirmed)}/{workers * each} confirmed, all present; lock file swapped {swaps['n']} times")
