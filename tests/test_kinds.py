"""Task kinds (项目, 创建, 常态) and metric rules (口径, target, whole numbers, max)."""

import json
import tomllib
from datetime import date, datetime, timedelta, timezone

import pytest

from anmin_track import assess, carry, model
from anmin_track.output import kinds
from conftest import snapshot

TZ = timezone(timedelta(hours=8))
SETTINGS = model.Settings()


def record(task: str, day: date, progress: int | None = None, **metrics: float) -> model.Record:
    return model.Record(
        task, day, progress, "测试员", datetime(day.year, day.month, day.day, 9, tzinfo=TZ), "开展工作", metrics=metrics
    )


def duty(**fields) -> model.Task:
    return model.Task("3.5", "3", "矛盾纠纷调解", kind=model.DUTY, **fields)


# --------------------------------------------------------------------------- 常态 lights


def test_duty_light_follows_reporting_in_the_month():
    task = duty()
    may = record("3.5", date(2024, 5, 24))
    assert assess.task_status(task, may, date(2024, 5, 25), SETTINGS).light == model.GREEN  # reported this month
    # nothing in June yet: green up to the 20th, yellow after it
    assert assess.task_status(task, may, date(2024, 6, 10), SETTINGS).light == model.GREEN
    assert assess.task_status(task, may, date(2024, 6, 21), SETTINGS).light == model.YELLOW
    late = assess.task_status(task, may, date(2024, 6, 24) + timedelta(days=1), SETTINGS._replace(stale_days=30))
    assert late.light == model.RED and late.stale  # nothing for more than stale_days
    ts = assess.task_status(task, may, date(2024, 5, 25), SETTINGS)
    assert (ts.progress, ts.expected, ts.overdue, ts.measured) == (0.0, 0.0, False, False)


def test_duty_is_done_only_when_its_year_is_over():
    task = duty()
    december = record("3.5", date(2024, 12, 5))
    assert assess.task_status(task, december, date(2024, 12, 30), SETTINGS).light == model.GREEN
    assert assess.task_status(task, december, date(2024, 12, 31), SETTINGS).light == model.DONE
    # a record saying 100 does not finish a duty
    assert (
        assess.task_status(task, record("3.5", date(2024, 6, 1), 100), date(2024, 6, 2), SETTINGS).light == model.GREEN
    )


def test_duty_light_weighs_targeted_running_totals_against_pro_rata():
    metric = model.Metric("调解矛盾纠纷", "件", target=40)
    task = duty(metrics=(metric,))
    day = date(2024, 6, 30)  # 182 of 366 days: the pro-rata share is 19.9件
    latest = record("3.5", date(2024, 6, 20))
    lit = {v: assess.task_status(task, latest, day, SETTINGS, {"调解矛盾纠纷": v}).light for v in (19, 14, 5)}
    assert lit == {19: model.GREEN, 14: model.YELLOW, 5: model.RED}  # 2, 15 and 37 points of the target behind
    lag = assess.task_status(task, latest, day, SETTINGS, {"调解矛盾纠纷": 14}).worst_lag
    assert lag is not None and round(lag.expected, 1) == 19.9 and round(lag.behind, 1) == 14.7
    # a month's figure (当期) is not a running total: no pro-rata share
    monthly = duty(metrics=(metric._replace(basis=model.PERIODIC),))
    assert assess.task_status(monthly, latest, day, SETTINGS, {"调解矛盾纠纷": 1}).light == model.GREEN


def test_goal_progress_leaves_duties_out_and_takes_their_worse_light():
    project = model.Task("3.1", "3", "应急体系")
    goal = model.Goal("3", "基层治理", (project, duty()))
    latest = {"3.1": record("3.1", date(2024, 5, 30), 50)}
    gs = assess.goal_status(goal, latest, date(2024, 5, 31), SETTINGS)
    assert gs.progress == 50 and gs.measured  # the duty is not a 0% dragging the mean down
    assert gs.light == model.RED  # the project is green, the duty never reported: red
    only_duties = assess.goal_status(model.Goal("4", "干部管育", (duty(),)), {}, date(2024, 1, 10), SETTINGS)
    assert not only_duties.measured and only_duties.light == model.GREEN


# --------------------------------------------------------------------------- 创建 stages


def test_creation_is_lit_by_stage_deadlines_not_a_line():
    task = model.Task(
        "1.4",
        "1",
        "创建省级休闲乡村",
        kind=model.CREATION,
        milestones=(model.Milestone(date(2024, 3, 31), 25), model.Milestone(date(2024, 6, 30), 50)),
    )
    applied = record("1.4", date(2024, 3, 20), 25)
    assert assess.task_status(task, applied, date(2024, 6, 30), SETTINGS).light == model.GREEN  # 评审 due at day's end
    assert assess.task_status(task, applied, date(2024, 7, 1), SETTINGS).light == model.YELLOW  # one stage late
    assert assess.task_status(task, None, date(2024, 7, 1), SETTINGS).light == model.RED  # two stages late
    assert assess.task_status(task, applied, date(2024, 9, 1), SETTINGS).expected == 50  # a step, not a line
    assert [model.stage_name(p) for p in (0, 25, 60, 100)] == ["未申报", "申报", "评审", "授牌"]


def test_update_records_a_stage_and_refuses_a_percentage_between_stages(cli, data_dir):
    done = cli("goals", "update", "1.4", "--stage", "评审", "-d", "2024-05-20")
    assert done.exit_code == 0, done.output
    assert "创建阶段 评审" in done.stdout
    shown = json.loads(cli("goals", "show", "1.4", "--json", "--as-of", "2024-05-31").stdout)
    assert (shown["task"]["task_kind"], shown["task"]["stage"], shown["history"][0]["progress"]) == ("创建", "评审", 50)
    before = snapshot(data_dir)
    between = cli("goals", "update", "1.4", "-p", "60", "-d", "2024-05-21")
    assert between.exit_code == 2 and "进度随阶段而定" in between.stderr and "--stage" in between.stderr
    wrong = cli("goals", "update", "1.1", "--stage", "评审", "-d", "2024-05-21")
    assert wrong.exit_code == 2 and "只有创建类任务按阶段记录" in wrong.stderr
    unknown = cli("goals", "update", "1.4", "--stage", "验收", "-d", "2024-05-21")
    assert unknown.exit_code == 2 and "申报、评审、命名、授牌" in unknown.stderr
    assert snapshot(data_dir) == before


# --------------------------------------------------------------------------- 常态 records without progress


def test_a_duty_record_needs_no_progress_and_its_month_says_schema_2(cli, data_dir):
    project = cli("goals", "update", "1.1", "-p", "30", "-d", "2024-04-20")
    assert project.exit_code == 0
    april = tomllib.loads((data_dir / "progress" / "2024-04.toml").read_text(encoding="utf-8"))
    assert april["schema"] == 1  # older programs keep reading months without duty records
    assert cli("goals", "update", "1.1", "-p", "35", "-d", "2024-05-19").exit_code == 0
    result = cli("goals", "update", "3.5", "--note", "调解纠纷3件", "-m", "调解矛盾纠纷=25", "-d", "2024-05-20")
    assert result.exit_code == 0, result.output
    assert "常态工作" in result.stdout and "进度" not in result.stdout
    may = tomllib.loads((data_dir / "progress" / "2024-05.toml").read_text(encoding="utf-8"))
    assert may["schema"] == 2 and "progress" not in may["records"][1] and may["records"][0]["progress"] == 35
    shown = json.loads(cli("goals", "show", "3.5", "--json", "--as-of", "2024-05-31").stdout)
    assert shown["task"]["progress"] is None and shown["history"][0]["progress"] is None
    assert cli("check").exit_code == 0
    text = cli("goals", "show", "3.5", "--as-of", "2024-05-31").stdout
    assert "常态工作" in text and "当前进度" not in text


def test_duty_refuses_a_percentage_and_an_empty_record(cli, data_dir):
    before = snapshot(data_dir)
    with_progress = cli("goals", "update", "3.5", "-p", "95", "-d", "2024-05-20")
    assert with_progress.exit_code == 2 and "常态工作，不记录完成进度" in with_progress.stderr
    empty = cli("goals", "update", "3.5", "-d", "2024-05-20")
    assert empty.exit_code == 2 and "应写明进展情况或指标数值" in empty.stderr
    assert snapshot(data_dir) == before
    project = cli("goals", "update", "1.1", "-d", "2024-05-20")
    assert project.exit_code == 2 and "缺少 --progress" in project.stderr


def test_month_schemas_older_and_newer(cli, data_dir):
    month = data_dir / "progress" / "2024-05.toml"
    bare = '[[records]]\ntask = "3.5"\ndate = 2024-05-20\nnote = "调解"\nby = "甲"\nat = 2024-05-20T10:00:00+08:00\n'
    month.write_text("schema = 1\n\n" + bare, encoding="utf-8")
    old = cli("check")
    assert (
        old.exit_code == 1
        and "2024-05.toml:1" in old.stdout + old.stderr
        and "schema 应为 2" in old.stdout + old.stderr
    )
    month.write_text("schema = 3\n\n" + bare, encoding="utf-8")
    newer = cli("goals", "list")
    assert newer.exit_code == 1 and "请升级 anmin-track" in newer.stderr
    month.write_text(bare.replace('task = "3.5"', 'task = "1.1"').join(["schema = 2\n\n", ""]), encoding="utf-8")
    missing = cli("check")
    assert missing.exit_code == 1 and "缺少进度 progress" in missing.stdout + missing.stderr


# --------------------------------------------------------------------------- metric rules


def test_whole_units_and_percent_ceiling_are_refused_naming_the_metric(cli, data_dir):
    before = snapshot(data_dir)
    half = cli("goals", "update", "1.2", "-p", "20", "-d", "2024-05-20", "-m", "红色讲解员=24.5")
    assert half.exit_code == 2 and "指标 红色讲解员 以名计，应为整数，不能是 24.5" in half.stderr
    over = cli("goals", "update", "3.5", "-d", "2024-05-20", "-m", "调解成功率=120")
    assert over.exit_code == 2 and "调解成功率" in over.stderr and "max" in over.stderr
    assert snapshot(data_dir) == before
    assert cli("goals", "update", "1.2", "-p", "20", "-d", "2024-05-20", "-m", "红色讲解员=24").exit_code == 0
    amend = cli("goals", "amend", "1.2", "-m", "红色讲解员=23.5")
    assert amend.exit_code == 2 and "应为整数" in amend.stderr


def test_check_points_at_old_records_breaking_the_rules_but_they_are_still_read(cli, data_dir):
    month = data_dir / "progress" / "2024-05.toml"
    month.write_text(
        'schema = 1\n\n[[records]]\ntask = "1.2"\ndate = 2024-05-20\nprogress = 20\nby = "甲"\n'
        'at = 2024-05-20T10:00:00+08:00\n\n[records.metrics]\n"红色讲解员" = 24.5\n',
        encoding="utf-8",
    )
    checked = cli("check")
    said = checked.stdout + checked.stderr
    assert checked.exit_code == 1 and "2024-05.toml:3" in said and "红色讲解员" in said and "旧记录照常读取" in said
    listed = cli("goals", "show", "1.2", "--json", "--as-of", "2024-05-31")
    assert listed.exit_code == 0 and json.loads(listed.stdout)["task"]["progress"] == 20


def test_plan_metric_fields_are_validated_and_need_schema_4(cli, data_dir):
    plan = data_dir / "goals.toml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text.replace('unit = "名"\n', 'unit = "名"\nbasis = "年度"\ntarget = 30.5\n', 1), encoding="utf-8")
    said = cli("check")
    out = said.stdout + said.stderr
    assert said.exit_code == 1 and "口径 basis" in out and '"累计"、"当期"' in out and "目标值 target 不对" in out
    plan.write_text(text.replace('kind = "常态"', 'kind = "日常"', 1), encoding="utf-8")
    wrong = cli("check")
    assert wrong.exit_code == 1 and "任务类型 kind = '日常' 不对" in wrong.stdout + wrong.stderr


# --------------------------------------------------------------------------- changing a kind


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_edit_kind_writes_it_and_refuses_to_strand_records_without_progress(cli, data_dir):
    assert cli("goals", "update", "3.3", "--note", "反诈宣传进村", "-d", "2024-05-20").exit_code == 0
    back = cli("goals", "edit", "3.3", "--kind", "项目")
    assert back.exit_code == 2 and "没有进度的常态工作记录" in back.stderr
    made = cli("goals", "edit", "3.1", "--kind", "常态")
    assert made.exit_code == 0, made.output
    plan = tomllib.loads((data_dir / "goals.toml").read_text(encoding="utf-8"))
    assert plan["schema"] == 5 and plan["goals"][2]["tasks"][0]["kind"] == "常态"
    added = cli("goals", "add", "1", "创建省级美丽乡村", "--kind", "创建")
    assert added.exit_code == 0, added.output
    assert json.loads(cli("goals", "show", "1.9", "--json").stdout)["task"]["task_kind"] == "创建"
    bad = cli("goals", "edit", "1.1", "--kind", "日常")
    assert bad.exit_code == 2 and "可选：项目、创建、常态" in bad.stderr


# --------------------------------------------------------------------------- wording and carrying


def test_reports_describe_duties_and_say_the_basis():
    running = (
        kinds.basis_prefix(model.CUMULATIVE, 40) + "调解矛盾纠纷25件" + kinds.target_words(25, 40, model.CUMULATIVE)
    )
    assert running == "累计调解矛盾纠纷25件，为全年目标的63%"  # the issue's own example
    assert kinds.basis_prefix(model.PERIODIC, None) == "本月"
    assert kinds.progress_part(model.DUTY, None) == ""
    assert kinds.progress_part(model.CREATION, 50) == "进入评审阶段"


def test_monthly_report_never_gives_a_duty_a_percentage(cli, data_dir):
    assert cli("goals", "update", "3.3", "--note", "开展反诈宣传进村入户", "-d", "2024-05-20").exit_code == 0
    assert cli("goals", "update", "1.1", "-p", "30", "-d", "2024-05-20").exit_code == 0
    report = cli("report", "monthly", "2024-05").stdout
    assert "加大反电信诈骗工作力度。本月开展反诈宣传进村入户。" in report
    assert not [x for x in report.splitlines() if "反电信诈骗" in x and "完成进度" in x]
    assert "保护利用项目。完成进度30%，较上月末提高30个百分点" in report  # a project still says its progress


def test_carrying_keeps_the_kind_and_carries_every_duty_without_progress():
    old = model.Plan(
        "安民乡",
        2024,
        "2024年工作思路要点",
        goals=(model.Goal("3", "治理", (duty(metrics=(model.Metric("调解矛盾纠纷", "件", target=40),)),)),),
    )
    turn = carry.begin_year(old, 2025, {"3.5": record("3.5", date(2024, 12, 10))}, {})
    (task,) = turn.new.tasks
    assert (task.kind, task.carried_from, task.carried_progress) == (model.DUTY, "2024:3.5", 0)
    assert task.metrics[0].target == 40
