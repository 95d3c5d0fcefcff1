"""The use cases and their rules, called directly: no Typer, no subprocess (but the race test)."""

from __future__ import annotations

import json
import subprocess
import tomllib
from datetime import date, datetime, timedelta, timezone
from itertools import pairwise
from pathlib import Path

import pytest

from anmin_track import actions, model, store
from anmin_track.errors import InputError
from conftest import ANMIN, snapshot

NOW = datetime(2024, 6, 15, 9, 0, tzinfo=timezone(timedelta(hours=8)))
AUTHOR = store.Author("李明", "测试")


@pytest.fixture
def data(data_dir: Path) -> store.DataDir:
    return store.DataDir(data_dir)


def progress(data, task: str, value: int, day: date, note: str = "", now: datetime = NOW) -> actions.Recorded:
    return actions.record_progress(data, actions.ProgressRequest(task, value, day, note=note), AUTHOR, now)


def test_record_day_rules():
    task = model.Task(id="1.1", goal_id="1", title="t", start=date(2024, 3, 1), due=date(2024, 6, 30))
    today = date(2024, 7, 10)
    assert actions.check_record_day(task, date(2024, 5, 1), today) is False
    assert actions.check_record_day(task, date(2024, 7, 1), today) is True  # late, accepted
    with pytest.raises(InputError, match="未来"):
        actions.check_record_day(task, date(2024, 7, 11), today)
    with pytest.raises(InputError, match="早于任务 1.1 的开始日期"):
        actions.check_record_day(task, date(2024, 2, 29), today)


def test_progress_may_fall_only_with_a_note():
    task = model.Task("1.1", "1", "任务")
    before = model.Record(task="1.1", date=date(2024, 5, 1), progress=60, by="x", at=NOW)
    actions.check_progress_drop(None, 10, "", task)
    actions.check_progress_drop(before, 60, "", task)
    actions.check_progress_drop(before, 50, "返工", task)
    with pytest.raises(InputError, match="进度回退时必须说明原因") as raised:
        actions.check_progress_drop(before, 50, "  ", task)
    assert raised.value.options == ("note",)


def test_a_carried_task_starts_from_where_it_stood():
    """Before its first record of the new year, a task carried over at 80% falls only with a note."""
    carried = model.Task("1.1", "1", "任务", carried_from="2024:1.1", carried_progress=80)
    actions.check_progress_drop(None, 80, "", carried)
    actions.check_progress_drop(None, 85, "", carried)
    with pytest.raises(InputError, match="结转时的进度 80%") as raised:
        actions.check_progress_drop(None, 60, "", carried)
    assert raised.value.options == ("note",)
    actions.check_progress_drop(None, 60, "重新立项", carried)
    later = model.Record(task="1.1", date=date(2025, 5, 1), progress=70, by="x", at=NOW)
    actions.check_progress_drop(later, 70, "", carried)  # a record of its own: compared with that


def test_record_progress_stores_and_reports_status(data):
    done = progress(data, "1.2", 45, date(2024, 5, 28), note="完成展陈方案")
    assert done.task.id == "1.2" and not done.late
    assert done.record.by == "李明" and done.status.progress == 45
    assert store.latest_records(data, store.load_plan(data), date(2024, 5, 31))["1.2"].note == "完成展陈方案"
    entry = store.history(data)[0]
    assert entry.who == "李明" and entry.command == "测试" and "记录 1.2 进度 45%" in entry.summary


def test_a_drop_is_checked_against_the_record_of_that_day(data):
    progress(data, "1.1", 80, date(2024, 5, 20), note="升")
    before = snapshot(data.path)
    with pytest.raises(InputError, match="低于上次记录的 80%"):
        progress(data, "1.1", 50, date(2024, 5, 21))
    assert snapshot(data.path) == before
    progress(data, "1.1", 50, date(2024, 5, 10))  # earlier day: nothing recorded before it, no drop


def test_claim_needs_force_to_take_a_task_from_its_owner(data):
    first = actions.claim_task(data, "1.2", "王芳", False, AUTHOR)
    assert first.previous_owner == "" and first.task.owner == "王芳"
    with pytest.raises(InputError, match="已由 王芳 负责"):
        actions.claim_task(data, "1.2", "李明", False, AUTHOR)
    assert actions.claim_task(data, "1.2", "李明", True, AUTHOR).previous_owner == "王芳"
    assert store.load_plan(data).task("1.2").owner == "李明"
    assert store.history(data)[0].summary == "认领 1.2（李明）"


def test_a_task_with_records_cannot_be_removed(data):
    progress(data, "1.3", 10, date(2024, 5, 1))
    with pytest.raises(InputError, match="已有 1 条进展记录，不能删除"):
        actions.remove_task(data, "1.3", AUTHOR)
    assert actions.remove_task(data, "1.4", AUTHOR).id == "1.4"
    assert store.load_plan(data).task("1.4") is None


def test_close_only_at_100_percent_once_and_not_in_the_future(data):
    today = NOW.date()
    with pytest.raises(InputError, match="进度为 0%"):
        actions.close_task(data, "3.1", "审核", date(2024, 6, 1), AUTHOR, today)
    with pytest.raises(InputError, match="不能提前销号"):
        actions.close_task(data, "3.1", "审核", today + timedelta(days=1), AUTHOR, today)
    with pytest.raises(InputError, match="审核意见"):
        actions.close_task(data, "3.1", " ", date(2024, 6, 1), AUTHOR, today)
    progress(data, "3.1", 100, date(2024, 6, 1))
    closed = actions.close_task(data, "3.1", "审核", date(2024, 6, 2), AUTHOR, today)
    assert closed.closed == date(2024, 6, 2) and closed.closed_by == "李明"
    with pytest.raises(InputError, match="已于2024年6月2日销号"):
        actions.close_task(data, "3.1", "审核", date(2024, 6, 2), AUTHOR, today)
    with pytest.raises(InputError, match="已于2024年6月2日销号"):
        progress(data, "3.1", 100, date(2024, 6, 3))
    assert actions.reopen_task(data, "3.1", AUTHOR).closed is None
    with pytest.raises(InputError, match="未销号"):
        actions.reopen_task(data, "3.1", AUTHOR)


def test_a_goal_can_only_change_its_title(data):
    with pytest.raises(InputError, match="只能修改标题") as raised:
        actions.edit_item(data, "1", {"lead": "张书记"}, AUTHOR)
    assert raised.value.options == ("title",)
    edited = actions.edit_item(data, "1", {"title": "新标题"}, AUTHOR)
    assert edited.changes == (("标题", "深化转型升级,加速产业发展融合提档", "新标题"),)
    with pytest.raises(InputError, match="没有要修改的内容"):
        actions.edit_item(data, "1.2", {}, AUTHOR)


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_plan_commands_keep_hand_written_comments(data):
    text = data.plan_file.read_text(encoding="utf-8")
    text = text.replace("[[goals]]", "# 乡党委会议2024年2月确定\n[[goals]]", 1)
    text = text.replace('title = "高标准建设红色教育基地"', 'title = "高标准建设红色教育基地"  # 文化站牵头', 1)
    data.plan_file.write_text(text, encoding="utf-8")
    actions.claim_task(data, "1.2", "王芳", False, AUTHOR)
    actions.edit_item(data, "1.2", {"unit": "乡文化站", "due": date(2024, 10, 31)}, AUTHOR)
    added = actions.add_task(data, "4", {"title": "开展村级后备干部培训"}, AUTHOR)
    actions.set_milestone(data, "1.2", date(2024, 6, 30), 50, AUTHOR)
    after = data.plan_file.read_text(encoding="utf-8")
    assert "# 乡党委会议2024年2月确定" in after and "# 文化站牵头" in after
    plan = store.load_plan(data)
    assert plan.task("1.2").unit == "乡文化站" and plan.task("1.2").owner == "王芳"
    assert plan.task(added.id).title == "开展村级后备干部培训"
    assert plan.task("1.2").milestones == (model.Milestone(date(2024, 6, 30), 50),)
    assert tomllib.loads(after)["schema"] == tomllib.loads(text)["schema"]  # edits keep the version


def test_undo_refuses_when_a_newer_change_came_in_between(data):
    progress(data, "1.1", 10, date(2024, 5, 1))
    shown = actions.undo_candidate(data)
    progress(data, "1.1", 20, date(2024, 5, 2))
    with pytest.raises(Exception, match="又有新的修改"):
        actions.undo_entry(data, shown, AUTHOR)


# --------------------------------------------------------------------------- through the CLI


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_json_report_with_a_missed_milestone(cli, data_dir):
    assert cli("goals", "milestone", "1.2", "2024-04-15", "50").exit_code == 0
    assert cli("goals", "update", "1.2", "-p", "20", "-d", "2024-04-10").exit_code == 0
    result = cli("report", "monthly", "2024-04", "--format", "json")
    assert result.exit_code == 0, result.stderr
    task = next(t for g in json.loads(result.stdout)["goals"] for t in g["tasks"] if t["id"] == "1.2")
    assert task["missed"] == {"date": "2024-04-15", "percent": 50}


@pytest.mark.parametrize(
    "args",
    [
        ["goals", "show", "1.2", "--as-of", "2024-05-31", "--debug"],
        ["--debug", "goals", "show", "1.2", "--as-of", "2024-05-31"],
    ],
)
def test_debug_is_accepted_anywhere(anmin, args):
    result = anmin(*args)
    assert result.returncode == 0 and "1.2" in result.stdout and not result.stderr


@pytest.mark.slow
def test_concurrent_updates_never_record_a_drop_without_a_note(data_dir):
    """Two real processes race: `80 --note 升` and `50` without a note. Whichever order the
    lock gives them, the record that falls below the other must carry a note."""
    drops = 0
    for attempt in range(10):
        folder = data_dir.parent / f"race{attempt}"
        store.init_data_dir(folder)
        env = {"ANMIN_DATA": str(folder), "ANMIN_USER": "测试员", "PATH": "/usr/bin:/bin"}
        common = ["goals", "update", "1.1", "--date", "2024-05-20"]
        rising = subprocess.Popen([str(ANMIN), *common, "-p", "80", "--note", "升"], env=env, stderr=subprocess.PIPE)
        silent = subprocess.Popen([str(ANMIN), *common, "-p", "50"], env=env, stderr=subprocess.PIPE)
        rising.communicate(timeout=60)
        silent.communicate(timeout=60)
        month = tomllib.loads((folder / "progress" / "2024-05.toml").read_text(encoding="utf-8"))
        records = sorted(month["records"], key=lambda r: r["at"])
        drops += sum(1 for a, b in pairwise(records) if b["progress"] < a["progress"] and not b["note"])
        assert silent.returncode in (0, 2) and rising.returncode == 0
    assert drops == 0


def test_a_record_written_after_another_sorts_after_it_whatever_its_clock_said(data):
    """The race behind the drop test above, made certain: a writer read its clock (9:00), another took the lock first and
    recorded 50% at 9:05; the first then records 80%. It must be the latest (its time just after 9:05), not a record
    'before' the 50 that would leave 50 as the latest with no note for the fall."""
    later = datetime(2024, 5, 20, 9, 5).astimezone()
    earlier = datetime(2024, 5, 20, 9, 0).astimezone()
    actions.record_progress(data, actions.ProgressRequest("1.1", 50, date(2024, 5, 20)), AUTHOR, later)
    done = actions.record_progress(data, actions.ProgressRequest("1.1", 80, date(2024, 5, 20), "升"), AUTHOR, earlier)
    assert done.record.at > later
    latest = store.latest_records(data, store.load_plan(data), date(2024, 5, 31))["1.1"]
    assert latest.progress == 80 and actions.record_time(None, earlier) == earlier
