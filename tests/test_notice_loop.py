"""The 督办 loop (`anmin notice …`): only to someone, asked before numbering, signed for, answered, closed, and
a register that never hands out a number twice (restored alone, deleted, two processes, kill -9)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from datetime import date

import pytest

from anmin_track import actions, assess, store
from anmin_track.store.notice_state import NoticeState
from conftest import ANMIN
from report_fixture import LATER, RECORDS, make_data

JUNE_3 = ("--date", "2024-06-03")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> store.DataDir:
    return make_data(tmp_path_factory.mktemp("loop") / "fixture", [*RECORDS, *LATER])


@pytest.fixture
def folder(built, tmp_path) -> store.DataDir:
    """On 6月3日 2.2 (乡综治办) and 2.4 (乡党政办) are red; 1.1 names no unit, leader or person."""
    return store.DataDir(shutil.copytree(built.path, tmp_path / "fixture"))


def run(cli, data: store.DataDir, *args: str, input: str | None = None):
    return cli("--data", str(data.path), *args, input=input)


def issue(cli, data: store.DataDir, *args: str):
    return run(cli, data, "notice", "issue", "--yes", *args)


def numbers(data: store.DataDir, on: date | None = date(2024, 6, 5)) -> list[tuple[str, str]]:
    """Each notice's number and state on ``on`` (None: as things stand)."""
    return [(i.code, i.status) for i in actions.notices_as_of(data, on)]


# --------------------------------------------------------------------------- rules, as pure functions


def test_the_reply_is_due_five_working_days_after_signing_weekends_skipped():
    friday = date(2024, 5, 31)
    assert actions.working_days_after(friday, 5) == date(2024, 6, 7)  # Mon–Fri of the next week
    assert actions.working_days_after(date(2024, 6, 3), 5) == date(2024, 6, 10)  # Monday to Monday
    assert actions.working_days_after(date(2024, 6, 1), 1) == date(2024, 6, 3)  # signed on a Saturday
    national_day = [date(2024, 10, d) for d in (1, 2, 3, 4, 7)]
    assert actions.working_days_after(date(2024, 9, 30), 5, national_day) == date(2024, 10, 14)  # 8–11, 14
    assert actions.working_days_after(date(2024, 9, 30), 5) == date(2024, 10, 7)


def test_the_default_reply_deadline_skips_the_plans_holidays(cli, folder):
    bundled = (store.bundled_plan_file()).read_text(encoding="utf-8")
    example = next(line for line in bundled.splitlines() if line.startswith("# holidays = ["))  # shown, commented out
    plan = folder.plan_file
    text = plan.read_text(encoding="utf-8")
    with_holidays = re.sub(r"^schema = \d+", "schema = 5", text, flags=re.M).replace(
        "[settings]\n", f"[settings]\n{example[2:]}\n", 1
    )
    plan.write_text(with_holidays, encoding="utf-8")
    assert cli("--data", str(folder.path), "check").exit_code == 0
    shown = run(cli, folder, "report", "notice", "2.2", "--date", "2024-09-30", "--as-of", "2024-06-30", "--preview")
    assert shown.exit_code == 0, shown.output
    assert "2024年10月14日" in shown.output and "2024年10月7日" not in shown.output


@pytest.mark.parametrize(
    ("fields", "on", "expected"),
    [
        ({}, date(2024, 6, 5), actions.PENDING),
        ({"signed_by": "王五", "signed_on": date(2024, 6, 4)}, date(2024, 6, 5), actions.HANDLING),
        ({"signed_by": "王五", "signed_on": date(2024, 6, 4)}, date(2024, 6, 3), actions.PENDING),  # not yet signed then
        ({}, date(2024, 6, 11), actions.OVERDUE),
        ({"reply": "已整改", "replied_on": date(2024, 6, 11)}, date(2024, 6, 11), actions.REPLIED),  # late, but answered
        ({"reply": "已整改", "replied_on": date(2024, 6, 9), "closed_on": date(2024, 6, 12)}, date(2024, 6, 12),
         actions.CLOSED),
        ({"reply": "已整改", "replied_on": date(2024, 6, 9), "closed_on": date(2024, 6, 12)}, date(2024, 6, 11),
         actions.REPLIED),
        ({"void": True}, date(2024, 6, 5), actions.VOID),
    ],
)  # fmt: skip
def test_a_notice_state_as_of_a_day(fields, on, expected):
    state = NoticeState(2024, 1, "2.2", **fields)
    assert actions.notice_status(state, date(2024, 6, 10), on) == expected


def test_a_number_with_no_state_is_void():
    assert actions.notice_status(None, date(2024, 6, 10), date(2024, 6, 5)) == actions.VOID


def test_a_date_far_from_today_or_before_the_task_is_doubted(folder):
    request = actions.NoticeRequest(("2.2",), date(2024, 6, 3))
    assert actions.date_doubts(request, (), date(2024, 6, 20)) == []
    assert "超过 30 天" in actions.date_doubts(request, (), date(2024, 7, 10))[0]
    assert "超过 30 天" in actions.date_doubts(request, (), date(2024, 5, 1))[0]
    plan = store.load_plan(folder)
    later = plan.task("2.2")._replace(start=date(2024, 7, 1))
    subject = actions.NoticeSubject(
        assess.task_status(later, None, date(2024, 6, 3), plan.settings), plan.goals[0], None
    )
    (doubt,) = actions.date_doubts(request, (subject,), date(2024, 6, 3))
    assert doubt == "成文日期早于任务 2.2 的开始日期（2024年7月1日）"


# --------------------------------------------------------------------------- only to someone, only when meant


def test_a_task_naming_nobody_alone_is_refused_and_takes_no_number(cli, folder):
    refused = issue(cli, folder, "1.1", *JUNE_3)
    assert refused.exit_code == 1 and "未明确责任单位、牵头领导和责任人" in refused.stderr and "--to" in refused.stderr
    assert not folder.notices_file.exists() and not folder.notice_state_file.exists()
    done = issue(cli, folder, "1.1", *JUNE_3, "--to", "乡文化站")
    assert done.exit_code == 0, done.output
    assert "督办要求：请乡文化站尽快明确牵头领导、责任单位、责任人" in done.stdout
    (state,) = actions.notices_as_of(folder)
    assert state.to == "乡文化站"


def test_in_a_batch_a_task_naming_nobody_is_skipped_and_listed(cli, folder):
    done = issue(cli, folder, "2.2", "1.1", *JUNE_3)
    assert done.exit_code == 0, done.output
    assert numbers(folder) == [("督办〔2024〕1号", actions.PENDING)]
    assert "1 项任务未发督办单（未明确责任单位、牵头领导和责任人" in done.stderr and "：1.1" in done.stderr


def test_every_red_task_is_shown_and_asked_about_before_numbering(cli, folder, monkeypatch):
    refused = run(cli, folder, "notice", "issue", *JUNE_3)  # no terminal, no --yes
    assert refused.exit_code == 2 and "需要确认" in refused.stderr
    assert "2.2 加大反电信诈骗工作力度（主送乡综治办）" in refused.stderr
    assert not folder.notices_file.exists()
    monkeypatch.setattr("anmin_track.cli.notice._at_terminal", lambda: True)
    declined = run(cli, folder, "notice", "issue", *JUNE_3, input="n\n")
    assert declined.exit_code == 0 and "已取消" in declined.stdout and not folder.notices_file.exists()
    accepted = run(cli, folder, "notice", "issue", *JUNE_3, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert [code for code, _ in numbers(folder)] == ["督办〔2024〕1号", "督办〔2024〕2号"]


def test_a_named_task_on_a_doubtful_date_asks_and_a_preview_never_does(cli, folder):
    refused = run(cli, folder, "notice", "issue", "2.2", *JUNE_3)  # 2024: far from today
    assert refused.exit_code == 2 and "超过 30 天" in refused.stderr and not folder.notices_file.exists()
    assert run(cli, folder, "notice", "issue", "2.2", *JUNE_3, "--preview").exit_code == 0
    assert not folder.notices_file.exists()


def test_an_open_notice_not_yet_due_is_not_repeated_unless_again(cli, folder):
    assert issue(cli, folder, "2.2", *JUNE_3).exit_code == 0
    again = issue(cli, folder, "2.2", "--date", "2024-06-05")
    assert again.exit_code == 1 and "已有督办单 督办〔2024〕1号 尚未反馈，反馈期限2024年6月10日" in again.stderr
    assert "--again" in again.stderr
    assert issue(cli, folder, "2.2", "--date", "2024-06-05", "--again").exit_code == 0
    later = issue(cli, folder, "2.2", "--date", "2024-06-11")  # the first is late now; the second is due 6月12日
    assert later.exit_code == 1 and "督办〔2024〕2号 尚未反馈，反馈期限2024年6月12日" in later.stderr
    assert issue(cli, folder, "2.2", "--date", "2024-06-13").exit_code == 0
    assert [code for code, _ in numbers(folder, None)] == ["督办〔2024〕1号", "督办〔2024〕2号", "督办〔2024〕3号"]


def test_level_follows_the_light_or_is_given(cli, folder):
    red = issue(cli, folder, "2.2", *JUNE_3, "--preview")
    assert "督办等级：红色" in red.stdout
    yellow = issue(cli, folder, "2.2", *JUNE_3, "--preview", "--level", "黄色")
    assert "督办等级：黄色" in yellow.stdout
    bad = issue(cli, folder, "2.2", *JUNE_3, "--level", "紫色")
    assert bad.exit_code == 2 and "督办等级" in bad.stderr


# --------------------------------------------------------------------------- the loop


@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_sign_reply_close_each_undoable_and_the_state_file_shape(cli, folder):
    assert issue(cli, folder, "2.2", "2.4", *JUNE_3).exit_code == 0
    signed = run(cli, folder, "notice", "sign", "督办〔2024〕1号", "--by", "王五", "--date", "2024-06-04")
    assert signed.exit_code == 0, signed.output
    twice = run(cli, folder, "notice", "sign", "1", "--by", "赵六", "--date", "2024-06-04")
    assert twice.exit_code == 1 and "已由王五于2024年6月4日签收" in twice.stderr
    unsigned = run(cli, folder, "notice", "reply", "2", "--note", "已整改", "--date", "2024-06-05")
    assert unsigned.exit_code == 1 and "尚未签收" in unsigned.stderr
    early = run(cli, folder, "notice", "close", "1", "--date", "2024-06-05")
    assert early.exit_code == 1 and "还没有办理情况反馈" in early.stderr
    assert (
        run(cli, folder, "notice", "reply", "2024-1", "--note", "已开展专项宣传", "--date", "2024-06-06").exit_code == 0
    )
    closed = run(cli, folder, "notice", "close", "2024-1", "--note", "整改到位", "--date", "2024-06-07")
    assert closed.exit_code == 0, closed.output
    listed = json.loads(run(cli, folder, "notice", "list", "--json", "--as-of", "2024-06-12").stdout)["notices"]
    assert [(n["code"], n["status"], n["days_late"]) for n in listed] == [
        ("督办〔2024〕1号", actions.CLOSED, 0),
        ("督办〔2024〕2号", actions.OVERDUE, 2),
    ]
    assert listed[0]["signed_by"] == "王五" and listed[0]["reply"] == "已开展专项宣传"
    doc = tomllib.loads(folder.notice_state_file.read_text(encoding="utf-8"))
    assert doc["schema"] == 1
    assert [(n["year"], n["number"]) for n in doc["notices"]] == [(2024, 1), (2024, 2)]
    assert all(not isinstance(v, dict | list) for n in doc["notices"] for v in n.values())  # flat, for the merge
    assert doc["notices"][0]["closed_on"] == date(2024, 6, 7) and doc["notices"][0]["close_note"] == "整改到位"
    for step in ("close", "reply", "sign"):  # each is one journaled change
        undone = run(cli, folder, "undo", "--yes")
        assert undone.exit_code == 0, (step, undone.output)
    assert numbers(folder, None)[0][1] == actions.OVERDUE  # as of today: none of it happened
    assert run(cli, folder, "notice", "list", "--overdue").stdout.count("逾期未反馈") >= 2


def test_a_reply_with_progress_records_it_in_the_same_change(cli, folder):
    assert issue(cli, folder, "2.2", *JUNE_3).exit_code == 0
    assert run(cli, folder, "notice", "sign", "1", "--by", "王五", "--date", "2024-06-04").exit_code == 0
    replied = run(
        cli, folder, "notice", "reply", "1", "--note", "完成入户宣传", "--progress", "45", "--date", "2024-06-05"
    )
    assert replied.exit_code == 0, replied.output
    assert "并记录任务 2.2 进度 45%" in replied.stdout
    shown = json.loads(run(cli, folder, "goals", "show", "2.2", "--json", "--as-of", "2024-06-05").stdout)
    assert shown["task"]["progress"] == 45
    newest = store.last_entry(folder.whole)
    assert {f.path for f in newest.files} == {".notices-state.toml", "progress/2024-06.toml", "progress/index.toml"}
    assert run(cli, folder, "undo", "--yes").exit_code == 0
    after = json.loads(run(cli, folder, "goals", "show", "2.2", "--json", "--as-of", "2024-06-05").stdout)
    assert after["task"]["progress"] == 30 and numbers(folder)[0][1] == actions.HANDLING


def test_reopen_a_closed_notice(cli, folder):
    assert issue(cli, folder, "2.2", *JUNE_3).exit_code == 0
    not_closed = run(cli, folder, "notice", "reopen", "1")
    assert not_closed.exit_code == 1 and "没有销号" in not_closed.stderr
    for args in (("sign", "1", "--by", "王五", "--date", "2024-06-04"), ("reply", "1", "--note", "已整改", "--date",
                 "2024-06-05"), ("close", "1", "--date", "2024-06-06"), ("reopen", "1")):  # fmt: skip
        assert run(cli, folder, "notice", *args).exit_code == 0, args
    (item,) = actions.notices_as_of(folder)
    assert item.status == actions.REPLIED and item.state.reply == "已整改"


@pytest.mark.parametrize("ref", ["9", "2023-1", "督办〔2024〕9号", "第一号"])
def test_a_notice_that_does_not_exist_is_named(cli, folder, ref):
    assert issue(cli, folder, "2.2", *JUNE_3).exit_code == 0
    refused = run(cli, folder, "notice", "sign", ref, "--by", "王五")
    assert refused.exit_code == 2 and "没有督办单" in refused.stderr and "Traceback" not in refused.output


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_goals_show_and_due_name_the_open_and_overdue_notices(cli, folder):
    assert issue(cli, folder, "2.4", *JUNE_3).exit_code == 0
    shown = run(cli, folder, "goals", "show", "2.4", "--as-of", "2024-06-12")
    assert "督办〔2024〕1号（任务 2.4，主送乡党政办）逾期未反馈，反馈期限2024年6月10日，已逾期2天" in shown.stdout
    assert "督办单" not in run(cli, folder, "goals", "show", "2.2", "--as-of", "2024-06-12").stdout
    due = run(cli, folder, "goals", "due", "--as-of", "2024-06-12")
    assert "未办结的督办单：" in due.stdout and "督办〔2024〕1号" in due.stdout


# --------------------------------------------------------------------------- a register that does not repeat


def test_a_register_restored_alone_or_deleted_never_repeats_a_number(cli, folder):
    assert issue(cli, folder, "2.2", *JUNE_3).exit_code == 0
    old = folder.notices_file.read_bytes()
    assert issue(cli, folder, "2.4", *JUNE_3).exit_code == 0
    folder.notices_file.write_bytes(old)  # restored alone from yesterday's copy
    checked = run(cli, folder, "check")
    assert checked.exit_code == 1
    assert "登记簿落后于督办单状态：缺少 2024年第2号" in checked.output and "新编号会接着" in checked.output
    assert issue(cli, folder, "1.2", *JUNE_3, "--to", "乡农办").exit_code == 0
    assert actions.issued_notices(folder)[-1].code == "督办〔2024〕3号"  # after the 2 the state file knows
    folder.notices_file.unlink()  # or deleted
    assert issue(cli, folder, "2.1", *JUNE_3, "--to", "乡林业站").exit_code == 0
    assert [e.code for e in actions.issued_notices(folder)] == ["督办〔2024〕4号"]
    known = [(i.year, i.number) for i in actions.notices_as_of(folder)]
    assert sorted(known) == [(2024, 1), (2024, 2), (2024, 3), (2024, 4)]


@pytest.mark.slow  # real processes: about a second
def test_two_processes_issuing_at_once_get_different_numbers(folder, tmp_path):
    procs = [
        subprocess.Popen(
            [
                str(ANMIN),
                "--data",
                str(folder.path),
                "notice",
                "issue",
                "--yes",
                task,
                *JUNE_3,
                "-o",
                str(tmp_path / f"{task}.docx"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for task in ("2.2", "2.4")
    ]
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    assert sorted(code for code, _ in numbers(folder)) == ["督办〔2024〕1号", "督办〔2024〕2号"]
    assert {s for _, s in numbers(folder)} == {actions.PENDING}


#: Runs `anmin` with the output write replaced by kill -9 of the process itself: it dies after the
#: number was registered, before the document was written.
KILLED_WRITE = """
import os, signal, sys
from anmin_track import store
store.write_output = lambda *a, **k: os.kill(os.getpid(), signal.SIGKILL)
sys.argv = ["anmin", *sys.argv[1:]]
from anmin_track.__main__ import main
main()
"""


@pytest.mark.slow  # real processes, one killed: about two seconds
def test_killed_between_registering_and_writing_the_number_is_void_never_lost(folder, tmp_path):
    out = tmp_path / "督办单.docx"
    args = ["--data", str(folder.path), "notice", "issue", "--yes", "2.2", *JUNE_3, "-o", str(out)]
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITE, *args], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "ANMIN_USER": "测试员"})  # fmt: skip
    assert killed.returncode == -9 and not out.exists()
    assert numbers(folder) == [("督办〔2024〕1号", actions.VOID)]
    again = subprocess.run([str(ANMIN), *args], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert numbers(folder) == [("督办〔2024〕1号", actions.VOID), ("督办〔2024〕2号", actions.PENDING)]
    listed = subprocess.run([str(ANMIN), "--data", str(folder.path), "notice", "list"], capture_output=True, text=True)
    assert "作废" in listed.stdout


def test_a_broken_state_file_is_named_by_line(cli, folder):
    assert issue(cli, folder, "2.2", *JUNE_3).exit_code == 0
    text = folder.notice_state_file.read_text(encoding="utf-8")
    folder.notice_state_file.write_text(text.replace('task = "2.2"', "task = 2.2"), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row.startswith("task"))
    checked = run(cli, folder, "check")
    assert checked.exit_code == 1 and f".notices-state.toml:{line}:" in checked.output
    refused = issue(cli, folder, "2.4", *JUNE_3)
    assert refused.exit_code == 1 and ".notices-state.toml" in refused.stderr


def test_the_ledger_names_each_task_s_open_notices(cli, folder, tmp_path):
    import csv

    import openpyxl

    assert issue(cli, folder, "2.4", *JUNE_3).exit_code == 0
    out = tmp_path / "台账.csv"
    assert run(cli, folder, "export", "-o", str(out), "--as-of", "2024-06-12").exit_code == 0
    rows = {r["序号"].strip('="'): r for r in csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines())}
    assert rows["2.4"]["督办单"] == "督办〔2024〕1号 逾期未反馈（反馈期限2024年6月10日）"
    assert rows["2.2"]["督办单"] == ""
    book = tmp_path / "台账.xlsx"
    assert run(cli, folder, "export", "-o", str(book), "--as-of", "2024-06-12").exit_code == 0
    sheet = openpyxl.load_workbook(book)["工作台账"]
    lights = [
        c.value for row in sheet.iter_rows(min_row=3) for c in row if c.value and "督办〔2024〕1号" in str(c.value)
    ]
    assert lights == ["红灯（未更新）\n督办〔2024〕1号 逾期未反馈（反馈期限2024年6月10日）"]


def test_quotation_marks_inside_a_quoted_title_are_single(cli):
    """1.6 of the bundled plan is 与枫坪乡联合探索“坪安里”品牌创建: inside the notice's double marks, single ones."""
    result = cli("notice", "issue", "1.6", "--date", "2024-06-03", "--preview", "--to", "乡党政办")
    assert result.exit_code == 0, result.output
    assert "督办事项：“与枫坪乡联合探索‘坪安里’品牌创建”（任务编号1.6）" in result.stdout
    assert "“坪安里”" not in result.stdout.replace("\n", "")


def test_the_bulletin_and_the_county_count_the_same_open_notices(cli, folder):
    """A notice only the state file knows (its register entry lost) has no known signing date: neither the
    对内通报 nor the county's roll-up can say it was out by the period's end, so both leave it out."""
    assert issue(cli, folder, "2.2", *JUNE_3).exit_code == 0
    old = folder.notices_file.read_bytes()
    assert issue(cli, folder, "2.4", *JUNE_3).exit_code == 0
    folder.notices_file.write_bytes(old)  # the register restored alone: 2号 is known to the state file only
    day = date(2024, 6, 30)
    assert [n.code for n in actions.notices_as_of(folder, day) if n.is_open] == ["督办〔2024〕1号", "2024年第2号"]
    counted = [n.code for n in actions.open_notices_on(folder, day)]
    assert counted == ["督办〔2024〕1号"]
    bulletin = json.loads(run(cli, folder, "report", "bulletin", "2024-06", "--format", "json").stdout)
    assert [n["code"] for n in bulletin["notices"]] == counted
