"""Never lose a record: concurrent writers, kill -9, full disks and read-only folders.

These run the installed `anmin` as real processes. The slow ones are marked but run by
default (and in CI); `pytest -m "not slow"` skips them while developing.
"""

import os
import random
import shutil
import subprocess
import sys
import threading
import time
import tomllib
from pathlib import Path

import pytest

from anmin_track import store
from anmin_track.store import index
from conftest import ANMIN, snapshot

TASKS = ("1.1", "2.3", "3.1")  # projects: each record has a progress
INDEX = "progress/index.toml"


def notes_on_disk(data_dir: Path) -> list[str]:
    """Every record's note in every month file (parsed with tomllib, independent of our code)."""
    found = []
    for path in sorted((data_dir / "progress").glob("????-??.toml")):
        found += [r.get("note", "") for r in tomllib.loads(path.read_text(encoding="utf-8")).get("records", [])]
    return found


def all_files_parse(data_dir: Path) -> None:
    for path in data_dir.rglob("*.toml"):
        tomllib.loads(path.read_text(encoding="utf-8"))


def update_args(task: str, progress: int, note: str, day: str = "2024-05-20") -> list[str]:
    return ["goals", "update", task, "--progress", str(progress), "--date", day, "--note", note]


@pytest.mark.slow
def test_concurrent_writers_queue_and_keep_every_record(anmin, data_dir):
    workers, each = 8, 25
    failures: list[str] = []
    reads = {"ok": 0}
    stop = threading.Event()

    def worker(n: int) -> None:
        for i in range(each):
            # workers 0, 3, 6 share task 1.1, and so on: same and different tasks at once
            result = anmin(*update_args(TASKS[n % 3], i * 4, f"w{n}-u{i}"), env={"ANMIN_USER": f"员工{n}"})
            if result.returncode != 0:
                failures.append(result.stderr)

    def reader() -> None:
        """Readers take no lock: every file they open must be a whole one."""
        while not stop.is_set():
            for path in list((data_dir / "progress").glob("*.toml")):
                try:
                    tomllib.loads(path.read_text(encoding="utf-8"))
                    reads["ok"] += 1
                except FileNotFoundError:
                    pass

    watcher = threading.Thread(target=reader)
    watcher.start()
    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    watcher.join()

    assert failures == []
    notes = notes_on_disk(data_dir)
    expected = {f"w{n}-u{i}" for n in range(workers) for i in range(each)}
    assert len(notes) == workers * each and set(notes) == expected  # each present exactly once
    check = anmin("check")
    assert check.returncode == 0, check.stdout
    assert f"共 {workers * each} 条进展记录" in check.stdout
    assert len(store.history(store.DataDir(data_dir))) == min(workers * each, store.HISTORY_KEEP)
    print(f"\n{workers}×{each} concurrent updates: {len(notes)}/{workers * each} present; {reads['ok']} clean reads")


def _moments(data_dir: Path) -> dict:
    """When to kill a writer: at a random time, or the instant the file system shows it at a given step.

    The steps are seen from outside (no hooks in the code): the journal entry being built,
    the entry just committed, a data file's temp copy being written.
    """
    history, progress = data_dir / store.HISTORY_DIR, data_dir / store.PROGRESS_DIR

    def names(folder: Path) -> list[str]:
        try:
            return os.listdir(folder)
        except FileNotFoundError:
            return []

    return {
        "random": None,
        "building journal": lambda before: any(n.startswith(".new-") for n in names(history)),
        "journal committed": lambda before: len([n for n in names(history) if n.isdigit()]) > before,
        "writing data": lambda before: any(n.endswith(".tmp") for n in names(progress)),
    }


def _kill_at(proc: subprocess.Popen, moment, entries_before: int, rng: random.Random, span: float) -> bool:
    """Kill ``proc`` at ``moment``; True if it was killed rather than finishing first."""
    if moment is None:
        time.sleep(rng.uniform(span * 0.6, span * 1.15))  # the writing happens at the very end
    else:
        while proc.poll() is None and not moment(entries_before):
            pass
    proc.kill()
    return proc.wait() != 0


@pytest.mark.slow
def test_kill_9_at_random_moments_loses_nothing_that_was_confirmed(anmin, data_dir):
    """Kill a writer 50 times, at random moments and at each step of a write; then files parse,
    `anmin check` passes, every update that had exited 0 is there once, and undo still works."""
    rng = random.Random(int(os.environ.get("ANMIN_CRASH_SEED", "20240531")))
    start = snapshot(data_dir)
    moments = _moments(data_dir)
    span = 0.1  # how long an update takes here; re-measured on every trial (machines differ, load varies)
    confirmed: list[str] = []
    killed = dict.fromkeys(moments, 0)
    for trial in range(50):
        name = list(moments)[trial % len(moments)]
        note = f"crash-{trial}"
        entries_before = len(store.history(store.DataDir(data_dir)))
        proc = subprocess.Popen([str(ANMIN), *update_args(TASKS[trial % 3], trial, note)], stderr=subprocess.DEVNULL)
        if _kill_at(proc, moments[name], entries_before, rng, span):
            killed[name] += 1
        else:
            confirmed.append(note)
        all_files_parse(data_dir)
        started = time.monotonic()
        after = anmin(*update_args(TASKS[trial % 3], trial, f"after-{trial}"))  # the next command works
        span = time.monotonic() - started
        assert after.returncode == 0, after.stderr
        confirmed.append(f"after-{trial}")
        check = anmin("check")
        assert check.returncode == 0, check.stdout
        notes = notes_on_disk(data_dir)
        assert [n for n in confirmed if notes.count(n) != 1] == []
    print(f"\n50 crash trials, killed (by moment): {killed}; all recovered, {len(confirmed)} confirmed updates present")

    # The journal survived every crash: undoing everything gives back the very first files.
    d = store.DataDir(data_dir)
    while entries := store.history(d, limit=1):
        store.revert_entry(d, entries[0].id, store.Author("测试员"))
    assert {k: v for k, v in snapshot(data_dir).items() if not k.startswith(".history")} == start


@pytest.mark.slow
def test_kill_9_during_undo_then_undo_again(anmin, data_dir):
    """An undo killed at any moment leaves files that parse; running it again finishes the job."""
    rng = random.Random(7)
    moments = _moments(data_dir)
    assert anmin(*update_args("1.1", 10, "底稿")).returncode == 0
    finished = 0
    for trial in range(16):
        start = {k: v for k, v in snapshot(data_dir).items() if not k.startswith(".history")}
        assert anmin(*update_args(TASKS[trial % 3], 20 + trial, f"待撤销-{trial}", "2024-06-03")).returncode == 0
        entries_before = len(store.history(store.DataDir(data_dir)))
        proc = subprocess.Popen([str(ANMIN), "undo", "--yes"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not _kill_at(proc, moments["random" if trial % 2 else "writing data"], entries_before, rng, 0.12):
            finished += 1
        all_files_parse(data_dir)
        if (
            f"待撤销-{trial}" in notes_on_disk(data_dir)
            or len(store.history(store.DataDir(data_dir))) == entries_before
        ):
            again = anmin("undo", "--yes")
            assert again.returncode == 0, again.stderr
        # the data files as they were; the derived index matches them (its bytes may differ: see store.writes)
        assert {k: v for k, v in snapshot(data_dir).items() if not k.startswith((".history", INDEX))} == {
            k: v for k, v in start.items() if not k.startswith(INDEX)
        }
        data = store.DataDir(data_dir)
        kept = index.saved_index(data, index.file_stamps(data))
        assert kept is not None and kept.latest == store.rebuild_index(data, store.load_plan(data)).latest
        assert anmin("check").returncode == 0
    print(f"\n16 undo crash trials: {16 - finished} killed, all finished by running undo again")


# --------------------------------------------------------------------------- full disk, no permission


def _fail_with(code: int):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    return fail


@pytest.mark.parametrize("call", ["write", "fsync", "replace", "mkdir"])
@pytest.mark.parametrize(
    ("code", "words"), [(28, "磁盘空间不足"), (13, "没有写入"), (30, "没有写入")], ids=["ENOSPC", "EACCES", "EROFS"]
)
@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_write_errors_are_clear_and_change_nothing(cli, data_dir, code, words, call):
    assert cli(*update_args("1.1", 30, "第一次")).exit_code == 0
    before = snapshot(data_dir)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, call, _fail_with(code))  # the OS refusing the write at this system call
        result = cli(*update_args("1.1", 40, "第二次", "2024-05-21"))
    assert result.exit_code == 1 and result.stderr.startswith("错误：") and words in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(data_dir) == before
    assert cli("check").exit_code == 0 and cli("log").stdout.count("#") == 1


def test_rewritten_files_keep_their_permissions(cli, data_dir):
    """Several staff accounts sharing a folder must all still be able to read what one wrote."""
    assert cli(*update_args("1.1", 30, "第一次")).exit_code == 0
    month = data_dir / "progress" / "2024-05.toml"
    month.chmod(0o664)
    assert cli(*update_args("1.1", 40, "第二次")).exit_code == 0
    assert month.stat().st_mode & 0o777 == 0o664
    umask = os.umask(0)
    os.umask(umask)
    assert (data_dir / "progress" / "index.toml").stat().st_mode & 0o777 == 0o666 & ~umask


def test_undo_on_a_full_disk_can_be_run_again(cli, data_dir):
    assert cli(*update_args("1.1", 20, "之前")).exit_code == 0
    start = snapshot(data_dir)
    assert cli(*update_args("1.1", 30, "第一次")).exit_code == 0
    with pytest.MonkeyPatch.context() as patch:  # the undo must write the month file's old content back
        patch.setattr(os, "write", _fail_with(28))
        result = cli("undo", "--yes")
    assert (
        result.exit_code == 1
        and "磁盘空间不足" in result.stderr
        and "可再次撤销，请清理磁盘后重试：anmin undo" in result.stderr
    )
    assert cli("undo", "--yes").exit_code == 0
    derived = "progress/index.toml"  # matched to the restored files' new times
    assert {k: v for k, v in snapshot(data_dir).items() if k != derived} == {
        k: v for k, v in start.items() if k != derived
    }
    assert cli("check").exit_code == 0 and "修改" not in cli("check").stdout


def _run_read_only(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """Run `anmin` with ``data_dir`` really read-only: chmod, or (as root) a read-only bind mount."""
    env = {**os.environ, "COLUMNS": "120"}
    if os.geteuid() != 0:
        modes = {p: p.stat().st_mode for p in [data_dir, *data_dir.rglob("*")]}
        for p in modes:
            p.chmod(modes[p] & ~0o222)
        try:
            return subprocess.run([str(ANMIN), *args], capture_output=True, text=True, env=env)
        finally:
            for p, mode in modes.items():
                p.chmod(mode)
    mount = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"'
    command = ["unshare", "-rm", "sh", "-c", mount, "sh", str(data_dir), str(ANMIN), *args]
    if not shutil.which("unshare") or subprocess.run([*command[:5], "sh", str(data_dir), "true"]).returncode:
        pytest.skip("root without user namespaces: cannot make a really read-only folder here")
    return subprocess.run(command, capture_output=True, text=True, env=env)


@pytest.mark.parametrize("args", [update_args("1.1", 40, "只读目录中"), ["undo", "--yes"]], ids=["update", "undo"])
@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_read_only_data_folder(anmin, data_dir, args):
    assert anmin(*update_args("1.1", 30, "第一次")).returncode == 0
    before = snapshot(data_dir)
    result = _run_read_only(data_dir, *args)
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith("错误：") and "只读" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(data_dir) == before
    assert (
        _run_read_only(data_dir, "goals", "show", "1.1", "--as-of", "2024-05-31").returncode == 0
    )  # reading still works


@pytest.mark.slow  # 0.7 s on the 2-core CI host: the fast pass stays under 30 s
def test_lock_held_by_another_process_names_it(anmin, data_dir):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from anmin_track import store\n"
            "with store.locked(store.DataDir(Path(sys.argv[1])), '王五'):\n    print('locked', flush=True); time.sleep(30)",
            str(data_dir),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = snapshot(data_dir)
        result = anmin(*update_args("1.1", 30, "等待"), env={store.LOCK_TIMEOUT_ENV: "0.5"})
        assert result.returncode == 1 and "王五" in result.stderr and f"进程 {holder.pid}" in result.stderr
        assert snapshot(data_dir) == before
    finally:
        holder.kill()
        holder.wait()
    assert anmin(*update_args("1.1", 30, "锁已释放")).returncode == 0  # a dead holder's lock is free at once
