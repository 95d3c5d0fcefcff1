"""Records and what they show: likely repeats, amend and retract, latest values, copies of the folder."""

from __future__ import annotations

import csv
import io
import json
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from anmin_track import actions, assess, model, store
from anmin_track.errors import InputError, RepeatError
from anmin_track.store import index as store_index
from conftest import snapshot

CST = timezone(timedelta(hours=8))
METRIC = "基本完工子项目"  # task 2.1's metric in the bundled plan, unit 个


def update(cli, task, progress, day, *extra):
    result = cli("goals", "update", task, "--progress", str(progress), "--date", day, *extra)
    assert result.exit_code == 0, result.output
    return result


def rec(task, day, progress, hour=9, **fields):
    at = datetime(day.year, day.month, day.day, hour, tzinfo=CST)
    return model.Record(task=task, date=day, progress=progress, by="陈小红", at=at, **fields)


def index_facts(index: store_index.Index) -> tuple:
    return index.latest, index.earlier, {tid: v for tid, v in index.values.items() if v != model.NO_VALUES}


def assert_index_is_rebuildable(data_dir: Path) -> None:
    """The saved index says what a rebuild from the month files says."""
    plan = store.load_plan(store.DataDir(data_dir))
    data = store.DataDir(data_dir)
    saved = store_index.saved_index(data, store_index.file_stamps(data))
    assert saved is not None, "the index no longer matches the files"
    assert index_facts(saved) == index_facts(store.rebuild_index(data, plan))


# --------------------------------------------------------------------------- rules, fast


def test_latest_values_keep_what_a_later_record_leaves_empty():
    first = rec("2.1", date(2024, 5, 6), 10, problem="资金未到位", next="跟进", metrics={METRIC: 10})
    later = rec("2.1", date(2024, 5, 8), 20, note="只写了进展")
    cleared = rec("2.1", date(2024, 5, 9), 30, problem="已解决。")
    values = assess.latest_values([later, first], date(2024, 5, 31))["2.1"]
    assert (values.open_problem, values.next, values.metrics) == (first, first, {METRIC: first})
    values = assess.latest_values([later, cleared, first], date(2024, 5, 31))["2.1"]
    assert values.problem == cleared and values.open_problem is None and values.next == first
    assert assess.latest_values([first, later], date(2024, 5, 5)) == {}
    same_day = rec("2.1", date(2024, 5, 6), 12, hour=15, metrics={METRIC: 11})
    assert assess.latest_values([same_day, first], date(2024, 5, 6))["2.1"].metrics == {METRIC: same_day}


def test_a_repeat_is_what_the_record_says_not_who_or_when():
    latest = rec("2.1", date(2024, 5, 6), 10, note="甲", metrics={METRIC: 3})
    with pytest.raises(RepeatError, match="像是重复提交") as raised:
        actions.check_not_repeat(latest, rec("2.1", date(2024, 5, 6), 10, hour=11, note="甲", metrics={METRIC: 3}))
    assert raised.value.exit_code == 1 and "2024年5月6日 09:00" in str(raised.value)
    assert raised.value.options == ("again",)
    for differs in ({"note": "乙"}, {"metrics": {METRIC: 4}}, {"problem": "有"}, {"next": "下步"}):
        actions.check_not_repeat(latest, rec("2.1", date(2024, 5, 6), 10, **({"note": "甲"} | differs)))
    actions.check_not_repeat(latest, rec("2.1", date(2024, 5, 7), 10, note="甲", metrics={METRIC: 3}))
    actions.check_not_repeat(None, latest)


# --------------------------------------------------------------------------- likely repeat, through the CLI


def test_the_same_update_twice_is_refused_and_again_records_it(cli, data_dir):
    args = ("2.1", 30, "2024-05-08", "--note", "完成主体", "--metric", f"{METRIC}=5")
    update(cli, *args)
    before = snapshot(data_dir)
    result = cli(
        "goals", "update", "2.1", "--progress", "30", "--date", "2024-05-08", "--note", "完成主体", "-m", f"{METRIC}=5"
    )
    assert result.exit_code == 1
    message = result.stderr.strip()
    today = date.today()
    assert f"{today.year}年{today.month}月{today.day}日" in message  # when the first one was recorded
    assert "重复" in message and "--again" in message
    assert len(message.splitlines()) == 1 and snapshot(data_dir) == before
    update(cli, *args, "--again")
    shown = json.loads(cli("goals", "show", "2.1", "--json").stdout)
    assert [r["progress"] for r in shown["history"]] == [30, 30]
    checked = cli("check")  # an --again record has its own `at`: not a pasted copy
    assert checked.exit_code == 0 and "2 条进展记录" in checked.stdout, checked.output
    update(cli, "2.1", 30, "2024-05-08", "--note", "完成主体")  # without the metric: not the same


# --------------------------------------------------------------------------- amend and retract


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_amend_corrects_the_latest_record_and_undo_restores_it(cli, data_dir):
    update(cli, "2.1", 40, "2024-05-06", "--note", "开工", "--problem", "资金未到位")
    update(cli, "2.1", 50, "2024-05-08", "--note", "主体完工")
    result = cli("goals", "amend", "2.1", "--progress", "45", "--metric", f"{METRIC}=6")
    assert result.exit_code == 0, result.output
    assert "2024年5月8日的进展记录" in result.stdout and "进度 50% → 45%" in result.stdout
    shown = json.loads(cli("goals", "show", "2.1", "--json").stdout)
    newest = shown["history"][0]
    assert (newest["date"], newest["progress"], newest["note"], newest["metrics"]) == (
        "2024-05-08",
        45,
        "主体完工",
        {METRIC: 6},
    )
    assert len(shown["history"]) == 2 and shown["task"]["progress"] == 45
    log = cli("log").stdout
    assert "更正 2.1 2024年5月8日的进展记录" in log
    assert_index_is_rebuildable(data_dir)
    assert cli("undo", "--yes").exit_code == 0
    shown = json.loads(cli("goals", "show", "2.1", "--json").stdout)
    assert shown["history"][0]["progress"] == 50 and shown["task"]["metrics"][0]["latest"] is None
    assert_index_is_rebuildable(data_dir)


def test_amend_keeps_the_rules_of_a_new_record(cli, data_dir):
    update(cli, "2.1", 40, "2024-05-06", "--note", "开工")
    update(cli, "2.1", 50, "2024-05-08")
    before = snapshot(data_dir)
    dropped = cli("goals", "amend", "2.1", "--progress", "30")  # below the record before it, without a note
    assert dropped.exit_code == 2 and "--note" in dropped.stderr and snapshot(data_dir) == before
    assert cli("goals", "amend", "2.1", "--progress", "30", "--note", "返工").exit_code == 0
    nothing = cli("goals", "amend", "2.1")
    assert nothing.exit_code == 2 and "--progress" in nothing.stderr
    missing = cli("goals", "amend", "2.1", "--date", "2024-05-07", "--note", "x")
    assert missing.exit_code == 2 and "2024年5月7日没有进展记录" in missing.stderr
    bad_metric = cli("goals", "amend", "2.1", "--metric", "不存在=1")
    assert bad_metric.exit_code == 2


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_retract_in_an_older_month_keeps_the_index_right(cli, data_dir):
    update(cli, "2.1", 20, "2024-04-10", "--problem", "四月的问题", "--metric", f"{METRIC}=2")
    update(cli, "2.1", 30, "2024-04-20", "--problem", "四月下旬的问题", "--metric", f"{METRIC}=3")
    update(cli, "2.1", 40, "2024-05-06", "--note", "五月")
    result = cli("goals", "retract", "2.1", "--date", "2024-04-20")
    assert result.exit_code == 0, result.output
    assert "已撤回" in result.stdout and "2024年4月20日" in result.stdout
    assert_index_is_rebuildable(data_dir)
    task = json.loads(cli("goals", "show", "2.1", "--json").stdout)["task"]
    assert task["problem"] == {"text": "四月的问题", "date": "2024-04-10"}
    assert (task["metrics"][0]["latest"], task["metrics"][0]["latest_date"]) == (2, "2024-04-10")
    assert "撤回 2.1 2024年4月20日的进展记录" in cli("log").stdout
    # the latest record too, then the only one of its month
    assert cli("goals", "retract", "2.1").exit_code == 0
    assert_index_is_rebuildable(data_dir)
    report = json.loads(cli("goals", "show", "2.1", "--json", "--as-of", "2024-05-31").stdout)
    assert report["task"]["progress"] == 20 and report["task"]["last_update"] == "2024-04-10"
    assert cli("check").exit_code == 0
    assert cli("undo", "--yes").exit_code == 0 and cli("undo", "--yes").exit_code == 0
    assert json.loads(cli("goals", "show", "2.1", "--json").stdout)["task"]["progress"] == 40
    assert_index_is_rebuildable(data_dir)


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_amend_and_retract_refuse_a_closed_task(cli, data_dir):
    update(cli, "2.1", 100, "2024-05-06", "--note", "完成")
    assert cli("goals", "close", "2.1", "--note", "经核验", "--date", "2024-05-07").exit_code == 0
    for args in (("amend", "2.1", "--note", "改"), ("retract", "2.1")):
        result = cli("goals", *args)
        assert result.exit_code == 2 and "销号" in result.stderr, result.output


@pytest.mark.slow
def test_index_facts_survive_random_amends_and_retracts(data_dir):
    """Whatever the order of records and corrections, the saved index equals a rebuild."""
    import random

    data, author = store.DataDir(data_dir), store.Author("测试员")
    rng = random.Random(11)
    days = [date(2024, m, d) for m in (3, 4, 5) for d in (3, 17)]
    for n in range(24):
        day = rng.choice(days)
        fields = {"problem": rng.choice(["", "缺资金", "无"]), "next": rng.choice(["", "推进"])}
        task = rng.choice(["2.1", "2.2"])
        metrics = {METRIC: n} if task == "2.1" and rng.random() < 0.5 else {}
        at = datetime(2024, 6, 1, 8, tzinfo=CST) + timedelta(minutes=n)
        store.add_record(data, model.Record(task, day, n * 4, "测试员", at, metrics=metrics, **fields), author)
    done = 0
    for step in range(16):
        task, day = rng.choice(["2.1", "2.2"]), rng.choice([None, *days])
        try:
            if step % 2:
                actions.retract_record(data, task, day, author)
            else:
                fix = actions.Correction(task, day, problem=rng.choice(["", "新问题", "已解决"]), note="改")
                actions.amend_record(data, fix, author, date(2026, 1, 1))
        except InputError:
            continue  # no record that day
        done += 1
        assert_index_is_rebuildable(data_dir)
    assert done >= 8


# --------------------------------------------------------------------------- latest values in show and export


def test_show_and_export_keep_the_latest_metric_problem_and_next(cli, data_dir, tmp_path):
    update(cli, "2.1", 30, "2024-05-06", "--problem", "资金未到位", "--next", "争取专项资金", "-m", f"{METRIC}=10")
    update(cli, "2.1", 40, "2024-05-08", "--note", "主体完工")
    shown = cli("goals", "show", "2.1")
    assert shown.exit_code == 0
    assert "最新 10个（2024年5月6日）" in shown.stdout and "暂无" not in shown.stdout.split("进展记录")[0]
    assert "资金未到位（2024年5月6日）" in shown.stdout and "争取专项资金（2024年5月6日）" in shown.stdout
    out = tmp_path / "台账.csv"
    assert cli("export", "-o", str(out), "--as-of", "2024-05-31").exit_code == 0
    rows = {r["序号"]: r for r in csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig")))}
    row = rows['="2.1"']
    assert (row["最新进展"], row["更新日期"]) == ("主体完工", "2024年5月8日")
    assert row["存在问题"] == "资金未到位（2024年5月6日）" and row["下步计划"] == "争取专项资金（2024年5月6日）"
    assert row["指标"] == f"{METRIC} 10个（2024年5月6日）"
    # as of a day before the later record, the values are that day's (read from the month, not the index)
    assert cli("export", "-o", str(out), "--as-of", "2024-05-06").exit_code == 0
    row = {r["序号"]: r for r in csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig")))}['="2.1"']
    assert (row["存在问题"], row["指标"]) == ("资金未到位", f"{METRIC} 10个")
    update(cli, "2.1", 45, "2024-05-09", "--problem", "无")  # a solved problem is no longer listed
    task = json.loads(cli("goals", "show", "2.1", "--json").stdout)["task"]
    assert task["problem"] is None and task["next"] == {"text": "争取专项资金", "date": "2024-05-06"}


# --------------------------------------------------------------------------- a folder restored from a copy


def test_a_copied_folder_is_no_hand_edit_but_an_edit_still_is(cli, data_dir, tmp_path, monkeypatch):
    update(cli, "2.1", 30, "2024-04-06", "--note", "四月")
    update(cli, "2.1", 40, "2024-05-06", "--note", "五月")
    copy = tmp_path / "restored"
    shutil.copytree(data_dir, copy, copy_function=shutil.copy)  # content only: every file gets a new time
    monkeypatch.setenv(store.DATA_ENV, str(copy))
    old = (copy / "progress" / "index.toml").read_text(encoding="utf-8")
    listed = cli("goals", "list", "--as-of", "2024-05-31")
    assert listed.exit_code == 0 and listed.stderr == "", listed.stderr
    assert (copy / "progress" / "index.toml").read_text(encoding="utf-8") != old  # the new times are noted
    assert_index_is_rebuildable(copy)
    month = copy / "progress" / "2024-05.toml"
    month.write_text(month.read_text(encoding="utf-8").split("[[records]]")[0], encoding="utf-8")
    warned = cli("goals", "list")
    assert "2024-05.toml" in warned.stderr and "anmin check" in warned.stderr, warned.output


def test_an_index_from_before_the_latest_values_is_replaced(cli, data_dir):
    update(cli, "2.1", 30, "2024-05-06", "--problem", "资金未到位")
    update(cli, "2.1", 40, "2024-05-08")
    path = data_dir / "progress" / "index.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("values")), encoding="utf-8")
    assert cli("goals", "list").exit_code == 0
    assert "values" in path.read_text(encoding="utf-8")
    assert_index_is_rebuildable(data_dir)
