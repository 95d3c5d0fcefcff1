"""Two audiences from one set of data (issue 21): the 对上报告 (`report monthly|quarterly`), the 对内通报
(`report bulletin`) and the 工作群简报 (`report brief`), on the README's data (22 tasks, 9 report in May);
and the rules that keep what they say true on the day: next-period plans, gaps on a threshold, 【待填写】."""

from __future__ import annotations

import json
import os
import re
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from anmin_track import assess, model
from anmin_track.output import report
from anmin_track.output.report_model import next_step
from anmin_track.output.report_words import gap_points
from anmin_track.text import wrap_cjk
from readme_data import NOTICES, WHO, make_readme_data
from report_fixture import record

GOLDEN = Path(__file__).with_name("golden")
UPDATE_ENV = "ANMIN_UPDATE_GOLDEN"
#: A 公文 page: 22 lines of 28 characters (56 display cells: a digit is half a character).
LINE_CELLS, PAGE_LINES = 56, 22


@pytest.fixture(scope="module")
def readme(tmp_path_factory) -> Path:
    return make_readme_data(tmp_path_factory.mktemp("readme") / "台账数据").path


def run(cli, folder: Path, *args: str):
    return cli("--data", str(folder), "report", *args)


def page_lines(text: str) -> int:
    """Lines the plain text takes on 公文 pages: each paragraph wrapped at 28 characters (避头尾, the first line
    indented two), empty lines counted, except before a 一、 heading (the .docx has none there)."""
    lines = text.rstrip("\n").split("\n")
    count = 0
    for i, line in enumerate(lines):
        if not line.strip():
            heading_next = i + 1 < len(lines) and re.match("　　[一二三四五六七八九十]+、", lines[i + 1])
            count += 0 if heading_next else 1
            continue
        body = "口口" + line[2:] if line.startswith("　　") else line  # the indent takes room on the first line only
        count += len(wrap_cjk(body, LINE_CELLS))
    return count


def test_page_lines_counts_wrapped_lines():
    assert page_lines("　　" + "字" * 26) == 1 and page_lines("　　" + "字" * 27) == 2
    assert page_lines("　　" + "字" * 26 + "。") == 2  # 避头尾: the full stop takes a character with it
    assert page_lines("甲\n\n　　一、总体情况\n\n乙") == 4


# --------------------------------------------------------------------------- golden files on the README's data


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (("monthly", "2024-05"), "readme_monthly_2024-05.txt"),
        (("quarterly", "2024Q2"), "readme_quarterly_2024Q2.txt"),
        (("bulletin", "2024-05"), "readme_bulletin_2024-05.txt"),
        (("brief", "2024-05"), "readme_brief_2024-05.txt"),
        (("half", "2024H1"), "readme_half_2024H1.txt"),
        (("annual", "2024"), "readme_annual_2024.txt"),
    ],
)
def test_golden_documents_of_the_readme_data(cli, readme, args, name):
    dated = {
        "brief": (),
        "quarterly": ("--date", "2024-07-05"),
        "half": ("--date", "2024-07-05"),
        "annual": ("--date", "2025-01-10"),
    }.get(args[0], ("--date", "2024-06-03"))
    result = run(cli, readme, *args, *dated)
    assert result.exit_code == 0, result.output
    golden = GOLDEN / name
    if os.environ.get(UPDATE_ENV):
        golden.write_bytes(result.stdout_bytes)
    assert result.stdout_bytes == golden.read_bytes()


# --------------------------------------------------------------------------- 对上报告


@pytest.fixture(scope="module")
def may(readme) -> str:
    from typer.testing import CliRunner

    from anmin_track.cli import app

    result = CliRunner().invoke(app, ["--data", str(readme), "report", "monthly", "2024-05", "--date", "2024-06-03"])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_report_upward_fits_in_three_pages(may):
    assert page_lines(may) <= 3 * PAGE_LINES


def test_the_report_upward_states_the_pace_once_and_names_a_task_at_most_twice(may, readme):
    assert may.count("序时进度") == 1
    titles = [t.title.replace(",", "，") for t in _plan(readme).tasks]
    assert {title: may.count(title) for title in titles if may.count(title) > 2} == {}
    assert sum(may.count(title) > 0 for title in titles) >= 9  # every task that reported is there


def test_the_report_upward_leaves_the_township_business_out(may):
    """Who did not report, and lights by 责任单位 or 牵头领导, are for the bulletin."""
    assert "未报送进展" not in may and "未按时报送" not in may and "尚未报送" not in may
    units_and_leads = {name for pair in WHO.values() for name in pair}
    assert [name for name in units_and_leads if name in may] == []


def test_the_report_upward_ends_with_its_attachment(may):
    assert may.split("特此报告。\n")[1].startswith(
        "　　附件：安民乡2024年重点工作任务推进台账（截至5月31日）\n\n安民乡人民政府"
    )


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_attach_writes_the_ledger_beside_the_report(cli, readme, tmp_path):
    target = tmp_path / "月报" / "5月.docx"
    target.parent.mkdir()
    result = run(cli, readme, "monthly", "2024-05", "-o", str(target), "--attach")
    assert result.exit_code == 0, result.output
    ledger = target.parent / "安民乡2024年重点工作任务推进台账（截至5月31日）.xlsx"
    assert f"已生成附件（工作台账）：{ledger.resolve()}" in result.stdout
    book = openpyxl.load_workbook(ledger)
    assert "截至2024年5月31日" in book["工作台账"]["A1"].value
    ids = [row[0] for row in book["工作台账"].iter_rows(min_row=3, values_only=True) if row[0] and "." in str(row[0])]
    assert len(ids) == 22


def test_attach_to_a_place_it_may_not_go_writes_nothing(cli, readme, tmp_path):
    """The ledger beside a report written into the data folder's progress/: refused before the report is written."""
    result = run(cli, readme, "monthly", "2024-05", "--attach", "-o", str(readme / "progress" / "月报.txt"))
    assert result.exit_code == 2 and "程序自己的文件" in result.stderr
    assert not (readme / "progress" / "月报.txt").exists()


def test_tasks_left_to_fill_in_are_listed_on_stderr(cli, readme, may):
    result = run(cli, readme, "monthly", "2024-05")
    placeholders = re.findall(r"\d+\.(.+?)：【待填写】", may)
    assert placeholders and len(placeholders) == may.count("【待填写】")
    note = result.stderr
    assert note.startswith(f"提示：以下{len(placeholders)}项任务没有本期填报") and all(t in note for t in placeholders)
    assert "3.1" not in note  # not behind: a stale plan of a task on pace is simply left out


def test_a_plan_from_months_ago_is_not_next_months_plan(may):
    plans = may.split("四、下月工作计划\n")[1]
    assert "5月完成选址" not in plans and "5月开展第二次应急演练" not in plans  # April's, March's
    assert "借校地合作建成生态特色农业种养基地：【待填写】" in plans
    assert "高标准建设红色教育基地：6月底前完成布展招标。" in plans


# --------------------------------------------------------------------------- the next-period plan rule


def _mine(*nexts: tuple[date, str]) -> list[model.Record]:
    return [record("1.1", day, 10, "进展", next=text) for day, text in nexts]


@pytest.mark.parametrize(
    ("records", "next_start", "expected"),
    [
        (_mine((date(2024, 5, 10), "6月底前完成布展招标")), date(2024, 6, 1), "6月底前完成布展招标"),
        (_mine((date(2024, 5, 10), "5月完成选址")), date(2024, 6, 1), ""),  # a month already over
        (_mine((date(2024, 5, 10), "6月底前完成布展招标")), date(2024, 7, 1), ""),  # a quarter report: June is gone
        (_mine((date(2024, 5, 10), "6月底前完成"), (date(2024, 5, 20), "")), date(2024, 6, 1), ""),  # superseded
        (_mine((date(2024, 5, 10), ""), (date(2024, 5, 20), "持续推进")), date(2024, 6, 1), "持续推进"),
        (_mine((date(2024, 12, 10), "1月完成验收")), date(2025, 1, 1), "1月完成验收"),  # next January
        (_mine((date(2024, 12, 10), "12月底前完成")), date(2025, 1, 1), ""),
        (_mine((date(2024, 5, 28), "4月完成的方案6月报批")), date(2024, 6, 1), ""),  # names a month gone by
        ([], date(2024, 6, 1), ""),
    ],
)
def test_next_step_is_the_last_record_of_the_period_and_still_ahead(records, next_start, expected):
    assert next_step(records, next_start) == expected


# --------------------------------------------------------------------------- gaps on a threshold


@pytest.mark.parametrize(
    ("progress", "expected", "printed"),
    [
        (32, 41.7, "9.7"),  # printed figures 32% and 42% differ by 10: green under a 10-point rule
        (32.4, 42.4, "10"),  # exactly on the threshold: yellow, as printed
        (30, 42, "12"),
        (10, 40.3, "30.3"),  # red (more than 30): the whole 30 would read as yellow
        (45, 42, "-3"),
    ],
)
def test_a_gap_on_a_threshold_is_printed_with_its_decimal(progress, expected, printed):
    assert gap_points(progress, expected, (10, 30)) == printed
    light = assess.light_for(progress, expected, False, model.Settings())
    if printed.endswith(".7"):
        assert light == model.GREEN
    if printed == "30.3":
        assert light == model.RED


# --------------------------------------------------------------------------- 对内通报


@pytest.fixture(scope="module")
def bulletin(readme) -> str:
    from typer.testing import CliRunner

    from anmin_track.cli import app

    result = CliRunner().invoke(app, ["--data", str(readme), "report", "bulletin", "2024-05", "--date", "2024-06-03"])
    assert result.exit_code == 0, result.output
    return result.stdout


def _section(text: str, heading: str) -> str:
    return text.split(f"{heading}\n")[1].split("\n\n")[0]


def test_the_bulletin_ranks_units_and_leads_worst_first(bulletin, readme):
    built = _built(readme)
    for heading, who in (("按责任单位", "unit"), ("按牵头领导", "lead")):
        part = bulletin.split(heading)[1].split("（二）" if who == "unit" else "三、")[0]
        named = re.findall(r"\d+\.(\S+?)：共", part)
        reds = {name: sum(t.light == model.RED for t in built.tasks if getattr(t, who) == name) for name in named}
        assert sorted(reds.values(), reverse=True) == list(reds.values()) and len(named) == len(
            set(getattr(t, who) for t in built.tasks)
        )


def test_the_bulletin_lists_red_and_yellow_missing_overdue_and_open_notices(bulletin, readme):
    built = _built(readme)
    assert bulletin.startswith("安民乡关于2024年5月\n重点工作推进情况的通报\n\n各村、乡属各单位：\n")
    red_yellow = _section(bulletin, "三、红灯、黄灯任务")
    assert red_yellow.count("\n") + 1 == sum(t.light in (model.RED, model.YELLOW) for t in built.tasks)
    assert (
        "加快推进森林康养名镇项目（责任单位：乡林业站；牵头领导：刘洋）：亮黄灯，完成进度20%，落后序时进度22个百分点"
        in red_yellow
    )
    missing = _section(bulletin, "四、未按时报送")
    assert missing.count("\n") + 1 == len(built.missing) == 13
    assert _section(bulletin, "五、逾期未完成") == "　　无逾期未完成的任务。"
    notices = _section(bulletin, "六、督办单办理情况").split("\n")
    assert notices[0] == f"　　1.督办〔2024〕1号（{NOTICES[0][1]}，5月6日发出）：逾期未反馈。"
    assert notices[1].endswith("：待签收，反馈期限6月3日。")  # issued, not yet signed for


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_notice_answered_is_no_longer_open_and_one_signed_for_is_in_hand(cli, tmp_path):
    folder = make_readme_data(tmp_path / "d").path
    assert cli("--data", str(folder), "notice", "sign", "2024-1", "--by", "刘洋", "--date", "2024-05-07").exit_code == 0
    answered = cli("--data", str(folder), "notice", "reply", "2024-1", "--note", "已完成", "--date", "2024-05-30")
    assert answered.exit_code == 0, answered.output
    signed = cli("--data", str(folder), "notice", "sign", "2024-2", "--by", "陈刚", "--date", "2024-05-28")
    assert signed.exit_code == 0, signed.output
    text = run(cli, folder, "bulletin", "2024-05").stdout
    assert "督办〔2024〕1号" not in text and "督办〔2024〕2号" in text and "：办理中，反馈期限6月3日。" in text
    april = run(cli, folder, "bulletin", "2024-04").stdout
    assert "无在办的督办单。" in april  # issued in May


def test_the_bulletin_as_json_and_as_word(cli, readme, tmp_path):
    data = json.loads(run(cli, readme, "bulletin", "2024Q2", "-f", "json").stdout)
    assert (
        data["schema"] == "anmin.bulletin.quarterly/1"
        and data["title"] == "安民乡关于2024年第二季度重点工作推进情况的通报"
    )
    assert data["by_unit"][0]["red"] >= data["by_unit"][-1]["red"] and len(data["notices"]) == 2
    target = tmp_path / "通报.docx"
    assert run(cli, readme, "bulletin", "2024-05", "-o", str(target)).exit_code == 0
    import docx

    paragraphs = [p.text for p in docx.Document(str(target)).paragraphs if p.text.strip()]
    assert paragraphs[:2] == ["安民乡关于2024年5月", "重点工作推进情况的通报"] and "特此通报。" in paragraphs


# --------------------------------------------------------------------------- 工作群简报


def test_the_brief_is_a_short_plain_message(cli, readme):
    text = run(cli, readme, "brief", "2024-05").stdout.strip()
    assert 200 <= len(text) <= 400
    assert text.startswith("【安民乡重点工作进展】截至5月31日：绿11 黄2 红8")
    assert "\n" not in text and not re.search(r"[#*`>|]|^- ", text)  # no Markdown
    assert "特此" not in text and "安民乡人民政府" not in text  # no 公文 parts
    assert "新进展：①" in text and "需协调：①展陈资金缺口约30万元" in text


def test_a_brief_stays_within_its_limit_when_much_happened(readme):
    from anmin_track.output.brief import brief_text

    built = _built(readme)
    assert len(brief_text(built, limit=250)) <= 250 and "等" in brief_text(built, limit=250)


def test_the_brief_is_text_only(cli, readme):
    result = run(cli, readme, "brief", "2024-05", "-o", "简报.docx")
    assert result.exit_code == 2 and "纯文字" in result.stderr


# --------------------------------------------------------------------------- helpers


def _plan(folder: Path) -> model.Plan:
    from anmin_track import store

    return store.load_plan(store.DataDir(folder))


def _built(folder: Path) -> report.PeriodReport:
    from anmin_track import actions, store

    period = model.month_period(2024, 5)
    found = actions.period_data(store.DataDir(folder), period)
    return report.build_report(found.plan, found.records, found.before, period, found.texts)


@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_task_completed_and_closed_in_the_month_is_counted_once(cli, tmp_path):
    folder = make_readme_data(tmp_path / "d").path
    for args in (
        ("goals", "update", "1.6", "-p", "100", "-d", "2024-05-20", "--note", "品牌方案通过评审"),
        ("goals", "close", "1.6", "--note", "经乡党委会审核销号", "--date", "2024-05-28"),
    ):
        assert cli("--data", str(folder), *args).exit_code == 0
    text = run(cli, folder, "monthly", "2024-05").stdout
    assert "已完成2项（其中已销号1项），亮绿灯11项、黄灯2项、红灯7项。" in text  # 2 + 11 + 2 + 7 = 22 tasks
    assert text.count("与枫坪乡联合探索“坪安里”品牌创建") == 1  # in 二 only: done, no plan needed
    assert "品牌方案通过评审。该项任务已完成并销号。" in text


def test_a_busy_month_words_the_last_three_distinct_records_of_a_task(readme):
    plan = _plan(readme)
    recs = [record("1.1", date(2024, 5, d), 10 + d, f"第{d}次推进") for d in range(1, 9)]
    recs.append(record("1.1", date(2024, 5, 20), 40, "第8次推进"))  # said again: once, on its last day
    built = report.build_report(plan, recs, {}, model.month_period(2024, 5))
    text = report.render_text(report.report_document(built))
    said = re.findall(r"(\d+月\d+日)，(第\d次推进)", text)
    assert said == [("5月6日", "第6次推进"), ("5月7日", "第7次推进"), ("5月20日", "第8次推进")]
