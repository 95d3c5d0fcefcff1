"""Loading, validating (with line numbers), the index, and safe writes."""

import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from anmin_track import model, store
from anmin_track.errors import DataError, InputError, ReadOnlyError, Step, WriteError
from anmin_track.store import index, plan_file
from conftest import copy_plan, snapshot


def make_record(task="1.1", day=date(2024, 5, 20), progress=30, note="", minute=0):
    at = datetime(2024, 5, 31, 9, minute, tzinfo=UTC)
    return model.Record(task=task, date=day, progress=progress, by="测试员", at=at, note=note)


def data(path: Path) -> store.DataDir:
    return store.DataDir(path)


def broken_plan(data_dir: Path, old: str, new: str) -> store.DataDir:
    plan = data_dir / "goals.toml"
    text = plan.read_text(encoding="utf-8")
    assert old in text
    plan.write_text(text.replace(old, new, 1), encoding="utf-8")
    return data(data_dir)


def line_of(path: Path, needle: str, occurrence: int = 1) -> int:
    lines = [i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line]
    return lines[occurrence - 1]


def test_find_data_dir_order(tmp_path, monkeypatch, data_dir):
    assert store.find_data_dir().path == data_dir  # ANMIN_DATA
    other = copy_plan(tmp_path / "other")
    assert store.find_data_dir(str(other)).path == other  # --data wins
    monkeypatch.delenv(store.DATA_ENV)
    assert store.find_data_dir().path == Path("data")  # ./data holds goals.toml (cwd is tmp_path)
    monkeypatch.chdir(other)
    assert store.find_data_dir().path == other  # the current folder holds goals.toml: it is the data folder
    (other / "progress" / "deeper").mkdir(parents=True)
    monkeypatch.chdir(other / "progress" / "deeper")
    assert store.find_data_dir().path == other  # found upward, like git
    (tmp_path / "data" / "notes").mkdir()
    monkeypatch.chdir(tmp_path / "data" / "notes")
    assert store.find_data_dir().path == data_dir  # the nearest folder wins, not ./data of a folder above
    monkeypatch.chdir(tmp_path.parent)  # nothing upward from here holds a plan
    assert store.find_data_dir().bundled


def test_missing_data_dir_is_explained(tmp_path):
    with pytest.raises(InputError, match="没有计划文件 goals.toml") as raised:
        store.find_data_dir(str(tmp_path / "nowhere"))
    assert raised.value.steps == (Step("init", (str(tmp_path / "nowhere"),)),)


def test_syntax_error_names_line_and_column(data_dir):
    d = broken_plan(data_dir, 'title = "推进山海协作', "title = 推进山海协作")
    with pytest.raises(DataError) as err:
        store.load_plan(d)
    line = line_of(data_dir / "goals.toml", "title = 推进山海协作")
    assert f"goals.toml:{line}: TOML 格式错误（第 9 列）：值的写法不对" in str(err.value)
    assert "Invalid" not in str(err.value)


@pytest.mark.parametrize(
    ("old", "new", "needle", "words"),
    [
        (
            'weight = 1\n\n[[goals.tasks.metrics]]\nname = "红色现场教学点"',
            'weight = "一"\n\n[[goals.tasks.metrics]]\nname = "红色现场教学点"',
            'weight = "一"',
            "weight 应为数字",
        ),
        ('lead = ""', 'lead = ""\nleader = "x"', 'leader = "x"', "未知字段 leader"),
        ('id = "1.2"', 'id = "1.1"', 'id = "1.1"', "任务编号 1.1 重复"),
        ("due = 2024-12-31", "due = 2023-12-31", "due = 2023-12-31", "早于开始日期"),
        ("red_behind = 30", "red_behind = 5", "[settings]", "yellow_behind < red_behind"),
        ('id = "2.1"', 'id = "3.1"', 'id = "3.1"', "应为“目标编号.序号”"),
    ],
)
def test_plan_problems_name_the_line(data_dir, old, new, needle, words):
    d = broken_plan(data_dir, old, new)
    _, problems = plan_file.check_plan(d)
    assert problems
    text = " | ".join(str(p) for p in problems)
    assert words in text
    occurrence = 2 if needle == 'id = "1.1"' or needle == 'id = "3.1"' else 1
    assert f"goals.toml:{line_of(data_dir / 'goals.toml', needle, occurrence)}:" in text


def test_add_record_writes_month_file_and_index(data_dir):
    d = data(data_dir)
    store.add_record(d, make_record())
    month = data_dir / "progress" / "2024-05.toml"
    assert month.exists() and d.index_file.exists()
    plan = store.load_plan(d)
    assert [r.progress for r in store.load_month(d, plan, (2024, 5))] == [30]
    assert store.latest_records(d, plan, date(2024, 5, 31))["1.1"].progress == 30
    assert not [p for p in (data_dir / "progress").iterdir() if p.name.endswith(".tmp")]


def test_latest_records_as_of_the_past_reads_back(data_dir):
    d = data(data_dir)
    store.add_record(d, make_record(day=date(2024, 3, 10), progress=10))
    store.add_record(d, make_record(day=date(2024, 5, 10), progress=50))
    plan = store.load_plan(d)
    assert store.latest_records(d, plan, date(2024, 4, 30))["1.1"].progress == 10
    assert store.latest_records(d, plan, date(2024, 5, 31))["1.1"].progress == 50
    assert "1.1" not in store.latest_records(d, plan, date(2024, 3, 1))


def test_index_is_rebuilt_when_out_of_date(data_dir):
    d = data(data_dir)
    store.add_record(d, make_record(progress=30))
    month = data_dir / "progress" / "2024-05.toml"
    # a record appended by hand (or by a writer killed before the index was saved)
    month.write_text(
        month.read_text(encoding="utf-8")
        + '\n[[records]]\ntask = "1.1"\ndate = 2024-05-25\nprogress = 45\nby = "手工"\nat = 2024-05-25T10:00:00+08:00\n',
        encoding="utf-8",
    )
    plan = store.load_plan(d)
    assert store.latest_records(d, plan, date(2024, 5, 31))["1.1"].progress == 45


def test_corrupt_index_is_ignored_and_rebuilt(data_dir):
    d = data(data_dir)
    store.add_record(d, make_record(progress=30))
    d.index_file.write_text("not toml [[[", encoding="utf-8")
    assert store.latest_records(d, store.load_plan(d), date(2024, 5, 31))["1.1"].progress == 30


def test_record_problems_in_month_files(data_dir):
    progress = data_dir / "progress"
    progress.mkdir(exist_ok=True)
    (progress / "2024-05.toml").write_text(
        'schema = 1\n\n[[records]]\ntask = "9.9"\ndate = 2024-06-01\nprogress = 130\nby = "x"\n'
        "at = 2024-06-02T10:00:00+08:00\n",
        encoding="utf-8",
    )
    plan, count, problems, _ = store.check_all(data(data_dir))
    text = "\n".join(str(p) for p in problems)
    assert "progress/2024-05.toml:4: 进展记录属于不存在的任务 9.9" in text
    assert "progress/2024-05.toml:5: 进展记录的日期 2024-06-01 不属于本文件的月份" in text
    assert "progress/2024-05.toml:6: 进展记录的进度 130 超出范围" in text
    assert count == 0


def test_invalid_month_file_blocks_writes_and_changes_nothing(data_dir):
    d = data(data_dir)
    store.add_record(d, make_record(progress=30))
    month = data_dir / "progress" / "2024-05.toml"
    month.write_text(month.read_text(encoding="utf-8").replace("progress = 30", "progress = 300"), encoding="utf-8")
    before = snapshot(data_dir)
    with pytest.raises(DataError, match="超出范围"):
        store.add_record(d, make_record(progress=40, day=date(2024, 5, 21)))
    assert snapshot(data_dir) == before


def test_bundled_plan_is_read_only():
    bundled = store.DataDir(store.bundled_plan_file().parent, bundled=True)
    with pytest.raises(ReadOnlyError, match="自带的2024年计划（只读），不能修改数据"):
        store.add_record(bundled, make_record())


def test_atomic_write_keeps_old_file_when_write_fails(data_dir, monkeypatch):
    target = data_dir / "goals.toml"
    before = target.read_bytes()

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError):
        store.atomic_write(target, b"half")
    assert target.read_bytes() == before
    assert [p.name for p in data_dir.iterdir() if p.name.endswith(".tmp")] == []


def test_disk_full_is_a_clear_write_error(data_dir, monkeypatch):
    before = snapshot(data_dir)
    monkeypatch.setattr(os, "fsync", lambda fd: (_ for _ in ()).throw(OSError(28, "No space left on device")))
    with pytest.raises(WriteError, match="磁盘空间不足"):
        store.add_record(data(data_dir), make_record())
    assert snapshot(data_dir) == before


def test_lock_timeout_names_the_holder(data_dir):
    d = data(data_dir)
    with store.locked(d, "张三"), pytest.raises(WriteError, match="张三"), store.locked(d, "李四", timeout=0.1):
        pass


def test_init_refuses_to_overwrite(tmp_path):
    store.init_data_dir(tmp_path / "x")
    with pytest.raises(Exception, match="已存在"):
        store.init_data_dir(tmp_path / "x")


def test_same_length_hand_edit_is_noticed(data_dir):
    d = data(data_dir)
    store.add_record(d, make_record(progress=40))
    month = data_dir / "progress" / "2024-05.toml"
    edited = month.read_text(encoding="utf-8").replace("progress = 40", "progress = 90")
    month.write_text(edited, encoding="utf-8")  # same size, new modification time
    plan = store.load_plan(d)
    assert store.latest_records(d, plan, date(2024, 5, 31))["1.1"].progress == 90
    store.add_record(d, make_record(progress=95, day=date(2024, 5, 25)))
    assert store.load_index(d, plan).latest["1.1"].progress == 95


def test_record_is_checked_against_the_plan_read_under_the_lock(data_dir):
    d = data(data_dir)
    plan_file = data_dir / "goals.toml"
    text = plan_file.read_text(encoding="utf-8")
    # as if a concurrent `goals edit 1.1 --start 2024-06-01` had landed first
    plan_file.write_text(text.replace("start = 2024-01-01", "start = 2024-06-01", 1), encoding="utf-8")
    before = snapshot(data_dir)
    with pytest.raises(InputError, match="早于任务开始日期"):
        store.add_record(d, make_record(day=date(2024, 5, 20)))
    assert snapshot(data_dir) == before


def test_lock_timeout_setting_must_be_finite(monkeypatch):
    for raw, expected in (("2.5", 2.5), ("nan", 10.0), ("inf", 10.0), ("-1", 10.0), ("abc", 10.0)):
        monkeypatch.setenv(store.LOCK_TIMEOUT_ENV, raw)
        assert store.lock_timeout() == expected


def test_check_saves_a_fresh_index_after_a_hand_edit(cli, data_dir):
    d = data(data_dir)
    store.add_record(d, make_record(progress=40))
    month = data_dir / "progress" / "2024-05.toml"
    month.write_text(month.read_text(encoding="utf-8").replace("progress = 40", "progress = 45"), encoding="utf-8")
    assert index.saved_index(d, index.file_stamps(d)) is None
    result = cli("check")
    assert result.exit_code == 0 and "已重建索引" in result.stdout
    assert index.saved_index(d, index.file_stamps(d)).latest["1.1"].progress == 45
    assert "已重建索引" not in cli("check").stdout  # only when needed
