"""Hardening (issue 13, parts 1, 3, 5, 6): only our own regular files are written, shared
folders stay writable by every account, nothing leaves the tool raw or half-written, and
Ctrl-C says what happened.

Faults that live in the process (a kill, a Ctrl-C, another account) are made in real
`anmin` processes.
"""

import json
import os
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from anmin_track import store
from conftest import ANMIN, ctrl_c_reaches, snapshot

UPDATE = ("goals", "update", "1.1", "--progress", "30", "--date", "2024-05-20", "--note", "加固测试")
FAST_LOCK = {"ANMIN_LOCK_TIMEOUT": "1"}
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX file types and permissions")


def no_traceback(result) -> None:
    assert "程序内部错误" not in result.stderr and "Traceback" not in result.stderr, result.stderr


# --------------------------------------------------------------------------- 1. only regular files we own


@posix_only
def test_a_symlinked_lock_file_is_never_followed(anmin, data_dir, tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("别人的文件\n", encoding="utf-8")
    (data_dir / store.LOCK_FILE).symlink_to(victim)
    before = snapshot(data_dir)
    result = anmin(*UPDATE)
    assert result.returncode == 1 and "符号链接" in result.stderr and store.LOCK_FILE in result.stderr
    no_traceback(result)
    assert victim.read_text(encoding="utf-8") == "别人的文件\n"
    assert snapshot(data_dir) == before


def _make_fifo(path: Path) -> None:
    os.mkfifo(path)


def _make_folder(path: Path) -> None:
    path.mkdir()


def _make_file(path: Path) -> None:
    path.write_text("不是文件夹\n", encoding="utf-8")


# (what to replace, how) — every data path that a command opens, turned into the wrong kind of thing
WRONG_KINDS = [
    ("progress/2024-05.toml", _make_fifo),
    ("progress/2024-05.toml", _make_folder),
    ("progress/index.toml", _make_fifo),
    ("progress", _make_file),
    (".history", _make_file),
    (".history", _make_fifo),
    (store.LOCK_FILE, _make_fifo),
    (store.LOCK_FILE, _make_folder),
    ("goals.toml", _make_folder),
    ("goals.toml", _make_fifo),
]


@posix_only
@pytest.mark.parametrize(("name", "make"), WRONG_KINDS, ids=[f"{n}-{m.__name__[6:]}" for n, m in WRONG_KINDS])
@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_data_path_of_the_wrong_kind_fails_at_once_and_keeps_the_lock_free(anmin, data_dir, name, make):
    """A FIFO must not block a command (least of all while it holds the lock), nor anything crash."""
    target = data_dir / name
    if target.is_dir():
        import shutil

        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    make(target)
    before = snapshot(data_dir)
    started = time.monotonic()
    write = anmin(*UPDATE, env=FAST_LOCK, timeout=30)
    read = anmin("report", "monthly", "2024-05", timeout=30)
    assert time.monotonic() - started < 20
    for result in (write, read):
        no_traceback(result)
        assert result.returncode in (0, 1, 2)
    if name != "progress/index.toml":  # the index is derived: a wrong one is rebuilt, never read
        assert write.returncode == 1, write.stderr
        *hints, said = write.stderr.splitlines()  # a month path of the wrong kind is also pointed out (issue 28)
        assert said.startswith("错误：") and all(h.startswith("提示：") and name in h for h in hints)
    assert snapshot(data_dir) == before or name == "progress/index.toml"
    assert target.is_fifo() if make is _make_fifo else True  # never replaced by a regular file
    # and the lock is free: another writer is not kept waiting
    if name != store.LOCK_FILE:
        target.unlink() if not target.is_dir() else target.rmdir()
        if name == "progress":
            target.mkdir()
        if name == "goals.toml":
            target.write_bytes(store.bundled_plan_file().read_bytes())
        assert anmin(*UPDATE, env=FAST_LOCK, timeout=30).returncode == 0


@posix_only
@pytest.mark.parametrize("name", ["goals.toml", "progress", "progress/2024-05.toml", ".history"])
@pytest.mark.slow  # 0.8 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_symlink_inside_the_data_folder_is_read_but_never_written_through(anmin, data_dir, tmp_path, name):
    assert anmin(*UPDATE).returncode == 0  # creates the month file and .history
    real = data_dir / name
    elsewhere = tmp_path / "elsewhere" / Path(name).name
    elsewhere.parent.mkdir()
    real.rename(elsewhere)
    real.symlink_to(elsewhere, target_is_directory=elsewhere.is_dir())
    before = snapshot(tmp_path / "elsewhere")
    assert anmin("goals", "list").returncode == 0  # reading through it is harmless
    for args in (
        ("goals", "update", "1.1", "--progress", "40", "--date", "2024-05-21"),
        ("goals", "edit", "1.1", "--title", "新标题"),
        ("undo", "--yes"),
    ):
        result = anmin(*args)
        no_traceback(result)
        if result.returncode == 0:  # a write that does not touch the link
            continue
        assert result.returncode == 1 and "符号链接" in result.stderr, result.stderr
    assert snapshot(tmp_path / "elsewhere") == before
    assert real.is_symlink()


@posix_only
@pytest.mark.parametrize("kind", ["fifo", "folder", "device", "read-only"])
@pytest.mark.parametrize("command", ["report", "export"])
@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_output_only_replaces_a_regular_writable_file(anmin, data_dir, tmp_path, kind, command):
    target = tmp_path / "out" / "报告.txt"
    target.parent.mkdir()
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    elif kind == "device":
        if not IS_ROOT:
            pytest.skip("making a device node needs root")
        os.mknod(target, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # a /dev/null of our own
    else:
        target.write_text("旧内容\n", encoding="utf-8")
        target.chmod(0o444)
    before = os.lstat(target)
    args = ("report", "monthly", "2024-05", "-o", str(target)) if command == "report" else ("export", "-o", str(target))
    result = anmin(*args, timeout=30)
    no_traceback(result)
    assert result.returncode == 1 and result.stderr.startswith("错误：") and "报告.txt" in result.stderr
    after = os.lstat(target)
    assert stat.S_IFMT(after.st_mode) == stat.S_IFMT(before.st_mode) and after.st_ino == before.st_ino
    if kind == "read-only":
        assert target.read_text(encoding="utf-8") == "旧内容\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["报告.txt"]  # no temp file left either


# --------------------------------------------------------------------------- 3. shared folders


def _as_user(uid: int, gid: int, args: list[str], env: dict) -> subprocess.CompletedProcess:
    """Run `anmin ARGS` as another account with the usual umask 022 (root drops with setpriv)."""
    return subprocess.run(
        ["setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--", str(ANMIN), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env, "HOME": "/tmp"},
        preexec_fn=lambda: os.umask(0o022),
        timeout=60,
        cwd="/tmp",
    )


@pytest.mark.skipif(not IS_ROOT or not Path("/usr/bin/setpriv").exists(), reason="needs root and setpriv")
@pytest.mark.slow  # 1.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_shared_folder_stays_writable_by_every_account_of_the_group(tmp_path):
    group, alice, bob = 52000, 52001, 52002
    base = Path(tempfile.mkdtemp(prefix="anmin-shared-", dir="/tmp"))  # tmp_path is 0700: others cannot enter
    try:
        os.chown(base, 0, group)
        base.chmod(0o770)
        data = base / "data"
        env = {store.DATA_ENV: str(data), **FAST_LOCK}
        init = _as_user(alice, group, ["init", "--shared", str(data)], env)
        assert init.returncode == 0, init.stderr
        steps = [
            (alice, ["goals", "update", "1.1", "--progress", "10", "--date", "2024-05-02"]),
            (bob, ["goals", "update", "1.2", "--progress", "20", "--date", "2024-05-03"]),
            (bob, ["goals", "edit", "1.3", "--title", "改过的标题"]),
            (alice, ["undo", "--yes"]),  # alice removes bob's entry
            (bob, ["undo", "--yes"]),  # bob removes alice's... and bob's month-file change
            (alice, ["goals", "update", "2.1", "--progress", "5", "--date", "2024-06-01"]),
            (bob, ["export", "-o", str(base / "台账.csv")]),
        ]
        for uid, args in steps:
            result = _as_user(uid, group, [*args, "--by", str(uid)] if args[0] == "goals" else args, env)
            assert result.returncode == 0, (uid, args, result.stderr)
        history = data / store.HISTORY_DIR
        assert not [p.name for p in history.iterdir() if p.name.startswith((".old-", ".new-"))]
        for path in [data, *data.rglob("*")]:
            info = path.lstat()
            assert info.st_gid == group, path  # setgid: everything is the group's
            assert info.st_mode & stat.S_IWGRP, path  # and the group may write it
            if path.is_dir():
                assert info.st_mode & stat.S_ISGID, path
        check = _as_user(bob, group, ["check"], env)
        assert check.returncode == 0, check.stderr
    finally:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


@posix_only
def test_new_files_take_the_folder_permissions_not_the_umask(anmin, data_dir):
    data_dir.chmod(0o2775)
    (data_dir / "progress").chmod(0o2775)
    result = subprocess.run(
        [str(ANMIN), *UPDATE], capture_output=True, text=True, preexec_fn=lambda: os.umask(0o077), timeout=60
    )
    assert result.returncode == 0, result.stderr
    for path in [data_dir / store.LOCK_FILE, *(data_dir / "progress").iterdir(), *(data_dir / ".history").rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o060 == 0o060, (path, oct(mode))


@pytest.mark.skipif(not IS_ROOT or not Path("/usr/bin/setpriv").exists(), reason="needs root and setpriv")
@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_folder_another_account_may_not_write_is_named_in_the_error(tmp_path):
    base = Path(tempfile.mkdtemp(prefix="anmin-ro-", dir="/tmp"))
    try:
        base.chmod(0o755)
        data = base / "data"
        store.init_data_dir(data)
        data.chmod(0o755)
        for lock_exists in (False, True):
            if lock_exists:
                (data / store.LOCK_FILE).write_text("")
            result = _as_user(52003, 52003, list(UPDATE), {store.DATA_ENV: str(data)})
            assert result.returncode == 1
            assert f"没有写入 {data} 的权限" in result.stderr and store.LOCK_FILE not in result.stderr
    finally:
        import shutil

        shutil.rmtree(base, ignore_errors=True)


@pytest.mark.slow  # 0.1 s on the 2-core CI host: the fast pass stays under 30 s
def test_windows_busy_files_are_retried_then_explained(tmp_path, monkeypatch):
    """os.replace fails with WinError 32 while antivirus or a sync client holds the file."""
    from anmin_track.store import safe_io

    calls = []
    real_replace = os.replace

    def busy_replace(src, dst):
        calls.append(dst)
        if len(calls) <= 2:
            error = PermissionError(13, "The process cannot access the file")
            error.winerror = 32  # type: ignore[attr-defined]
            raise error
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", busy_replace)
    (tmp_path / "busy").mkdir()
    target = tmp_path / "busy" / "a.toml"
    safe_io.atomic_write(target, b"x = 1\n")
    assert target.read_bytes() == b"x = 1\n" and len(calls) == 3

    calls.clear()
    monkeypatch.setattr(os, "replace", _always_busy)
    monkeypatch.setattr(safe_io.time, "sleep", lambda s: None)  # the stdlib's clock, not our code
    with pytest.raises(OSError) as caught:
        safe_io.atomic_write(target, b"x = 2\n")
    assert "占用" in safe_io.write_failure(target, caught.value)
    assert target.read_bytes() == b"x = 1\n" and [p.name for p in target.parent.iterdir()] == ["a.toml"]


def _always_busy(src, dst):
    error = PermissionError(13, "The process cannot access the file")
    error.winerror = 32  # type: ignore[attr-defined]
    raise error


# --------------------------------------------------------------------------- 5. output that leaves the tool

HOSTILE = "\u202e反向\u200f标记\u009b控制"


@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_report_json_escapes_bidi_and_c1_controls(anmin, data_dir, tmp_path):
    note = HOSTILE
    assert anmin("goals", "update", "1.1", "--progress", "30", "--date", "2024-05-20", "--note", note).returncode == 0
    screen = anmin("report", "monthly", "2024-05", "--format", "json")
    assert screen.returncode == 0, screen.stderr
    assert not any(ch in screen.stdout for ch in "\u202e\u200f\u009b")
    assert note in json.dumps(json.loads(screen.stdout), ensure_ascii=False)  # escaped, not lost
    out = tmp_path / "月报.json"
    assert anmin("report", "monthly", "2024-05", "--format", "json", "-o", str(out)).returncode == 0
    text = out.read_text(encoding="utf-8")
    assert not any(ch in text for ch in "\u202e\u200f\u009b") and note in json.dumps(
        json.loads(text), ensure_ascii=False
    )


# A process that stops inside its first fsync of an output temp file (the stdlib call is
# wrapped, not our code), so the test can kill or interrupt it at exactly that moment.
STOP_IN_FSYNC = """
import os, sys, time
flag = sys.argv[1]
real_fsync = os.fsync
def fsync(fd):
    if not os.path.exists(flag) and os.path.basename(os.readlink(f"/proc/self/fd/{fd}")).endswith(".tmp"):
        open(flag, "w").close()
        time.sleep(float(os.environ.get("STOP_SECONDS", "30")))
    real_fsync(fd)
os.fsync = fsync
sys.argv = ["anmin", *sys.argv[2:]]
from anmin_track.cli import main
main()
"""


def _stopped_in_fsync(
    tmp_path: Path, *args: str, seconds: float = 30, prelude: str = ""
) -> tuple[subprocess.Popen, Path]:
    """``anmin *args`` run until it stops in that fsync; ``prelude``: Python run first (another OS patch)."""
    flag = tmp_path / "in-fsync"
    proc = subprocess.Popen(
        [sys.executable, "-c", prelude + STOP_IN_FSYNC, str(flag), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "STOP_SECONDS": str(seconds)},
        preexec_fn=ctrl_c_reaches,
    )
    deadline = time.monotonic() + 30
    while not flag.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return proc, flag


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc to name the fsynced file")
@pytest.mark.parametrize("command", ["report", "export"])
def test_a_killed_output_write_leaves_no_temp_file_for_good(data_dir, tmp_path, command):
    out = tmp_path / "out"
    out.mkdir()
    target = out / ("月报.md" if command == "report" else "台账.xlsx")
    args = ("report", "monthly", "2024-05", "-o", str(target)) if command == "report" else ("export", "-o", str(target))
    proc, _ = _stopped_in_fsync(tmp_path, *args)
    proc.kill()
    proc.communicate()
    left = [p.name for p in out.iterdir()]
    assert len(left) == 1 and left[0].startswith(f".{target.name}.") and left[0].endswith(".tmp")
    time.sleep(store.safe_io.STALE_AFTER + 0.1)
    again = subprocess.run([str(ANMIN), *args], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert [p.name for p in out.iterdir()] == [target.name]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc to name the fsynced file")
def test_a_live_writers_temp_file_is_not_swept(data_dir, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    target = out / "月报.md"
    args = ("report", "monthly", "2024-05", "-o", str(target))
    slow, _ = _stopped_in_fsync(tmp_path, *args, seconds=3)
    time.sleep(store.safe_io.STALE_AFTER + 0.1)  # old enough, but still held
    assert subprocess.run([str(ANMIN), *args], capture_output=True, timeout=60).returncode == 0
    slow_out, slow_err = slow.communicate(timeout=60)
    assert slow.returncode == 0, slow_err
    assert [p.name for p in out.iterdir()] == [target.name]


# --------------------------------------------------------------------------- 6. interrupts and messages


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc to name the fsynced file")
def test_ctrl_c_during_a_write_finishes_it_and_says_so(anmin, data_dir, tmp_path):
    proc, _ = _stopped_in_fsync(tmp_path, *UPDATE, seconds=1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert err.startswith("已记录") and "命令被中断" in err and "Traceback" not in err
    log = anmin("log")
    assert log.returncode == 0 and "中断" not in log.stdout and "1.1" in log.stdout
    assert "加固测试" in (data_dir / "progress" / "2024-05.toml").read_text(encoding="utf-8")
    assert anmin("check").returncode == 0


@pytest.mark.slow
def test_ctrl_c_while_waiting_for_the_lock_changes_nothing(data_dir):
    before = snapshot(data_dir)
    with store.locked(store.DataDir(data_dir), "另一位同事"):
        proc = subprocess.Popen(
            [str(ANMIN), *UPDATE],
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "ANMIN_LOCK_TIMEOUT": "60"},
            preexec_fn=ctrl_c_reaches,
        )
        time.sleep(1.5)  # started and queued for the lock
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130 and "已取消" in err and "未作任何修改" in err and "已记录" not in err
    assert snapshot(data_dir) == before


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_goals_edit_against_a_broken_month_file_is_a_data_error(anmin, data_dir):
    month = data_dir / "progress" / "2024-06.toml"
    month.write_text('schema = 1\n\n[[records]]\ntask = "1.1"\n', encoding="utf-8")
    before = snapshot(data_dir)
    result = anmin("goals", "edit", "1.1", "--title", "新标题")
    assert result.returncode == 1 and "2024-06.toml" in result.stderr
    no_traceback(result)
    assert snapshot(data_dir) == before
