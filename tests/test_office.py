"""Fitting the office: plan editing, 认领, 时间节点, 销号, the exported 台账 and completion."""

import csv
import io
import json
import re
from datetime import date, datetime, timedelta

import pytest
import typer
from hypothesis import given
from hypothesis import strategies as st

from anmin_track import assess, model, store
from anmin_track.cli import app
from anmin_track.cli.common import complete_goal_id, complete_item_id, complete_task_id
from anmin_track.errors import InputError, ReadOnlyError, WriteError
from anmin_track.output.export import EXPORTED_HEADERS, HEADERS
from anmin_track.output.ledger_xlsx import LEDGER_COLUMNS
from anmin_track.store import plan_file
from anmin_track.text import cn_date, display_width
from conftest import snapshot

CJK = re.compile(r"[\u4e00-\u9fff]")


def task_json(cli, task_id, as_of="2024-05-31"):
    result = cli("goals", "show", task_id, "--json", "--as-of", as_of)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["task"]


def update(cli, task_id, progress, day="2024-05-20", *extra):
    result = cli("goals", "update", task_id, "--progress", str(progress), "--date", day, *extra)
    assert result.exit_code == 0, result.output
    return result


def refused(cli, data_dir, args, code, words):
    """Run a command that must fail: one Chinese line, the exit code, and no file changed."""
    before = snapshot(data_dir)
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert result.stderr.startswith("错误：") and words in result.stderr, result.stderr
    assert "Traceback" not in result.output
    assert snapshot(data_dir) == before
    return result


# --------------------------------------------------------------------------- 序时进度 with milestones


START, DUE = date(2024, 1, 1), date(2024, 12, 31)
JUNE_30 = model.Milestone(date(2024, 6, 30), 50)


def test_milestones_move_the_expected_progress():
    assert assess.expected_progress(START, DUE, date(2024, 6, 30), [JUNE_30]) == 50
    assert assess.expected_progress(START, DUE, date(2023, 12, 31), [JUNE_30]) == 0
    assert assess.expected_progress(START, DUE, DUE, [JUNE_30]) == 100
    # halfway through the days after the milestone is halfway from 50 to 100
    after = assess.expected_progress(START, DUE, date(2024, 9, 30), [JUNE_30])
    assert after == pytest.approx(50 + 50 * 92 / 184)
    # a late-loaded plan: 10% by the end of June, then the rest
    slow = assess.expected_progress(START, DUE, date(2024, 3, 31), [model.Milestone(date(2024, 6, 30), 10)])
    assert slow == pytest.approx(10 * 91 / 182)


@given(
    st.lists(st.tuples(st.integers(0, 364), st.integers(0, 100)), max_size=5, unique_by=lambda p: p[0]),
    st.integers(-5, 370),
)
def test_expected_progress_is_monotone_and_bounded(points, offset):
    percents = sorted(p for _, p in points)
    days = sorted(d for d, _ in points)
    milestones = [
        model.Milestone(START + timedelta(d), 100 if d == 365 else p) for d, p in zip(days, percents, strict=True)
    ]
    day = START + timedelta(offset)
    today = assess.expected_progress(START, DUE, day, milestones)
    tomorrow = assess.expected_progress(START, DUE, day + timedelta(1), milestones)
    assert 0 <= today <= tomorrow <= 100
    for m in milestones:
        assert assess.expected_progress(START, DUE, m.date, milestones) == pytest.approx(m.percent)


@given(st.integers(-3, 370))
def test_without_milestones_it_is_the_straight_line(offset):
    day = START + timedelta(offset)
    straight = 0 if day < START else 100 if day >= DUE else 100 * ((day - START).days + 1) / 366
    assert assess.expected_progress(START, DUE, day) == pytest.approx(straight)


def test_a_missed_milestone_is_at_least_yellow():
    task = model.Task("1.1", "1", "任务", milestones=(JUNE_30,))
    record = model.Record("1.1", date(2024, 7, 1), 46, "张三", datetime(2024, 7, 1, 9))
    settings = model.Settings()
    on_the_day = assess.task_status(task, record, date(2024, 6, 30), settings)
    assert on_the_day.missed is None and on_the_day.light == model.GREEN  # the day is not over yet
    after = assess.task_status(task, record, date(2024, 7, 2), settings)
    assert after.behind < settings.yellow_behind  # interpolation alone would say green
    assert after.missed == JUNE_30 and after.light == model.YELLOW
    reached = assess.task_status(task, record._replace(progress=50), date(2024, 7, 2), settings)
    assert reached.missed is None and reached.light == model.GREEN


def test_closed_is_shown_only_once_done_and_signed_off():
    task = model.Task("1.1", "1", "任务", closed=date(2024, 9, 1), closed_note="经核验")
    done = model.Record("1.1", date(2024, 8, 20), 100, "张三", datetime(2024, 8, 20, 9))
    settings = model.Settings()
    assert assess.task_status(task, done, date(2024, 8, 31), settings).label == "已完成"
    after = assess.task_status(task, done, date(2024, 9, 1), settings)
    assert after.closed and after.light == model.DONE and after.label == "已销号"


# --------------------------------------------------------------------------- goals.toml round trip


def test_plan_round_trip_is_lossless(data_dir):
    data = store.DataDir(data_dir)
    plan = store.load_plan(data)
    task = plan.task("3.5")
    richer = model.with_task(
        plan,
        task._replace(
            **{
                "lead": "张书记",
                "partners": ("乡司法所", "派出所"),
                "weight": 1.5,
                "milestones": (JUNE_30, model.Milestone(date(2024, 9, 30), 80)),
                "closed": date(2024, 12, 1),
                "closed_note": '经核验 "合格"\n第二行',
                "closed_by": "王芳",
            }
        ),
    )
    first = store.dump_plan(richer)
    again, problems = store.plan_from_toml(first.decode("utf-8"), "goals.toml")
    assert problems == [] and again == richer
    assert store.dump_plan(again) == first
    assert first.decode("utf-8").startswith("# ") and "[[goals.tasks.milestones]]" in first.decode("utf-8")
    # the shipped plan survives unchanged in meaning
    assert store.plan_from_toml(store.dump_plan(plan).decode("utf-8"), "x")[0] == plan


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_change_plan_refuses_invalid_plans_and_waits_for_the_lock(data_dir, monkeypatch):
    data = store.DataDir(data_dir)
    before = snapshot(data_dir)

    def bad_due(plan):
        task = plan.task("2.2")
        return model.with_task(plan, task._replace(due=date(2023, 1, 1)))

    def replace_plan(data, edit):
        with store.transaction(data, store.Author("测试员")) as tx:
            tx.replace_plan(edit(tx.plan), "测试")

    with pytest.raises(InputError, match="截止日期 2023-01-01 早于开始日期"):
        replace_plan(data, bad_due)
    assert snapshot(data_dir) == before
    monkeypatch.setenv(store.LOCK_TIMEOUT_ENV, "0.2")
    with store.locked(data, "另一位同事"), pytest.raises(WriteError, match="另一位同事"):
        replace_plan(data, lambda plan: plan)
    with pytest.raises(ReadOnlyError, match="自带的2024年计划（只读）"):
        replace_plan(store.DataDir(store.bundled_plan_file().parent, bundled=True), lambda p: p)


def test_unchanged_plan_keeps_hand_written_comments(cli, data_dir):
    original = (data_dir / "goals.toml").read_bytes()
    assert cli("goals", "edit", "1.1", "--weight", "1").exit_code == 0
    assert (data_dir / "goals.toml").read_bytes() == original
    assert cli("goals", "edit", "1.1", "--weight", "2").exit_code == 0
    assert (data_dir / "goals.toml").read_bytes() != original


MILESTONE_PROBLEMS = [
    ("2025-01-31", 80, "不在任务起止日期"),
    ("2024-12-31", 90, "截止日即应完成"),
    ("2024-09-30", 101, "超出范围"),
    ("2024-09-30", 60, "不能下降"),
    ("2024-06-30", 80, "逐个递增且不重复"),
    ("2024-05-31", 80, "逐个递增且不重复"),
]


@pytest.mark.parametrize(("day", "percent", "words"), MILESTONE_PROBLEMS)
def test_milestone_problems_name_the_line(data_dir, day, percent, words):
    text = (data_dir / "goals.toml").read_text(encoding="utf-8")
    first = "\n[[goals.tasks.milestones]]\ndate = 2024-06-30\npercent = 70\n"
    second = f"\n[[goals.tasks.milestones]]\ndate = {day}\npercent = {percent}\n"
    marker = '\n[[goals.tasks]]\nid = "1.2"'
    text = text.replace(marker, first + second + marker)
    (data_dir / "goals.toml").write_text(text, encoding="utf-8")
    problems = plan_file.check_plan(store.DataDir(data_dir))[1]
    assert len(problems) == 1 and words in problems[0].message
    line = text.splitlines()[problems[0].line - 1]
    assert line == (f"percent = {percent}" if words in ("超出范围", "不能下降") else f"date = {day}")


# --------------------------------------------------------------------------- edit / claim / add / remove


def test_edit_changes_plan_fields(cli, data_dir):
    result = cli(
        "goals", "edit", "1.1", "--lead", "张书记", "--unit", "乡文化站", "--partners", "乡财政所、派出所",
        "--start", "2024-02-01", "--due", "2024年10月31日", "--weight", "2",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "牵头领导 （空） → 张书记" in result.stdout and "完成时限 2024年12月31日 → 2024年10月31日" in result.stdout
    task = task_json(cli, "1.1")
    assert (task["lead"], task["unit"], task["partners"]) == ("张书记", "乡文化站", ["乡财政所", "派出所"])
    assert (task["start"], task["due"], task["weight"]) == ("2024-02-01", "2024-10-31", 2)
    goal = cli("goals", "edit", "4", "--title", "细化干部管育")
    assert goal.exit_code == 0 and "细化干部管育" in cli("goals", "list").stdout
    assert cli("check").exit_code == 0
    # the file keeps its own comments (rewritten in place, not regenerated)
    assert (data_dir / "goals.toml").read_text(encoding="utf-8").startswith("# 安民乡2024年工作思路要点")


BAD_EDITS = [
    (["goals", "edit", "9.9", "--lead", "张三"], 2, "没有编号为"),
    (["goals", "edit", "1.1", "--due", "2024-02-30"], 2, "不存在"),
    (["goals", "edit", "1.1", "--start", "下月"], 2, "无法识别"),
    (["goals", "edit", "1.1", "--due", "2023-12-01"], 2, "早于开始日期"),
    (["goals", "edit", "1.1", "--weight", "0"], 2, "大于 0"),
    (["goals", "edit", "1.1", "--title", " "], 2, "标题不能为空"),
    (["goals", "add", "1", "  "], 2, "标题不能为空"),
    (["goals", "add", "1", "新任务", "--weight", "很多"], 2, "--weight"),
    (["goals", "milestone", "8.8", "2024-06-30", "50"], 2, "没有编号为"),
    (["goals", "close", "8.8", "--note", "审核"], 2, "没有编号为"),
    (["goals", "reopen", "8.8"], 2, "没有编号为"),
    (["goals", "close", "1.1", "--note", "审核", "--date", "2099-01-01"], 2, "不能提前销号"),
    (["goals", "edit", "1.1"], 2, "没有要修改的内容"),
    (["goals", "edit", "1", "--owner", "张三"], 2, "只能修改标题（用 --title）。"),
    (["goals", "edit", "1.1", "--start", "2024-06-01"], 2, "与已有进展记录冲突"),
    (["goals", "claim", "7.1"], 2, "没有编号为"),
    (["goals", "add", "9", "新任务"], 2, "可选：1、2、3、4"),
    (["goals", "add", "1", "新任务", "--due", "2023-01-01"], 2, "早于开始日期"),
    (["goals", "remove", "1.1"], 2, "已有 1 条进展记录"),
    (["goals", "remove", "遗址"], 2, "准确的任务编号"),
    (["goals", "remove", "1"], 2, "是目标"),
    (["goals", "milestone", "1.1", "2025-03-01", "50"], 2, "不在任务起止日期"),
    (["goals", "milestone", "1.1", "2024-13-01", "50"], 2, "不存在"),
    (["goals", "milestone", "1.1", "2024-06-30", "120"], 2, "0 到 100"),
    (["goals", "milestone", "1.1", "2024-06-30"], 2, "缺少进度"),
    (["goals", "milestone", "1.1", "2024-06-30", "--remove"], 2, "没有时间节点"),
    (["goals", "close", "1.1", "--note", "审核通过"], 2, "完成（100%）后才能销号"),
    (["goals", "close", "1.2"], 2, "审核意见"),
    (["goals", "reopen", "1.1"], 2, "未销号"),
]


@pytest.mark.parametrize(("args", "code", "words"), BAD_EDITS)
def test_bad_plan_edits_change_nothing(cli, data_dir, args, code, words):
    update(cli, "1.1", 80, "2024-05-20")
    refused(cli, data_dir, args, code, words)


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_claim_defaults_to_anmin_user_and_protects_owners(cli, data_dir, monkeypatch):
    first = cli("goals", "claim", "2.3")
    assert first.exit_code == 0 and "责任人为 测试员" in first.stdout
    assert task_json(cli, "2.3")["owner"] == "测试员"
    before = snapshot(data_dir)
    again = cli("goals", "claim", "2.3")
    assert again.exit_code == 0 and "已是 测试员" in again.stdout
    assert snapshot(data_dir) == before  # nothing to change, nothing written
    monkeypatch.setenv("ANMIN_USER", "王芳")
    taken = refused(cli, data_dir, ["goals", "claim", "2.3"], 2, "已由 测试员 负责")
    assert "--force" in taken.stderr
    forced = cli("goals", "claim", "2.3", "--force")
    assert forced.exit_code == 0 and "由 测试员 改为 王芳" in forced.stdout
    assert cli("goals", "claim", "2.4", "--by", "李明").exit_code == 0
    assert task_json(cli, "2.4")["owner"] == "李明"
    listed = cli("goals", "list", "--owner", "王芳", "--json")
    assert [t["id"] for g in json.loads(listed.stdout)["goals"] for t in g["tasks"]] == ["2.3"]


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_add_takes_the_next_free_id_and_remove_undoes_it(cli, data_dir):
    added = cli("goals", "add", "4", "开展村级后备干部培训", "--start", "2024-07-01", "--owner", "李明")
    assert added.exit_code == 0, added.output
    assert "4.5" in added.stdout
    task = task_json(cli, "4.5", "2024-07-31")
    assert (task["title"], task["start"], task["due"], task["owner"]) == (
        "开展村级后备干部培训",
        "2024-07-01",
        "2024-12-31",
        "李明",
    )
    assert task["expected"] == pytest.approx(100 * 31 / 184, abs=0.05)
    assert cli("goals", "add", "4", "另一项").stdout.count("4.6") >= 1
    assert cli("goals", "remove", "4.6").exit_code == 0
    assert cli("goals", "remove", "4.5").exit_code == 0
    assert cli("check").stdout.startswith("检查通过：4 项重点工作，22 项重点任务")


# --------------------------------------------------------------------------- milestones through the CLI


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_milestone_drives_expected_progress_and_light(cli):
    update(cli, "1.2", 30, "2024-06-25")
    straight = task_json(cli, "1.2", "2024-06-30")
    assert straight["expected"] == pytest.approx(49.7, abs=0.05)
    set_ = cli("goals", "milestone", "1.2", "2024-06-30", "35%")
    assert set_.exit_code == 0 and "2024年6月30日 35%" in set_.stdout
    assert cli("goals", "milestone", "1.2", "2024-09-30", "80").exit_code == 0
    on_day = task_json(cli, "1.2", "2024-06-30")
    assert on_day["expected"] == 35 and on_day["light"] == "green"
    assert on_day["milestones"] == [{"date": "2024-06-30", "percent": 35}, {"date": "2024-09-30", "percent": 80}]
    missed = task_json(cli, "1.2", "2024-07-02")
    assert missed["missed_milestone"] == {"date": "2024-06-30", "percent": 35} and missed["light"] == "yellow"
    shown = cli("goals", "show", "1.2", "--as-of", "2024-07-02").stdout
    assert "时间节点" in shown and "2024年6月30日 35%（未达到）" in shown
    assert cli("goals", "milestone", "1.2", "2024-06-30", "--remove").exit_code == 0
    assert task_json(cli, "1.2", "2024-07-02")["missed_milestone"] is None


def test_milestone_percents_may_not_fall(cli, data_dir):
    assert cli("goals", "milestone", "1.3", "2024-06-30", "50").exit_code == 0
    refused(cli, data_dir, ["goals", "milestone", "1.3", "2024-09-30", "40"], 2, "不能下降")


# --------------------------------------------------------------------------- closing (销号)


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_close_only_at_100_then_reopen(cli, data_dir):
    update(cli, "3.1", 80, "2024-05-10")
    refused(cli, data_dir, ["goals", "close", "3.1", "--note", "审核"], 2, "进度为 80%")
    update(cli, "3.1", 100, "2024-05-20", "--note", "演练完成")
    done = task_json(cli, "3.1")
    assert (done["light"], done["status_label"], done["closed"]) == ("done", "已完成", None)
    closed = cli("goals", "close", "3.1", "--note", "经党政办核验,资料齐全", "--date", "2024-05-25")
    assert closed.exit_code == 0 and "已销号 3.1" in closed.stdout
    task = task_json(cli, "3.1")
    assert task["light"] == "done" and task["status_label"] == "已销号"
    assert task["closed"] == {"date": "2024-05-25", "note": "经党政办核验,资料齐全", "by": "测试员"}
    assert task_json(cli, "3.1", "2024-05-24")["closed"] is None  # not yet signed off that day
    table = cli("goals", "list", "--tasks", "--as-of", "2024-05-31").stdout
    assert re.search(r"3\.1 .*已销号", table)
    assert "销号1" in cli("goals", "list", "--as-of", "2024-05-31").stdout
    only_closed = json.loads(cli("goals", "list", "--status", "已销号", "--json", "--as-of", "2024-05-31").stdout)
    assert [t["id"] for g in only_closed["goals"] for t in g["tasks"]] == ["3.1"]
    refused(cli, data_dir, ["goals", "close", "3.1", "--note", "再次"], 2, "已于2024年5月25日销号")
    refused(cli, data_dir, ["goals", "update", "3.1", "-p", "100", "-d", "2024-05-30"], 2, "goals reopen 3.1")
    reopened = cli("goals", "reopen", "3.1")
    assert reopened.exit_code == 0 and task_json(cli, "3.1")["closed"] is None
    assert "closed" not in (data_dir / "goals.toml").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the exported 台账


def ledger_data(cli):
    """A few tasks with people, records, a milestone and a closing, as the ledger should show them."""
    assert cli("goals", "edit", "1.2", "--lead", "张书记", "--unit", "乡文化站", "--owner", "李明").exit_code == 0
    update(cli, "1.2", 45, "2024-05-28", "--note", "完成展陈方案", "--problem", "资金缺口30万元", "--next", "6月招标")
    assert cli("goals", "milestone", "1.2", "2024-06-30", "50").exit_code == 0
    update(cli, "3.1", 100, "2024-05-20", "--note", "演练完成")
    assert cli("goals", "close", "3.1", "--note", "经核验", "--date", "2024-05-21").exit_code == 0
    update(cli, "2.1", 5, "2024-05-02", "--note", "=1+2", "--problem", "-待定")


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_export_csv_reads_back_as_the_data(cli, data_dir, tmp_path):
    ledger_data(cli)
    out = tmp_path / "台账.csv"
    result = cli("export", "--output", str(out), "--as-of", "2024-05-31")
    assert result.exit_code == 0, result.output
    assert "22 项重点任务" in result.stdout
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == HEADERS + EXPORTED_HEADERS  # then what the row held, for `anmin import`
    plan = store.load_plan(store.DataDir(data_dir))
    assert [r["序号"] for r in rows] == [f'="{t.id}"' for t in plan.tasks]  # ids stay text in Excel
    by_id = {r["序号"][2:-1]: r for r in rows}
    view = task_json(cli, "1.2")
    expected_12 = {
        "重点工作": plan.goal("1").title,
        "任务": "高标准建设红色教育基地",
        "牵头领导": "张书记",
        "责任单位": "乡文化站",
        "责任人": "李明",
        "完成时限": "2024年12月31日\n时间节点：2024年6月30日前达到50%",
        "序时进度": f"{round(view['expected'])}%",
        "当前进度": "45%",
        "亮灯": "绿灯",
        "最新进展": "完成展陈方案",
        "存在问题": "资金缺口30万元",
        "下步计划": "6月招标",
        "更新日期": "2024年5月28日",
    }
    assert {k: by_id["1.2"][k] for k in expected_12} == expected_12
    assert (by_id["3.1"]["亮灯"], by_id["3.1"]["当前进度"]) == ("已销号", "100%")
    assert by_id["2.1"]["亮灯"] == "红灯"
    assert (by_id["2.1"]["最新进展"], by_id["2.1"]["存在问题"]) == ("'=1+2", "'-待定")  # not run as formulas
    assert by_id["4.1"]["亮灯"] == "红灯（未更新）" and by_id["4.1"]["更新日期"] == ""


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_export_xlsx_has_headers_rows_and_light_fills(cli, data_dir, tmp_path):
    import openpyxl

    ledger_data(cli)
    out = tmp_path / "台账.xlsx"
    result = cli("export", "-o", str(out), "--as-of", "2024-05-31")
    assert result.exit_code == 0, result.output
    sheet = openpyxl.load_workbook(out).active
    headers = tuple(c.header for c in LEDGER_COLUMNS)  # 重点工作 is a section row above its tasks
    assert tuple(c.value.replace("\n", "") for c in sheet[2]) == headers + EXPORTED_HEADERS  # those hidden
    assert sheet.freeze_panes == "A3" and sheet.max_row == 2 + 4 + 22
    assert sheet.auto_filter.ref == "A2:N28" and sheet.print_title_rows == "$2:$2"
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=3)}
    col = {h: i for i, h in enumerate(headers)}
    r12 = rows["1.2"]
    assert (r12[col["责任人"]].value, r12[col["当前进度"]].value, r12[col["亮灯"]].value) == ("李明", 45, "绿灯")
    assert r12[col["当前进度"]].number_format == '0"%"'
    assert r12[col["更新日期"]].value == datetime(2024, 5, 28)
    fills = {tid: rows[tid][col["亮灯"]].fill.fgColor.rgb for tid in ("1.2", "3.1", "2.1")}
    assert fills == {"1.2": "FF00B050", "3.1": "FF5B9BD5", "2.1": "FFFF0000"}
    assert rows["1.1"][col["亮灯"]].fill.fgColor.rgb == "FFFF0000"
    note = rows["2.1"][col["最新进展"]]
    assert (note.value, note.data_type) == ("=1+2", "s")  # text, not a formula
    for i, header in enumerate(headers):
        width = sheet.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width
        assert width >= display_width(header) / 2, header


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--format", "pdf"], "可选：csv、xlsx"),
        (["--format", "xlsx", "-o", "a.csv"], "不一致"),
        (["--as-of", "2024-02-31"], "不存在"),
        (["-o", "没有这个目录/x.csv/"], "是一个文件，不是文件夹"),
        (["-o", "真没有/x.csv"], "真没有 不存在"),
        (["-o", "data/progress/2024-05.csv"], "程序自己的文件"),
        (["-o", "data/goals.toml", "--format", "csv"], "程序自己的文件"),
    ],
)
def test_export_bad_input(cli, args, words, tmp_path):
    (tmp_path / "没有这个目录").write_text("挡路的文件", encoding="utf-8")
    result = cli("export", *args)
    assert result.exit_code in (1, 2) and words in result.stderr, result.stderr


def test_export_default_name_is_dated(cli, tmp_path):
    result = cli("export", "--as-of", "2024-05-31")
    assert result.exit_code == 0
    assert (tmp_path / "安民乡工作台账_2024-05-31.csv").is_file()
    assert cn_date(date(2024, 5, 31)) in result.stdout


@pytest.mark.slow  # 0.6 s on the 2-core CI host: the fast pass stays under 30 s
def test_ledger_workflow_as_real_processes(anmin, data_dir, tmp_path):
    steps = [
        ["goals", "claim", "2.2", "--by", "\x1b[31m王芳"],
        ["goals", "update", "2.2", "-p", "100", "-d", "2024-06-01", "--note", "完工"],
        ["goals", "close", "2.2", "--note", "验收合格", "--date", "2024-06-05"],
        ["export", "-o", str(tmp_path / "台账.csv"), "--as-of", "2024-06-30"],
    ]
    outputs = []
    for args in steps:
        done = anmin(*args)
        assert done.returncode == 0, (args, done.stderr)
        outputs.append(done.stdout)
    assert "\x1b" not in outputs[0] and "\\x1b[31m王芳" in outputs[0]
    rows = list(csv.DictReader(io.StringIO((tmp_path / "台账.csv").read_text(encoding="utf-8-sig"), newline="")))
    row = next(r for r in rows if r["序号"] == '="2.2"')
    assert (row["责任人"], row["亮灯"], row["最新进展"]) == ("[31m王芳", "已销号", "完工")  # ESC stripped
    assert anmin("check").returncode == 0


# --------------------------------------------------------------------------- completion


def root_context():
    return typer.Context(typer.main.get_command(app), info_name="anmin")


def test_id_completion_reads_the_plan(cli):
    assert [i for i, _ in complete_task_id(root_context(), "3.")] == ["3.1", "3.2", "3.3", "3.4", "3.5"]
    assert [i for i, _ in complete_goal_id(root_context(), "")] == ["1", "2", "3", "4"]
    items = dict(complete_item_id(root_context(), "4"))
    assert "4" in items and "4.4" in items and CJK.search(items["4.1"])
    assert cli("goals", "add", "2", "新增宣传任务").exit_code == 0
    assert "2.6" in dict(complete_task_id(root_context(), "2"))


def test_id_completion_never_raises(data_dir, monkeypatch):
    (data_dir / "goals.toml").write_text("schema = [", encoding="utf-8")
    assert complete_task_id(root_context(), "1") == []
    monkeypatch.setenv(store.DATA_ENV, str(data_dir / "nowhere"))
    assert complete_item_id(root_context(), "") == []


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_shell_completion_end_to_end(anmin, data_dir):
    script = anmin("--show-completion", "bash", env={"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"})
    assert script.returncode == 0 and "_anmin_completion" in script.stdout and "complete" in script.stdout
    env = {"_ANMIN_COMPLETE": "complete_bash", "COMP_WORDS": "anmin goals claim 1.", "COMP_CWORD": "3"}
    completed = anmin(env=env)
    assert completed.returncode == 0
    assert completed.stdout.split() == [f"1.{n}" for n in range(1, 9)]
    help_text = anmin("--help").stdout
    assert "--install-completion" in help_text and "命令补全" in help_text and "Install" not in help_text


def test_plan_edit_can_repair_records_that_broke_it(cli, data_dir):
    assert cli("goals", "update", "2.1", "-p", "5", "-d", "2024-02-01").exit_code == 0
    plan_file = data_dir / "goals.toml"
    text = plan_file.read_text(encoding="utf-8")
    start = text.index('id = "2.1"')
    plan_file.write_text(
        text[:start] + text[start:].replace("start = 2024-01-01", "start = 2024-03-01", 1), encoding="utf-8"
    )
    assert cli("check").exit_code == 1  # a record now predates its task
    repaired = cli("goals", "edit", "2.1", "--start", "2024-01-01")
    assert repaired.exit_code == 0, repaired.stderr
    assert cli("check").exit_code == 0
