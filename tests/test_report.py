"""`anmin report monthly`: golden outputs, properties, month handling, output files."""

from __future__ import annotations

import json
import os
import re
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anmin_track import actions, assess, model, store
from anmin_track.output import report
from anmin_track.store import index, queries
from conftest import snapshot
from report_fixture import LATER, RECORDS, make_data, record
from report_fixture import PLAN as PLAN_TOML

GOLDEN = Path(__file__).with_name("golden")
UPDATE_ENV = "ANMIN_UPDATE_GOLDEN"
LABEL_TO_LIGHT = {label: light for light, label in model.LIGHT_LABELS.items()}


@pytest.fixture
def fixture_data(tmp_path) -> store.DataDir:
    """The fixture plan with records up to June: the May report must ignore June."""
    return make_data(tmp_path / "fixture", [*RECORDS, *LATER])


def monthly(cli, data: store.DataDir, *args: str):
    return cli("--data", str(data.path), "report", "monthly", *args)


def build(data: store.DataDir, ym: tuple[int, int]) -> report.PeriodReport:
    found = actions.period_data(data, model.month_period(*ym))
    return report.build_report(found.plan, found.records, found.before, found.period, found.texts)


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize(("fmt", "name"), [("text", "monthly_2024-05.txt"), ("markdown", "monthly_2024-05.md")])
def test_golden_report(cli, fixture_data, fmt, name):
    """Byte-exact: no record this month (1.2), never reported (2.4), stale + red (2.3), red (2.2), done (1.3), metrics with and
    without a 2023 baseline, notes with newlines, Rich/Markdown markup and an ANSI escape."""
    result = monthly(cli, fixture_data, "2024-05", "--format", fmt, "--date", "2024-06-03")
    assert result.exit_code == 0, result.output
    golden = GOLDEN / name
    if os.environ.get(UPDATE_ENV):
        golden.write_bytes(result.stdout_bytes)
    assert result.stdout_bytes == golden.read_bytes()


def test_text_is_clean_for_pasting(cli, fixture_data):
    text = monthly(cli, fixture_data, "2024-05").stdout
    # a printed document has no use for terminal codes: removed, not obeyed and not shown as \x1b
    assert "\x1b" not in text and "\\x1b" not in text and "[31m" not in text
    assert "调解矛盾纠纷21件，成功率100%" in text  # and the half-width comma typed by staff is full-width
    assert "[red]重点[/red] *加急* #1" in text  # markup kept literally
    assert all(line == line.rstrip() for line in text.splitlines())
    assert not re.search(r"[\u4e00-\u9fff][,:;()]|[,:;()][\u4e00-\u9fff]", text)


def _our_words(text: str) -> str:
    """The report minus text that came from the data (titles and notes keep their own punctuation)."""
    for r in [*RECORDS, *LATER]:
        for part in (r.note, r.problem, r.next):
            for line in part.split("\n"):
                text = text.replace(line.replace("\x1b", "\\x1b"), "")
    for title in [g.title for g in PLAN.goals] + [t.title for t in PLAN.tasks]:
        text = text.replace(title, "")
    return text


def test_json_is_the_same_data(cli, fixture_data):
    result = monthly(cli, fixture_data, "2024-05", "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["schema"] == "anmin.report.monthly/3"
    assert data["date"] == date.today().isoformat()  # the signing date; 截至 stays as_of
    assert "missing" not in data["overview"] and "never_reported" not in data["overview"]  # the bulletin has them
    inward = json.loads(cli("--data", str(fixture_data.path), "report", "bulletin", "2024-05", "-f", "json").stdout)
    assert inward["schema"] == "anmin.bulletin.monthly/1" and inward["missing"] == ["1.2", "2.3", "2.4"]
    assert "\x1b" in data["goals"][1]["tasks"][0]["entries"][0]["note"]  # JSON keeps stored text (escaped by JSON)
    assert data["month"] == "2024-05" and data["as_of"] == "2024-05-31" and data["in_plan_year"] is True
    assert data["overview"]["counts"] == {"done": 1, "green": 2, "yellow": 1, "red": 3, "stale": 2, "closed": 0}
    assert data["overview"]["change"] == 24  # 32.5% → 33% (half up), 9.4% → 9%
    assert data["problems"] == ["2.4", "2.3", "2.2", "1.2"]  # red+stale (further behind first), red, yellow
    task = data["goals"][0]["tasks"][0]
    assert [e["date"] for e in task["entries"]] == ["2024-05-10", "2024-05-28"]
    assert task["entries"][1]["note"] == RECORDS[-1].note  # stored text, not escaped
    assert task["entries"][1]["metrics"][1] == {"name": "红色讲解员", "unit": "名", "value": 23, "baseline": 20}
    assert task["problem"] == "展陈资金缺口约30万元" and task["problem_date"] == "2024-04-15"  # carried forward
    assert data["goals"][0]["tasks"][1]["entries"] == []


# --------------------------------------------------------------------------- months


@pytest.mark.parametrize("month", ["2024-5", "202405", "2024年5月", "２０２４年５月", "2024/05"])
def test_month_spellings(cli, fixture_data, month):
    assert monthly(cli, fixture_data, month).stdout == monthly(cli, fixture_data, "2024-05").stdout


@pytest.mark.parametrize("month", ["2024-13", "5月", "abc", "2024-00"])
def test_bad_month_is_an_input_error(cli, fixture_data, month):
    result = monthly(cli, fixture_data, month)
    assert result.exit_code == 2 and result.stderr.startswith("错误：") and "2024-05" in result.stderr


def test_default_month_is_the_current_one(cli, tmp_path):
    """In the plan's own year the report is of this month (a plan of this year, made with init --year)."""
    today = date.today()
    assert cli("init", str(tmp_path / "now"), "--year", str(today.year)).exit_code == 0
    result = cli("report", "monthly", "--data", str(tmp_path / "now"))
    assert result.exit_code == 0 and result.stderr == "", result.stderr
    text = result.stdout
    assert f"关于{today.year}年{today.month}月\n重点工作推进情况的报告" in text and text.endswith(f"{today.day}日\n")


def test_default_month_of_a_finished_year_is_its_december(cli, fixture_data):
    """The 2024 plan read after 2024: the default report is its last month, and the first line says how to begin this year's."""
    today = date.today()
    result = monthly(cli, fixture_data)
    assert result.exit_code == 0
    assert "关于2024年12月\n重点工作推进情况的报告" in result.stdout and "截至2024年12月31日" in result.stdout
    assert result.stderr.splitlines()[0] == (
        f"提示：2024年度已结束，以下按2024年12月31日评估；开始{today.year}年的计划（结转未完成的任务）：anmin plan new {today.year}"
    )
    assert monthly(cli, fixture_data, "2024-12").stdout == result.stdout  # the same report, asked for by name


def test_month_without_records_is_a_valid_report(cli, fixture_data):
    """A month nobody reported in: the report says so once and names no one (that is the bulletin's business)."""
    result = monthly(cli, fixture_data, "2024-02", "--date", "2024-03-01")
    assert result.exit_code == 0
    assert "本月各项重点任务均未报送新进展。" in result.stdout
    assert "未报送进展的任务" not in result.stdout and "无新进展：" not in result.stdout
    assert "截至2024年2月29日" in result.stdout
    assert result.stdout.rstrip().endswith(
        "特此报告。\n　　附件：安民乡2024年重点工作任务推进台账（截至2月29日）\n\n安民乡人民政府\n2024年3月1日"
    )


def test_empty_data_folder_gives_a_report(cli, data_dir):
    """The real 2024 plan with no progress folder at all."""
    (data_dir / "progress").rmdir()
    result = cli("report", "monthly", "2024-05")
    assert result.exit_code == 0
    assert "共4项重点工作、22项重点任务" in result.stdout
    # no record by the end of May: the 20 projects and 常态 duties are red; the 2 创建 tasks (1.4, 1.8)
    # have no stage deadlines yet, so nothing is late
    assert "亮绿灯2项、黄灯0项、红灯20项" in result.stdout


def test_month_outside_the_plan_year_says_so(cli, fixture_data):
    """With no 2025 plan, 2025's records still belong to the 2024 plan: the report says so, and the clerk is told how to begin 2025's."""
    result = monthly(cli, fixture_data, "2025-01")
    assert result.exit_code == 0
    assert "2025年1月不在2024年工作思路要点的计划年度（2024年）内" in result.stdout
    assert "2025年1月" in result.stdout and "2025年1月31日" in result.stdout
    assert result.stderr.startswith("提示：2025年1月不在2024年计划的年度内") and "anmin plan new 2025" in result.stderr
    inside = monthly(cli, fixture_data, "2024-12").stdout
    assert "计划年度" not in inside


def test_change_since_last_month_uses_the_previous_month_end(fixture_data):
    may = build(fixture_data, (2024, 5))
    assert may.task("1.1").previous == 30 and may.task("1.1").progress == 45
    assert may.task("2.3").stale and may.task("2.3").last_update == date(2024, 3, 10)
    june = build(fixture_data, (2024, 6))
    assert june.task("1.1").previous == 45 and june.task("1.1").progress == 60
    assert not june.task("2.3").stale and june.task("2.3").previous == 5


def test_report_reads_only_the_months_it_needs(fixture_data, monkeypatch):
    plan = store.load_plan(fixture_data)
    store.load_index(fixture_data, plan)  # index is current (written by add_record)
    seen = []
    real = queries.load_month

    def spy(data, plan, ym):
        seen.append(ym)
        return real(data, plan, ym)

    monkeypatch.setattr(queries, "load_month", spy)
    build(fixture_data, (2024, 5))
    assert (2024, 6) not in seen and (2024, 5) in seen


# --------------------------------------------------------------------------- output files and errors


def test_output_writes_the_file_and_prints_its_path(cli, fixture_data, tmp_path):
    target = tmp_path / "月报" / "2024-05.txt"
    target.parent.mkdir()
    result = monthly(cli, fixture_data, "2024-05", "--output", str(target))
    assert result.exit_code == 0 and str(target.resolve()) in result.stdout
    assert target.read_bytes() == monthly(cli, fixture_data, "2024-05").stdout_bytes
    assert not [p for p in target.parent.iterdir() if p.name.endswith(".tmp")]


def test_output_failure_is_a_chinese_write_error(cli, fixture_data, tmp_path):
    folder = tmp_path / "a-folder"  # a folder cannot be replaced by the report file
    folder.mkdir()
    result = monthly(cli, fixture_data, "2024-05", "--output", str(folder))
    error = result.stderr.splitlines()[-1]  # after the note on the plans to fill in
    assert result.exit_code == 1 and error.startswith("错误：") and "写入" in error
    assert "Traceback" not in result.output


def test_bad_format_is_an_input_error(cli, fixture_data):
    result = monthly(cli, fixture_data, "2024-05", "--format", "pdf")
    assert result.exit_code == 2 and "text" in result.stderr and "markdown" in result.stderr


def test_md_and_txt_are_accepted_as_format_names(cli, fixture_data):
    assert "\n# 安民乡" in monthly(cli, fixture_data, "2024-05", "-f", "md").stdout
    assert "\n安民乡关于" in monthly(cli, fixture_data, "2024-05", "-f", "txt").stdout


def test_real_process_writes_a_report(anmin, fixture_data, tmp_path):
    out = tmp_path / "may.md"
    result = anmin("--data", str(fixture_data.path), "report", "monthly", "2024年5月", "-f", "markdown", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "\n# 安民乡关于2024年5月重点工作推进情况的报告\n" in out.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- properties

PLAN = store.plan_from_toml(PLAN_TOML, "plan")[0]
TASKS = {t.id: t for t in PLAN.tasks}


@st.composite
def records(draw):
    """A set of records on the fixture plan, each dated within its task's span (2024)."""
    out = []
    for n in range(draw(st.integers(0, 14))):
        task = TASKS[draw(st.sampled_from(sorted(TASKS)))]
        day = draw(st.dates(task.start, date(2024, 12, 31)))
        text = draw(st.sampled_from(["", "进展", "两行\n[red]标记[/red]", "*星* #井 <b>", "无"]))
        out.append(record(task.id, day, draw(st.integers(0, 100)), text, problem=text, next=text, hour=n % 24))
    return out


def _write_months(path: Path, recs: list[model.Record], with_index: bool) -> store.DataDir:
    data = make_data(path, [])
    by_month: dict[tuple[int, int], list] = {}
    for r in recs:
        by_month.setdefault((r.date.year, r.date.month), []).append(store.record_to_toml(r))
    for ym, rows in by_month.items():
        store.atomic_write(data.month_file(*ym), store.dump_toml({"schema": model.SCHEMA, "records": rows}))
    if with_index:
        store.atomic_write(data.index_file, index.dump_index(store.rebuild_index(data, PLAN)))
    return data


months = st.tuples(st.just(2024), st.integers(1, 12)) | st.sampled_from([(2023, 12), (2025, 1)])
PROPERTY = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@PROPERTY
@given(recs=records(), ym=months)
@pytest.mark.slow  # 1.1 s on the 2-core CI host: the fast pass stays under 30 s
def test_report_for_a_month_ignores_later_months(recs, ym):
    end = model.month_end(*ym)
    with tempfile.TemporaryDirectory() as tmp:
        everything = _write_months(Path(tmp) / "all", recs, with_index=True)
        until = _write_months(Path(tmp) / "until", [r for r in recs if r.date <= end], with_index=False)
        full, cut = build(everything, ym), build(until, ym)
    assert full == cut
    assert report.render_text(report.report_document(full)) == report.render_text(report.report_document(cut))
    assert report.render_markdown(report.report_document(full)) == report.render_markdown(report.report_document(cut))
    assert report.to_json(full) == report.to_json(cut)


@PROPERTY
@given(recs=records(), ym=months)
@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_overview_counts_equal_the_lights_listed(recs, ym):
    """The counts sentence of 一 equals the lights the model gives each task at the month's end, and
    every task of 二 is listed with that light."""
    end = model.month_end(*ym)
    before = assess.latest_by_task(recs, model.previous_month_end(*ym))
    built = report.build_report(PLAN, recs, before, model.month_period(*ym), assess.latest_values(recs, end))
    text = report.render_text(report.report_document(built))
    counted = re.search(r"已完成(\d+)项，亮绿灯(\d+)项、黄灯(\d+)项、红灯(\d+)项", text)
    latest = assess.latest_by_task(recs, end)
    direct = [ts for gs in assess.plan_status(PLAN, latest, end) for ts in gs.tasks]
    assert [int(n) for n in counted.groups()] == [sum(ts.light == key for ts in direct) for key in model.LIGHTS]
    assert "未报送进展" not in text and "未按时报送" not in text  # who did not report: the bulletin's business
    section = text.split("二、主要进展\n")[1].split("三、存在问题\n")[0]
    words = {model.DONE: "已完成", model.YELLOW: "亮黄灯", model.RED: "亮红灯"}  # green is the rule, not repeated
    for ts in direct:
        # a task with records in the month has its sentences (一是……), with its light unless green; the others are not named
        title = ts.task.title.replace(",", "，")
        if any(r.task == ts.task.id and r.date.year == ym[0] and r.date.month == ym[1] for r in recs):
            said = section.split(f"是{title}。")[1]
            said = re.split("[一二三四五六七八九十]是", said.split("\n")[0])[0]
            assert (words[ts.light] in said) if ts.light in words else not re.search("亮.灯", said), ts.task.id
        else:
            assert title not in section, ts.task.id


@PROPERTY
@given(recs=records(), ym=months)
def test_lagging_tasks_always_have_a_line_in_next_month(recs, ym):
    """Each started task behind its 序时进度 (yellow or red) has a plan line: its own, or 【待填写】."""
    end = model.month_end(*ym)
    before = assess.latest_by_task(recs, model.previous_month_end(*ym))
    built = report.build_report(PLAN, recs, before, model.month_period(*ym), assess.latest_values(recs, end))
    text = report.render_text(report.report_document(built))
    plans = text.split("四、下月工作计划\n")[1]
    for t in built.tasks:
        if t.light in (model.RED, model.YELLOW) and t.started:
            assert f"{t.title.replace(',', '，')}：" in plans
            if not t.next_step:
                assert f"{t.title.replace(',', '，')}：【待填写】" in plans
    assert "（未填报" not in text  # one placeholder everywhere


def test_previous_month_end_wraps_the_year():
    assert model.previous_month_end(2024, 1) == date(2023, 12, 31)
    assert model.previous_month_end(2024, 3) == date(2024, 2, 29)
    assert model.month_end(2024, 2) == date(2024, 2, 29)
    assert model.month_end(2023, 12) + timedelta(days=1) == date(2024, 1, 1)


def test_markdown_shows_markup_from_notes_literally(cli, fixture_data):
    from markdown_it import MarkdownIt  # comes with Rich

    html = MarkdownIt("commonmark").render(monthly(cli, fixture_data, "2024-05", "-f", "md").stdout)
    assert "新增讲解员3名 [red]重点[/red] *加急* #1，- 待定 &lt;b&gt;事项&lt;/b&gt;" in html
    assert "<b>" not in html and "<em>" not in html and "<li>" not in html
    assert "<p>一是高标准建设红色教育基地。5月10日，" in html
    assert "<p>5.推进交通、生产、食品等重点领域治理：【待填写】</p>" in html


def test_next_month_plan_is_numbered_without_gaps():
    recs = [record("2.2", date(2024, 5, 15), 30, "宣传", next="6月开展反诈宣传月活动")]
    built = report.build_report(PLAN, recs, {}, model.month_period(2024, 5))
    plans = report.render_text(report.report_document(built)).split("四、下月工作计划\n")[1].split("特此报告")[0]
    numbers = re.findall(r"^　　(\d+)\.", plans, flags=re.M)
    assert numbers == [str(n) for n in range(1, len(numbers) + 1)] and len(numbers) == 7
    assert plans.startswith("　　1.高标准建设红色教育基地：【待填写】\n")
    assert "　　5.加大反电信诈骗工作力度：6月开展反诈宣传月活动。\n" in plans
    planned = report.to_json(built)["next_period"]
    assert planned[4] == {"id": "2.2", "goal": "2", "next_plan": "6月开展反诈宣传月活动"}
    assert planned[0] == {"id": "1.1", "goal": "1", "next_plan": ""}


def test_overdue_task_is_red_and_says_so(cli, fixture_data):
    july = build(fixture_data, (2024, 7))
    assert july.task("2.2").overdue and july.task("2.2").light == model.RED
    text = cli("--data", str(fixture_data.path), "report", "bulletin", "2024-07").stdout
    overdue = text.split("五、逾期未完成\n")[1].split("六、")[0]
    assert "1.加大反电信诈骗工作力度（责任单位：乡综治办；牵头领导：张伟）：亮红灯（已逾期），完成进度30%，" in overdue


def test_closed_task_is_reported_as_closed(cli):
    done = cli("goals", "update", "1.6", "-p", "100", "-d", "2024-05-10", "--note", "品牌方案通过评审")
    assert done.exit_code == 0, done.output
    closed = cli("goals", "close", "1.6", "--note", "经乡党委会审核销号", "--date", "2024-05-20")
    assert closed.exit_code == 0, closed.output
    text = cli("report", "monthly", "2024-05").stdout
    assert "已完成1项（其中已销号1项）" in text
    assert "品牌方案通过评审。该项任务已完成并销号。" in text
    april = cli("report", "monthly", "2024-04").stdout
    assert "已销号" not in april


@pytest.mark.parametrize(
    "name",
    ["progress/2024-05.toml", "progress/月报.txt", "progress/.cache/x.txt", "goals.toml", "GOALS.TOML",
     "plans/2023.toml", ".history/x.txt", ".notices.toml", ".anmin.lock", "."],
)  # fmt: skip
def test_output_never_replaces_the_programs_own_files(cli, data_dir, name):
    """Only the program's own files and folders are refused (the rest of the data folder is the staff's)."""
    assert cli("goals", "update", "1.1", "-p", "30", "-d", "2024-05-20").exit_code == 0
    (data_dir / "progress" / ".cache").mkdir(exist_ok=True)
    before = snapshot(data_dir)
    result = cli("report", "monthly", "2024-05", "-o", str(data_dir / name))
    assert result.exit_code == 2 and "程序自己的文件" in result.stderr, result.output
    assert snapshot(data_dir) == before


def test_outputs_may_go_into_a_folder_of_ones_own_inside_the_data_folder(cli, data_dir, monkeypatch):
    """`init` tells the clerk to cd into the data folder: reports and exports without -o work there."""
    assert cli("goals", "update", "1.1", "-p", "30", "-d", "2024-05-20").exit_code == 0
    (data_dir / "月报").mkdir()
    done = cli("report", "monthly", "2024-05", "-o", str(data_dir / "月报" / "2024年5月.docx"))
    assert done.exit_code == 0, done.output
    assert (data_dir / "月报" / "2024年5月.docx").stat().st_size > 0
    monkeypatch.delenv("ANMIN_DATA")
    monkeypatch.chdir(data_dir)
    exported = cli("export", "--as-of", "2024-05-31")
    assert exported.exit_code == 0, exported.output
    assert (data_dir / "安民乡工作台账_2024-05-31.csv").is_file()
    checked = cli("check")
    assert checked.exit_code == 0 and "错误" not in checked.output, checked.output


def test_output_does_not_create_folders(cli, tmp_path):
    result = cli("report", "monthly", "2024-05", "-o", str(tmp_path / "没有的文件夹" / "月报.txt"))
    assert result.exit_code == 2 and "不存在" in result.stderr
    assert not (tmp_path / "没有的文件夹").exists()


@pytest.mark.parametrize(
    ("text", "baseline", "unit", "words"),
    [
        ("2023年共有红色讲解员20余名", 20, "名", "20余名"),
        ("全年调解矛盾纠纷约57件", 57, "件", "约57件"),
        ("接待游客超过300人次", 300, "人次", "超过300人次"),
        ("新增1200户，其中120户已完成改造", 120, "户", "120户"),
        ("完成12处", 12.5, "处", "12.5处"),  # not in the text: the figure and unit as they are
        ("覆盖率达95%", 95, "", "95"),
    ],
)
def test_baseline_words_are_the_seeds_own_where_it_states_them(text, baseline, unit, words):
    assert report.baseline_words(model.Metric("指标", unit, baseline, text)) == words
