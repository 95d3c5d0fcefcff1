"""`anmin undo` confirms on an id that is never reused, and checks the state it would restore."""

import json
import os
import select
import subprocess
import time
from datetime import date, datetime, timedelta, timezone

import pytest

from anmin_track import actions, model, store
from anmin_track.errors import WriteError
from conftest import ANMIN, WIDTH, snapshot

AUTHOR = store.Author("测试员", "anmin undo")
CST = timezone(timedelta(hours=8))


def update(cli, task="1.1", progress="30", day="2024-05-20", note="推进中"):
    result = cli("goals", "update", task, "--progress", progress, "--date", day, "--note", note)
    assert result.exit_code == 0, result.output
    return result


def newest(data_dir) -> store.JournalEntry:
    return store.last_entry(store.DataDir(data_dir))


def notes(data_dir) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted((data_dir / "progress").glob("2024-*.toml")))


def test_a_new_change_after_an_undo_gets_the_same_number_but_a_new_id(cli, data_dir):
    update(cli, note="第一次")
    first = newest(data_dir)
    assert cli("undo", "--yes").exit_code == 0
    update(cli, note="第二次")
    second = newest(data_dir)
    assert second.seq == first.seq and second.id != first.id
    raw = json.loads((second.folder / "entry.json").read_text(encoding="utf-8"))
    assert raw["format"] == 2 and raw["id"] == second.id
    assert json.loads(cli("log", "--json").stdout)["changes"][0]["id"] == second.id


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_confirmed_undo_never_removes_a_change_that_took_the_shown_number(cli, data_dir):
    data = store.DataDir(data_dir)
    update(cli, note="旧的修改")
    update(cli, note="要撤销的修改")
    shown = actions.undo_candidate(data)
    actions.undo_entry(data, shown, AUTHOR)  # someone else undoes it meanwhile…
    update(cli, note="别人的新修改")  # …and a new change becomes the same number
    assert newest(data_dir).seq == shown.seq
    before = snapshot(data_dir)
    with pytest.raises(WriteError) as caught:
        actions.undo_entry(data, shown, AUTHOR)
    message = str(caught.value)
    assert f"#{shown.seq}" in message and "已被撤销" in message and "未撤销任何内容" in message
    assert snapshot(data_dir) == before
    assert "别人的新修改" in notes(data_dir)


def test_a_refusal_names_the_entry_that_was_shown(cli, data_dir):
    data = store.DataDir(data_dir)
    update(cli, note="一")
    update(cli, note="二")
    shown = actions.undo_candidate(data)
    update(cli, note="三")
    with pytest.raises(WriteError) as caught:
        actions.undo_entry(data, shown, AUTHOR)
    message = str(caught.value)
    assert message.startswith(f"您确认撤销的修改 #{shown.seq} ")
    assert "又有新的修改" in message and f"#{shown.seq + 1}" in message
    assert "三" in notes(data_dir)


def test_entries_of_format_1_are_still_read_and_undone(cli, data_dir):
    start = snapshot(data_dir)
    update(cli, note="旧格式")
    folder = newest(data_dir).folder
    meta = json.loads((folder / "entry.json").read_text(encoding="utf-8"))
    del meta["id"]
    meta["format"] = 1
    (folder / "entry.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    old = newest(data_dir)
    assert old.id.startswith("v1-") and old.id == newest(data_dir).id  # stable between reads
    result = cli("undo", "--yes")
    assert result.exit_code == 0, result.output
    assert snapshot(data_dir) == start


def _hand_record(data_dir, task: str, day: date, note: str) -> None:
    record = model.Record(
        task=task, date=day, progress=10, note=note, by="手工", at=datetime(2024, 5, 20, 9, tzinfo=CST)
    )
    path = data_dir / "progress" / f"{day:%Y-%m}.toml"
    path.write_bytes(store.dump_toml({"schema": model.SCHEMA, "records": [store.record_to_toml(record)]}))


def test_undo_refuses_a_plan_that_no_longer_fits_the_records(cli, data_dir):
    result = cli("goals", "add", "1", "新增任务")
    assert result.exit_code == 0, result.output
    added = store.load_plan(store.DataDir(data_dir)).goal("1").tasks[-1].id
    _hand_record(data_dir, added, date(2024, 5, 10), "手工补录")  # a record of the new task, typed by hand
    before = snapshot(data_dir)
    result = cli("undo", "--yes")
    assert result.exit_code == 1
    assert "撤销后数据将不一致" in result.stderr and "2024-05.toml:" in result.stderr and added in result.stderr
    assert "Traceback" not in result.output
    assert snapshot(data_dir) == before
    assert cli("check").exit_code == 0


def test_undo_refuses_when_a_data_file_cannot_be_read(cli, data_dir):
    update(cli, note="要撤销")
    (data_dir / "progress" / "2024-03.toml").write_text('schema = 1\n[[records]]\ntask = "1.1\n', encoding="utf-8")
    before = snapshot(data_dir)
    result = cli("undo", "--yes")
    assert result.exit_code == 1 and "2024-03.toml:" in result.stderr and "未作任何修改" in result.stderr
    assert snapshot(data_dir) == before


def _read_until(proc: subprocess.Popen, marker: str, timeout: float = 30) -> str:
    """Read the process's stdout until ``marker`` shows (a prompt has no newline)."""
    assert proc.stdout is not None
    seen = b""
    deadline = time.monotonic() + timeout
    while marker.encode("utf-8") not in seen:
        assert time.monotonic() < deadline, seen.decode("utf-8", "replace")
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            chunk = os.read(proc.stdout.fileno(), 4096)
            assert chunk, seen.decode("utf-8", "replace")
            seen += chunk
    return seen.decode("utf-8")


@pytest.mark.slow
def test_race_two_real_processes_the_yes_does_not_remove_the_new_change(anmin, data_dir):
    for n, note in enumerate(["第一次", "被撤销的那次"]):
        assert anmin("goals", "update", "1.1", "-p", str(20 + n), "-d", "2024-05-20", "--note", note).returncode == 0
    shown = newest(data_dir)
    env = {**os.environ, "COLUMNS": WIDTH}
    waiting = subprocess.Popen(
        [str(ANMIN), "undo"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
    )
    try:
        prompt = _read_until(waiting, "确认撤销")
        assert "将撤销最近一次修改" in prompt and f"#{shown.seq} " in prompt
        other = anmin("undo", "--yes")  # someone else, meanwhile
        assert other.returncode == 0, other.stderr
        new = anmin("goals", "update", "1.1", "-p", "25", "-d", "2024-05-21", "--note", "别人的新修改")
        assert new.returncode == 0, new.stderr
        assert newest(data_dir).seq == shown.seq  # the new change took the number that was shown
        before = snapshot(data_dir)
        stdout, stderr = waiting.communicate(b"y\n", timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    message = stderr.decode("utf-8")
    assert waiting.returncode == 1, message
    assert f"#{shown.seq}" in message and "已被撤销" in message and "Traceback" not in message
    assert snapshot(data_dir) == before
    assert "别人的新修改" in notes(data_dir)
