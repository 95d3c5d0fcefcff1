"""Issue 13 §7: writers check plan changes against the index's digest, and never hold the lock long.

The fast tests show the digest gives the refusals a full reading gave (same file and
line), that undo leaves an index matching the files, and that a stale index is rebuilt
once and saved without hiding what a hand edit lost. The slow test times the lock.
"""

from __future__ import annotations

import time
import tomllib
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from anmin_track import model, store
from anmin_track.store import index
from anmin_track.store.records import RULES
from conftest import snapshot

CST = timezone(timedelta(hours=8))


def update(cli, task: str, day: str, progress: str = "30", note: str = "推进中") -> None:
    result = cli("goals", "update", task, "--progress", progress, "--date", day, "--note", note)
    assert result.exit_code == 0, result.output


def line_of(path: Path, text: str) -> int:
    """The line number of the first line of ``path`` that contains ``text``."""
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)


def saved(data_dir: Path) -> index.Index | None:
    """The index on disk, if it matches the files as they are."""
    data = store.DataDir(data_dir)
    return index.saved_index(data, index.file_stamps(data))


def same_as_rebuilt(data_dir: Path) -> None:
    """The saved index says what a full reading of the month files says."""
    data = store.DataDir(data_dir)
    found = saved(data_dir)
    assert found is not None and found.plan_checked
    rebuilt = store.rebuild_index(data, store.load_plan(data))
    assert (found.latest, found.earlier, found.digest, found.appendable) == (
        rebuilt.latest,
        rebuilt.earlier,
        rebuilt.digest,
        rebuilt.appendable,
    )


def hand_record(data_dir: Path, task: str, day: date, note: str = "手工补录") -> Path:
    """A month file written by hand (a new file, so the index no longer matches)."""
    at = datetime(day.year, day.month, day.day, 9, tzinfo=CST)
    record = model.Record(task=task, date=day, progress=10, note=note, by="手工", at=at)
    path = data_dir / "progress" / f"{day:%Y-%m}.toml"
    path.write_bytes(store.dump_toml({"schema": model.SCHEMA, "records": [store.record_to_toml(record)]}))
    return path


# --------------------------------------------------------------------------- plan changes against the digest


def test_the_digest_counts_first_dates_and_metrics(cli, data_dir):
    update(cli, "1.1", "2024-05-10")
    update(cli, "1.1", "2024-03-02")
    update(cli, "1.2", "2024-07-01")
    found = saved(data_dir)
    assert found is not None
    assert {t: (d.records, d.first) for t, d in found.digest.items()} == {
        "1.1": (2, date(2024, 3, 2)),
        "1.2": (1, date(2024, 7, 1)),
    }
    same_as_rebuilt(data_dir)


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_an_edit_refused_by_the_digest_names_the_record_by_file_and_line(cli, data_dir):
    update(cli, "1.2", "2024-04-03")
    update(cli, "1.1", "2024-05-10")
    update(cli, "1.1", "2024-07-01")
    month = data_dir / "progress" / "2024-05.toml"
    before = snapshot(data_dir)
    result = cli("goals", "edit", "1.1", "--start", "2024-06-01")
    assert result.exit_code == 2
    line = line_of(month, "date = 2024-05-10")
    assert f"data/progress/2024-05.toml:{line}: 进展记录的日期 2024-05-10 早于任务开始日期 2024-06-01" in result.stderr
    assert snapshot(data_dir) == before
    accepted = cli("goals", "edit", "1.1", "--start", "2024-05-10")
    assert accepted.exit_code == 0, accepted.output
    same_as_rebuilt(data_dir)


@pytest.mark.slow  # 0.1 s on the 2-core CI host: the fast pass stays under 30 s
def test_remove_counts_the_records_from_the_index(cli, data_dir):
    update(cli, "1.1", "2024-04-10")
    update(cli, "1.1", "2024-05-10")
    result = cli("goals", "remove", "1.1")
    assert result.exit_code == 2 and "已有 2 条进展记录，不能删除" in result.stderr
    hand_record(data_dir, "1.1", date(2024, 6, 3))  # a third, by hand: the index is stale until rebuilt
    result = cli("goals", "remove", "1.1")
    assert result.exit_code == 2 and "已有 3 条进展记录，不能删除" in result.stderr
    assert cli("goals", "remove", "1.2").exit_code == 0


def test_undo_of_a_plan_change_refused_by_the_digest(cli, data_dir):
    assert cli("goals", "add", "1", "新增任务").exit_code == 0
    added = store.load_plan(store.DataDir(data_dir)).goal("1").tasks[-1].id
    path = hand_record(data_dir, added, date(2024, 5, 10))
    assert cli("check").exit_code == 0  # accepts the hand edit: the index is fresh and knows the record
    assert saved(data_dir) is not None
    before = snapshot(data_dir)
    result = cli("undo", "--yes")
    assert result.exit_code == 1
    line = line_of(path, f'task = "{added}"')
    assert f"撤销后数据将不一致：data/progress/2024-05.toml:{line}: 进展记录属于不存在的任务 {added}" in result.stderr
    assert snapshot(data_dir) == before


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_undo_of_a_plan_change_that_fits_keeps_the_index(cli, data_dir):
    update(cli, "1.1", "2024-05-10")
    assert cli("goals", "edit", "1.1", "--title", "改过的标题").exit_code == 0
    assert cli("undo", "--yes").exit_code == 0
    same_as_rebuilt(data_dir)


@pytest.mark.parametrize("day", ["2024-05-20", "2024-06-02"], ids=["same month", "new month"])
def test_undo_of_an_update_puts_back_an_index_that_matches(cli, data_dir, day):
    update(cli, "1.1", "2024-05-10", "20")
    update(cli, "1.2", "2024-05-12", "30")
    update(cli, "1.1", day, "40")
    assert cli("undo", "--yes").exit_code == 0
    same_as_rebuilt(data_dir)
    assert saved(data_dir).latest["1.1"].progress == 20  # type: ignore[union-attr]


def test_undo_after_a_hand_edit_rebuilds_the_index(cli, data_dir):
    update(cli, "1.1", "2024-05-10", "20")
    update(cli, "1.1", "2024-05-20", "40")
    hand_record(data_dir, "1.2", date(2024, 6, 3))  # another month, by hand: the index is stale
    assert cli("undo", "--yes").exit_code == 0
    same_as_rebuilt(data_dir)


# --------------------------------------------------------------------------- a stale index


def test_an_index_of_an_older_format_is_rebuilt_once_and_saved(cli, data_dir):
    update(cli, "1.1", "2024-05-10")
    path = data_dir / "progress" / "index.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("[digest")], encoding="utf-8")  # as saved before the digest
    assert saved(data_dir) is None
    result = cli("goals", "list", "--as-of", "2024-05-31")
    assert result.exit_code == 0 and "提示" not in result.stderr
    same_as_rebuilt(data_dir)


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_stale_index_is_saved_and_still_says_what_a_hand_edit_lost(cli, data_dir):
    update(cli, "1.1", "2024-05-10", "20")
    update(cli, "1.2", "2024-05-12", "30")
    month = data_dir / "progress" / "2024-05.toml"
    text = month.read_text(encoding="utf-8")
    month.write_text(text[: text.rindex("[[records]]")], encoding="utf-8")  # 1.2's record cut off by hand
    first = cli("goals", "list")
    assert first.exit_code == 0 and "任务 1.2 上次读取时的最新记录" in first.stderr
    assert saved(data_dir) is not None  # rebuilt once and saved…
    again = cli("goals", "list")
    assert "任务 1.2 上次读取时的最新记录" in again.stderr  # …without accepting the loss
    refused = cli("goals", "update", "1.3", "-p", "10", "-d", "2024-05-21")
    assert refused.exit_code == 1 and "anmin check" in refused.stderr
    edited = cli("goals", "edit", "1.3", "--title", "改过的标题")  # a plan change keeps the warning too
    assert edited.exit_code == 0 and "任务 1.2 上次读取时的最新记录" in cli("goals", "list").stderr
    assert cli("check").exit_code == 0
    after = cli("goals", "list", "--as-of", "2024-05-31")
    assert after.exit_code == 0 and "提示" not in after.stderr
    same_as_rebuilt(data_dir)


def test_the_lock_trace_records_each_hold(cli, data_dir, tmp_path, monkeypatch):
    trace = tmp_path / "lock.txt"
    monkeypatch.setenv("ANMIN_LOCK_TRACE", str(trace))
    update(cli, "1.1", "2024-05-10")
    assert cli("goals", "edit", "1.1", "--title", "新标题").exit_code == 0
    lines = trace.read_text(encoding="utf-8").splitlines()
    writes = [line for line in lines if line.endswith("\t测试员")]  # the others: parsed copies saved by a reader
    assert len(writes) == 2 and all(float(line.split("\t")[0]) >= 0 for line in lines)
    assert {line.split("\t")[1] for line in lines} <= {"测试员", "保存解析缓存"}


# --------------------------------------------------------------------------- the lock at 20,000 records


def _many_records(data_dir: Path, count: int) -> None:
    """``count`` valid records over 2024, in month files, with the index built (as the harness does)."""
    data = store.DataDir(data_dir)
    plan = store.load_plan(data)
    tasks = [t for t in plan.tasks if t.start <= date(2024, 1, 1)]
    months: dict[int, list[dict]] = {m: [] for m in range(1, 13)}
    for n in range(count):
        month, task = 1 + n % 12, tasks[n % len(tasks)]
        day = date(2024, month, 1 + n // 12 % 28)
        at = datetime(day.year, day.month, day.day, 17, n % 60, n // 60 % 60, tzinfo=CST)
        record = model.Record(task=task.id, date=day, progress=n % 100, by="测试", at=at, note=f"第{n}条")
        months[month].append(store.record_to_toml(record))
    for month, records in months.items():
        data.month_file(2024, month).write_bytes(store.dump_toml({"schema": model.SCHEMA, "records": records}))
    store.atomic_write(data.index_file, index.dump_index(store.rebuild_index(data, plan)))


def _lock_held(anmin, trace: Path, *args: str) -> float:
    trace.unlink(missing_ok=True)
    result = anmin(*args, env={"ANMIN_LOCK_TRACE": str(trace)})
    assert result.returncode == 0, result.stderr
    return max(float(line.split("\t")[0]) for line in trace.read_text(encoding="utf-8").splitlines()) / 1000


@pytest.mark.slow
def test_plan_changes_and_undo_hold_the_lock_briefly_at_20000_records(anmin, data_dir, tmp_path):
    _many_records(data_dir, 20_000)
    (data_dir / "progress" / "index.toml").unlink()  # check then reads and validates every record
    start = time.perf_counter()
    assert anmin("check").returncode == 0
    full_reading = time.perf_counter() - start  # what every write used to do under the lock
    trace = tmp_path / "lock.txt"
    held = {
        "edit": _lock_held(anmin, trace, "goals", "edit", "1.1", "--title", "新标题"),
        "undo edit": _lock_held(anmin, trace, "undo", "--yes"),
        "add": _lock_held(anmin, trace, "goals", "add", "1", "新增任务"),
        "update": _lock_held(anmin, trace, "goals", "update", "1.1", "-p", "100", "-d", "2024-12-30"),
        "undo update": _lock_held(anmin, trace, "undo", "--yes"),
    }
    added = store.load_plan(store.DataDir(data_dir)).goal("1").tasks[-1].id
    held["remove"] = _lock_held(anmin, trace, "goals", "remove", added)
    assert all(seconds < full_reading / 3 for seconds in held.values()), (full_reading, held)
    same_as_rebuilt(data_dir)


# --------------------------------------------------------------------------- check and the months the index vouches for


def _vouch_for(data_dir: Path, month: str, rules: int = RULES) -> None:
    """Make the saved index say it validated ``month`` as it is now (under ``rules``)."""
    path, file = data_dir / "progress" / "index.toml", data_dir / "progress" / f"{month}.toml"
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    doc["hashes"][month] = index.content_hash(file.read_bytes())
    doc["files"][month] = [file.stat().st_size, file.stat().st_mtime_ns]
    doc["rules"] = rules
    path.write_bytes(store.dump_toml(doc))


def test_check_takes_a_month_the_index_vouches_for_by_its_content_digest_and_rules(cli, data_dir):
    update(cli, "1.1", "2024-05-10", "30")
    update(cli, "1.2", "2024-05-12", "40")
    month = data_dir / "progress" / "2024-05.toml"
    month.write_text(month.read_text(encoding="utf-8").replace("progress = 30", "progress = 300"), encoding="utf-8")
    found = cli("check")
    assert (
        found.exit_code == 1
        and f"2024-05.toml:{line_of(month, 'progress = 300')}: 进展记录的进度 300 超出范围" in found.output
    )
    _vouch_for(data_dir, "2024-05")  # as if the index had validated this very content: it is not read again
    trusted = cli("check")
    assert trusted.exit_code == 0 and "共 2 条进展记录" in trusted.stdout, trusted.output
    _vouch_for(data_dir, "2024-05", rules=RULES - 1)  # saved under other rules: it vouches for nothing
    assert cli("check").exit_code == 1


def test_check_reads_again_the_months_a_hand_edited_plan_may_not_fit(cli, data_dir):
    update(cli, "1.2", "2024-02-01")
    update(cli, "1.1", "2024-03-10")
    update(cli, "1.1", "2024-05-10")
    assert cli("check").exit_code == 0
    plan = data_dir / "goals.toml"
    text = plan.read_text(encoding="utf-8")
    at = text.index('id = "1.1"')
    plan.write_text(text[:at] + text[at:].replace("start = 2024-01-01", "start = 2024-04-01", 1), encoding="utf-8")
    found = cli("check")
    march = data_dir / "progress" / "2024-03.toml"
    assert found.exit_code == 1, found.output
    assert (
        f"2024-03.toml:{line_of(march, 'date = 2024-03-10')}: 进展记录的日期 2024-03-10 早于任务开始日期 2024-04-01"
        in found.output
    )


def test_check_counts_the_records_of_vouched_months_of_any_shape(cli, data_dir):
    update(cli, "1.1", "2024-05-10")
    update(cli, "1.2", "2024-05-12")
    hand = data_dir / "progress" / "2024-06.toml"  # an array written by hand: no header line per record
    hand.write_text(
        'schema = 1\nrecords = [\n  { task = "1.1", date = 2024-06-03, progress = 50, by = "手工", at = 2024-06-03T09:00:00+08:00 },\n'
        '  { task = "1.2", date = 2024-06-04, progress = 60, by = "手工", at = 2024-06-04T09:00:00+08:00 },\n]\n',
        encoding="utf-8",
    )
    first = cli("check")  # reads the new month, and saves an index that vouches for it
    assert first.exit_code == 0 and "共 4 条进展记录" in first.stdout, first.output
    assert saved(data_dir) is not None
    again = cli("check")
    assert again.exit_code == 0 and "共 4 条进展记录" in again.stdout
    (data_dir / "progress" / "index.toml").unlink()  # without an index, check reads every month
    assert "共 4 条进展记录" in cli("check").stdout


@pytest.mark.slow  # 0.1 s on the 2-core CI host: the fast pass stays under 30 s
def test_an_edit_that_keeps_size_and_time_is_never_appended_to_on_trust(cli, data_dir):
    """A month edited by hand with its size and modification time put back (a tool that keeps
    times, a 2-second clock) still differs in content: the next update validates it first, so
    neither check nor a plan change is misled by the index afterwards."""
    import os

    update(cli, "1.1", "2024-05-10")
    update(cli, "1.2", "2024-05-12")
    month = data_dir / "progress" / "2024-05.toml"
    before = month.stat()
    month.write_text(month.read_text(encoding="utf-8").replace('task = "1.1"', 'task = "1.3"'), encoding="utf-8")
    os.utime(month, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert month.stat().st_size == before.st_size
    update(cli, "1.2", "2024-05-20")  # the 1.3 record is valid: the month is validated and appended to
    refused = cli("goals", "remove", "1.3")
    assert refused.exit_code == 2 and "已有 1 条进展记录" in refused.stderr, refused.output
    assert "共 3 条进展记录" in cli("check").stdout
    month.write_text(month.read_text(encoding="utf-8").replace('task = "1.3"', 'task = "9.9"'), encoding="utf-8")
    edited = month.stat()
    update_refused = cli("goals", "update", "1.2", "-p", "40", "-d", "2024-05-21", "--note", "再推进")
    assert update_refused.exit_code == 1 and "9.9" in update_refused.stderr
    os.utime(month, ns=(edited.st_atime_ns, edited.st_mtime_ns))
    assert cli("check").exit_code == 1


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_plan_changes_read_the_digest_only_of_months_whose_content_it_describes(cli, data_dir):
    """The orphaning case: a record moved to another task behind equal size and time, then that
    task removed. The month hashes tell the index is stale; it is rebuilt and the remove refused."""
    import os

    update(cli, "1.1", "2024-05-10")
    month = data_dir / "progress" / "2024-05.toml"
    before = month.stat()
    month.write_text(month.read_text(encoding="utf-8").replace('task = "1.1"', 'task = "1.3"'), encoding="utf-8")
    os.utime(month, ns=(before.st_atime_ns, before.st_mtime_ns))
    refused = cli("goals", "remove", "1.3")
    assert refused.exit_code == 2 and "已有 1 条进展记录" in refused.stderr, refused.output
    assert cli("goals", "remove", "1.1").exit_code == 0  # its record is gone: nothing orphaned
    assert cli("check").exit_code == 0
