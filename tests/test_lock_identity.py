"""Issue 27 §1: the lock holds even when its file is deleted or replaced while writers run.

A clerk may delete `.anmin.lock` (an older message called that harmless) and a sync client
may replace it with a new file. A writer that locked the old file must then not go on as if
it held the lock: after the lock is granted, and again before each file is replaced, the
file it locked must still be the one at the lock path, else it gives up and runs again.
"""

import contextlib
import os
import random
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


def _delete(lock: Path, n: int) -> None:
    with contextlib.suppress(FileNotFoundError):
        lock.unlink()


def _replace(lock: Path, n: int) -> None:
    fresh = lock.with_name(f".sync-{n}.part")  # how a sync client swaps in its copy
    fresh.write_bytes(b"")
    os.replace(fresh, lock)


SWAPS = {"deleted": _delete, "replaced": _replace}


@linux_only
@pytest.mark.slow  # two real writers and a paused one (about 4 s each)
@pytest.mark.parametrize("swap", list(SWAPS))
def test_a_writer_whose_lock_file_went_runs_again_and_keeps_the_other_record(anmin, data_dir, tmp_path, swap):
    """A writer stopped between reading the month and replacing it; meanwhile its lock file is
    deleted or replaced and a colleague writes under the new one. Both records stay."""
    assert anmin(*update_args("1.1", 10, "最初")).returncode == 0
    slow, _ = _stopped_in_fsync(tmp_path, *update_args("1.1", 30, "慢的一条"), seconds=3)
    SWAPS[swap](data_dir / store.LOCK_FILE, 0)
    quick = anmin(*update_args("2.3", 20, "快的一条"), env={"ANMIN_LOCK_TIMEOUT": "2"})
    assert quick.returncode == 0, quick.stderr  # the new lock file is free: the colleague is not kept waiting
    out, err = slow.communicate(timeout=60)
    assert slow.returncode == 0, err
    assert out.startswith("已记录 1.1")
    notes = notes_on_disk(data_dir)
    assert sorted(notes) == sorted(["最初", "慢的一条", "快的一条"])
    check = anmin("check")
    assert check.returncode == 0 and "共 3 条进展记录" in check.stdout, check.stdout
    log = [e for e in store.history(store.DataDir(data_dir)) if isinstance(e, store.JournalEntry)]
    assert [e.summary.split(" 进度")[0] for e in log] == ["记录 1.1", "记录 2.3", "记录 1.1"]  # the given-up try left none
    for _ in log:  # and each undoes cleanly, newest first
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
