"""The journal in data/.history: anmin log, anmin undo, and failed writes that change nothing."""

import json
import os
import shutil
import tomllib

import pytest

from anmin_track import store
from anmin_track.store import index, journal
from conftest import snapshot


def update(cli, task="1.1", progress="30", day="2024-05-20", note="推进中"):
    result = cli("goals", "update", task, "--progress", progress, "--date", day, "--note", note)
    assert result.exit_code == 0, result.output
    return result


def entries(data_dir):
    return store.history(store.DataDir(data_dir))


def test_update_update_undo_undo_is_byte_identical(cli, data_dir):
    start = snapshot(data_dir)
    update(cli, "1.2", "45", "2024-05-28")
    after_first = snapshot(data_dir)
    update(cli, "1.2", "50", "2024-06-03")  # a second month file, and the index rewritten
    result = cli("undo", "--yes")
    assert result.exit_code == 0, result.output
    assert "已撤销 #2" in result.stdout and "还有 1 次" in result.stdout
    assert snapshot(data_dir) == after_first
    result = cli("undo", "--yes")
    assert result.exit_code == 0, result.output
    assert snapshot(data_dir) == start
    assert not (data_dir / "progress" / "2024-05.toml").exists()
    again = cli("undo", "--yes")
    assert again.exit_code == 2 and "没有可撤销的修改" in again.stderr


def test_log_says_when_who_command_and_what(cli, data_dir):
    update(cli, "2.1", "40", note="第一次")
    update(cli, "2.1", "55", note="第二次")
    result = cli("log")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith("#2  ") and "测试员" in lines[1] and "年" in lines[1]
    assert "anmin goals update 2.1 --progress 55" in lines[2]
    assert "记录 2.1 进度 55%（截至2024年5月20日）" in lines[3]
    assert "progress/2024-05.toml（+" in lines[4] and "index.toml" not in lines[4]
    assert "progress/2024-05.toml（新建）" in result.stdout  # the first entry created the month file
    payload = json.loads(cli("log", "--json", "-n", "1").stdout)
    assert payload["schema"] == "anmin.log/1" and len(payload["changes"]) == 1
    change = payload["changes"][0]
    assert change["seq"] == 2 and change["who"] == "测试员" and change["complete"]
    assert {f["path"] for f in change["files"]} == {"progress/2024-05.toml", "progress/index.toml"}


def test_undo_asks_first_and_no_changes_nothing(cli, data_dir):
    update(cli)
    before = snapshot(data_dir)
    result = cli("undo", input="n\n")
    assert result.exit_code == 0 and "将撤销最近一次修改" in result.stdout
    assert result.stdout.endswith("已取消，未作任何修改。\n") and result.stderr == ""
    assert snapshot(data_dir) == before
    result = cli("undo", input="y\n")
    assert result.exit_code == 0 and "已撤销 #1" in result.stdout


def test_undo_refuses_to_overwrite_a_later_hand_edit(cli, data_dir):
    update(cli)
    month = data_dir / "progress" / "2024-05.toml"
    month.write_text(month.read_text(encoding="utf-8") + "# 手工补充\n", encoding="utf-8")
    before = snapshot(data_dir)
    result = cli("undo", "--yes")
    assert result.exit_code == 1 and "手工编辑" in result.stderr and "2024-05.toml" in result.stderr
    assert snapshot(data_dir) == before


def test_undo_works_when_the_index_was_deleted(cli, data_dir):
    update(cli, progress="30")
    update(cli, progress="40")
    (data_dir / "progress" / "index.toml").unlink()  # the README says it may be deleted at any time
    assert cli("undo", "--yes").exit_code == 0
    shown = cli("goals", "show", "1.1", "--json", "--as-of", "2024-05-31").stdout
    assert json.loads(shown)["task"]["progress"] == 30
    assert cli("check").exit_code == 0


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_damaged_entry_does_not_break_log_or_older_undo(cli, data_dir):
    update(cli, progress="30")
    update(cli, progress="40")
    (data_dir / ".history" / "00000002" / "entry.json").write_text('{"format": 1, "files": [', encoding="utf-8")
    (data_dir / ".history" / ".new-leftover").mkdir()  # a crash while an entry was being built
    result = cli("log")
    assert result.exit_code == 0 and "#2  （修改记录已损坏" in result.stdout and "#1  " in result.stdout
    before = snapshot(data_dir)
    result = cli("undo", "--yes")
    assert result.exit_code == 1 and "已损坏" in result.stderr
    assert snapshot(data_dir) == before
    shutil.move(data_dir / ".history" / "00000002", data_dir.parent / "moved-away")
    assert cli("undo", "--yes").exit_code == 1  # the month file now differs from entry #1's "after"


def test_an_entry_without_its_description_is_shown_as_damaged(cli, data_dir):
    update(cli)
    (data_dir / ".history" / "00000001" / "entry.json").unlink()
    assert "#1  （修改记录已损坏" in cli("log").stdout
    assert cli("undo", "--yes").exit_code == 1


def test_tampered_paths_in_the_journal_are_not_followed(cli, data_dir, tmp_path):
    update(cli)
    entry = data_dir / ".history" / "00000001" / "entry.json"
    meta = json.loads(entry.read_text(encoding="utf-8"))
    meta["files"][0]["path"] = "../outside.toml"
    entry.write_text(json.dumps(meta), encoding="utf-8")
    result = cli("undo", "--yes")
    assert result.exit_code == 1 and "已损坏" in result.stderr
    assert not (tmp_path / "outside.toml").exists()


def test_history_is_bounded(cli, data_dir, monkeypatch):
    monkeypatch.setattr(journal, "HISTORY_KEEP", 3)
    for progress in range(10, 60, 10):
        update(cli, progress=str(progress))
    kept = entries(data_dir)
    assert [e.seq for e in kept] == [5, 4, 3]
    assert sorted(p.name for p in (data_dir / ".history").iterdir()) == ["00000003", "00000004", "00000005"]


@pytest.mark.slow  # 0.1 s on the 2-core CI host: the fast pass stays under 30 s
def test_undo_is_not_journaled_and_walks_back(cli, data_dir):
    for progress in ("10", "20", "30"):
        update(cli, progress=progress)
    assert cli("undo", "-y").exit_code == 0
    assert [e.seq for e in entries(data_dir)] == [2, 1]
    update(cli, progress="25")
    assert [e.seq for e in entries(data_dir)] == [3, 2, 1]


def test_failure_on_the_second_file_puts_the_first_back(cli, data_dir, monkeypatch):
    update(cli, progress="30")
    before = snapshot(data_dir)
    real_replace = os.replace

    def index_disk_full(src, dst, *args, **kwargs):
        if str(dst).endswith("index.toml"):
            raise OSError(28, "No space left on device")
        return real_replace(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", index_disk_full)
    result = cli("goals", "update", "1.1", "--progress", "40", "--date", "2024-05-21", "--note", "x")
    assert result.exit_code == 1 and "磁盘空间不足" in result.stderr and "数据未作任何修改" in result.stderr
    assert snapshot(data_dir) == before  # month file restored, journal entry dropped
    monkeypatch.setattr(os, "replace", real_replace)
    assert cli("check").exit_code == 0


def test_interrupted_entry_is_marked_and_undoable(cli, data_dir):
    """A writer killed after journaling but before writing: log says so, undo copes."""
    update(cli, progress="30")
    start = snapshot(data_dir)
    d = store.DataDir(data_dir)
    with store.locked(d, "测试员"):
        plan = store.load_plan(d)
        changes = [journal._pending(d, d.month_file(2024, 5), b"schema = 1\n")]
        journal._write_entry(
            d, changes, store.Author("测试员"), "被中断的写入"
        )  # journaled, then "killed": no data write, no done mark
    assert "写入时被中断" in cli("log").stdout
    assert cli("undo", "--yes").exit_code == 0
    assert snapshot(data_dir) == start
    assert store.load_plan(d) == plan


def test_log_and_undo_with_no_history(cli):
    assert cli("log").stdout.strip() == "还没有修改记录。"
    result = cli("undo", "--yes")
    assert result.exit_code == 2 and "没有可撤销的修改" in result.stderr


@pytest.mark.parametrize("command", [("log", "--help"), ("undo", "--help")])
def test_help_is_chinese(cli, command):
    result = cli(*command)
    assert result.exit_code == 0 and "用法" in result.stdout


def test_undo_leaves_an_index_that_matches_the_month_files(cli, data_dir):
    for progress, day in (("20", "2024-05-10"), ("30", "2024-05-20")):
        assert cli("goals", "update", "1.1", "-p", progress, "-d", day).exit_code == 0
    assert cli("undo", "--yes").exit_code == 0
    d = store.DataDir(data_dir)
    saved = tomllib.loads(d.index_file.read_text(encoding="utf-8"))
    assert saved["files"] == index.file_stamps(d)  # reads answer from the index, no full rebuild
    assert {r["task"]: r["progress"] for r in saved["records"]} == {"1.1": 20}
