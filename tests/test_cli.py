"""The `anmin` command end to end: in-process (CliRunner) and as a real process."""

import json
import os
import re
import subprocess
import sys

import pytest

from anmin_track import store
from anmin_track.cli import app
from conftest import ANMIN, snapshot

CJK = re.compile(r"[\u4e00-\u9fff]")


def update(cli, task="1.1", progress="30", *extra):
    return cli("goals", "update", task, "--progress", progress, "--date", "2024-05-20", *extra)


# --------------------------------------------------------------------------- list


def test_list_shows_the_four_seed_titles(cli):
    result = cli("goals", "list", "--as-of", "2024-05-31")
    assert result.exit_code == 0, result.output
    plan = store.load_plan(store.find_data_dir())
    for goal in plan.goals:
        assert goal.title in result.stdout
    assert "序时" in result.stdout and "红灯" in result.stdout


def test_list_tasks_and_filters(cli):
    assert update(cli, "1.2", "45", "--note", "推进中").exit_code == 0
    everything = cli("goals", "list", "--tasks", "--as-of", "2024-05-31").stdout
    assert "1.7" in everything and "4.4" in everything and "待认领" in everything
    one_goal = cli("goals", "list", "-t", "--goal", "1", "--as-of", "2024-05-31").stdout
    assert "1.3" in one_goal and "2.1" not in one_goal
    green = cli("goals", "list", "--status", "绿灯", "--as-of", "2024-05-31").stdout
    assert "1.2" in green and "1.1" not in green


def test_list_json_shape_is_pinned(cli):
    # 3.5 is a 常态 duty: its record has no progress, and neither has the task
    assert cli("goals", "update", "3.5", "--metric", "调解矛盾纠纷=12", "--date", "2024-05-20").exit_code == 0
    assert update(cli, "3.1", "40").exit_code == 0
    result = cli("goals", "list", "--json", "--as-of", "2024-05-31")
    assert result.exit_code == 0
    view = json.loads(result.stdout)
    assert view["schema"] == "anmin.goals.list/2"
    assert set(view) == {"schema", "plan", "as_of", "filters", "goals"}
    goal = view["goals"][2]
    assert set(goal) == {
        "id",
        "title",
        "progress",
        "expected",
        "light",
        "light_label",
        "counts",
        "last_update",
        "tasks",
    }
    task = goal["tasks"][4]
    assert set(task) == {
        "id",
        "title",
        "lead",
        "unit",
        "owner",
        "partners",
        "start",
        "due",
        "weight",
        "task_kind",
        "stage",
        "progress",
        "expected",
        "light",
        "light_label",
        "stale",
        "overdue",
        "last_update",
        "milestones",
        "missed_milestone",
        "closed",
        "status_label",
    }
    assert (task["id"], task["task_kind"], task["progress"], task["last_update"]) == ("3.5", "常态", None, "2024-05-20")
    assert goal["tasks"][0]["task_kind"] == "项目" and goal["tasks"][0]["progress"] == 40
    assert goal["progress"] == 40.0  # 3.1 is the goal's only project: 常态 duties have no percentage to average


def test_list_rejects_unknown_status_and_goal(cli, data_dir):
    bad_status = cli("goals", "list", "--status", "purple")
    assert bad_status.exit_code == 2 and "red（红灯）" in bad_status.stderr
    bad_goal = cli("goals", "list", "--goal", "7")
    assert bad_goal.exit_code == 2 and "可选：1、2、3、4" in bad_goal.stderr


# --------------------------------------------------------------------------- update → show → list


def test_update_show_list_round_trip(cli):
    first = update(cli, "1.1", "30", "--note", "完成方案设计", "--problem", "资金未到位", "--next", "6月开工")
    assert first.exit_code == 0, first.output
    assert "已记录 1.1" in first.stdout and "2024年5月20日" in first.stdout and "anmin goals show 1.1" in first.stdout
    second = cli("goals", "update", "1.1", "-p", "45%", "-d", "2024年5月28日", "--note", "主体开工")
    assert second.exit_code == 0, second.output
    shown = cli("goals", "show", "1.1", "--as-of", "2024-05-31")
    assert shown.exit_code == 0
    out = shown.stdout
    assert out.index("主体开工") < out.index("完成方案设计")  # newest first
    assert "资金未到位" in out and "6月开工" in out and "45%" in out
    as_json = json.loads(cli("goals", "show", "1.1", "--json", "--as-of", "2024-05-31").stdout)
    assert [h["progress"] for h in as_json["history"]] == [45, 30]
    assert as_json["task"]["light"] == "green"  # 45 vs 序时 41.5
    listed = json.loads(cli("goals", "list", "--json", "--as-of", "2024-05-31").stdout)
    assert listed["goals"][0]["tasks"][0]["progress"] == 45


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_show_goal_and_metrics(cli):
    recorded = cli("goals", "update", "3.5", "--metric", "调解矛盾纠纷=12", "-m", "调解成功率=100", "-d", "2024-05-20")
    assert recorded.exit_code == 0, recorded.output
    task = json.loads(cli("goals", "show", "3.5", "--json", "--as-of", "2024-05-31").stdout)
    metrics = {m["name"]: (m["baseline"], m["latest"]) for m in task["task"]["metrics"]}
    assert metrics == {"调解矛盾纠纷": (57, 12), "调解成功率": (100, 100)}
    goal = cli("goals", "show", "3", "--as-of", "2024-05-31")
    assert goal.exit_code == 0 and "优化基层治理" in goal.stdout and "3.5" in goal.stdout


def test_forgiving_ids(cli):
    assert update(cli, "１．２", "20").exit_code == 0
    assert update(cli, "2-1", "20").exit_code == 0
    shown = cli("goals", "show", "应急", "--json")
    assert json.loads(shown.stdout)["task"]["id"] == "3.1"


def test_lower_progress_needs_a_note(cli, data_dir):
    assert update(cli, "1.1", "50").exit_code == 0
    before = snapshot(data_dir)
    lower = cli("goals", "update", "1.1", "-p", "40", "-d", "2024-05-21")
    assert lower.exit_code == 2 and "--note" in lower.stderr
    assert snapshot(data_dir) == before
    explained = cli("goals", "update", "1.1", "-p", "40", "-d", "2024-05-21", "--note", "重新核定工程量")
    assert explained.exit_code == 0


def test_late_report_is_accepted_with_a_warning(cli):
    result = cli("goals", "update", "1.1", "-p", "100", "-d", "2025-01-05")
    assert result.exit_code == 0
    assert "已过任务 1.1 的截止日期" in result.stderr and "已完成" in result.stdout


BAD_UPDATES = [
    (["goals", "update", "9.9", "-p", "10", "-d", "2024-05-20"], 2, "没有编号为"),
    (["goals", "update", "1", "-p", "10", "-d", "2024-05-20"], 2, "是目标"),
    (["goals", "update", "1.1", "-p", "101", "-d", "2024-05-20"], 2, "0 到 100"),
    (["goals", "update", "1.1", "-p", "abc", "-d", "2024-05-20"], 2, "0 到 100"),
    (["goals", "update", "1.1", "-p", "10", "-d", "2024-02-30"], 2, "不存在"),
    (["goals", "update", "1.1", "-p", "10", "-d", "明天"], 2, "无法识别"),
    (["goals", "update", "1.1", "-p", "10", "-d", "2099-01-01"], 2, "未来"),
    (["goals", "update", "1.1", "-p", "10", "-d", "2023-12-31"], 2, "早于任务 1.1 的开始日期"),
    (["goals", "update", "1.1", "-d", "2024-05-20"], 2, "缺少 --progress"),
    (["goals", "update", "3.5", "-p", "10", "-d", "2024-05-20", "-m", "件数=3"], 2, "可用指标"),
    (["goals", "update", "3.5", "-p", "10", "-d", "2024-05-20", "-m", "调解矛盾纠纷=很多"], 2, "应为数字"),
    (["goals", "update", "1.1", "-p", "10", "-d", "2024-05-20", "-m", "x=1"], 2, "没有设置指标"),
    (["goals", "update", "1.1", "--progres", "10"], 2, "没有这个选项"),
    (["goals", "updte", "1.1"], 2, "没有这个命令"),
    (["goals", "show"], 2, "缺少参数"),
    (["goals", "list", "--as-of", "昨天"], 2, "无法识别"),
    (["goals", "list", "--as-of"], 2, "选项 --as-of 后面缺少取值"),
    (["goals", "list", "多余", "的词"], 2, "多余的参数：多余 的词"),
    (["goals", "show", "1.1", "--limit", "abc"], 2, "'abc' 不是整数"),
    (["goals", "show", "1.1", "--limit", "0"], 2, "0 太小，应不小于 1"),
    (["report", "monthly", "0001-01"], 2, "无法识别"),
    (["init", " "], 2, "新数据目录的位置"),
]


@pytest.mark.parametrize(("args", "code", "words"), BAD_UPDATES)
def test_bad_input_is_one_chinese_line_and_changes_nothing(cli, data_dir, args, code, words):
    assert update(cli, "1.2", "20").exit_code == 0
    before = snapshot(data_dir)
    result = cli(*args)
    assert result.exit_code == code, result.output
    assert words in result.stderr
    assert result.stderr.startswith("错误：") and CJK.search(result.stderr)
    assert not re.search(r"\b(?:Option|Got|is not|requires|Invalid)\b", result.stderr)  # no English from Click
    assert "Traceback" not in result.output and result.exception is None or isinstance(result.exception, SystemExit)
    assert snapshot(data_dir) == before


def test_broken_plan_refuses_to_write(cli, data_dir):
    plan = data_dir / "goals.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("weight = 1", "weight = 一", 1), encoding="utf-8")
    before = snapshot(data_dir)
    result = update(cli)
    assert result.exit_code == 1
    assert "goals.toml:" in result.stderr and "TOML 格式错误" in result.stderr and "数据未作任何修改" in result.stderr
    assert snapshot(data_dir) == before


def test_markup_and_escapes_are_shown_literally(cli, data_dir):
    note = "[red]不是红色[/red] [bold]粗[/] \x1b[31m转义\x1b[0m 第二行\n第三行 😀 \u202e反向"
    assert update(cli, "1.1", "30", "--note", note, "--by", "[link=x]王五[/link]").exit_code == 0
    shown = cli("goals", "show", "1.1", "--as-of", "2024-05-31").stdout
    assert "[red]不是红色[/red]" in shown and "[bold]粗[/]" in shown and "[link=x]王五[/link]" in shown
    assert "\\x1b[31m转义" in shown and "\x1b" not in shown and "\u202e" not in shown and "\\u202e" in shown
    assert "😀" in shown and "第三行" in shown
    stored = json.loads(cli("goals", "show", "1.1", "--json").stdout)["history"][0]["note"]
    assert stored == note  # kept intact in storage


def test_check_reports_every_problem_with_file_and_line(cli, data_dir):
    assert cli("check").exit_code == 0
    assert update(cli).exit_code == 0
    ok = cli("check")
    assert ok.exit_code == 0 and "检查通过" in ok.stdout and "1 条进展记录" in ok.stdout
    month = data_dir / "progress" / "2024-05.toml"
    month.write_text(month.read_text(encoding="utf-8").replace('task = "1.1"', 'task = "8.8"'), encoding="utf-8")
    plan = data_dir / "goals.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace('id = "1.2"', 'id = "1.1"'), encoding="utf-8")
    bad = cli("check")
    assert bad.exit_code == 1
    assert re.search(r"goals\.toml:\d+: 任务编号 1\.1 重复", bad.stdout)
    assert re.search(r"progress/2024-05\.toml:\d+: 进展记录属于不存在的任务 8\.8", bad.stdout)


def test_init_creates_a_writable_copy(cli, tmp_path):
    result = cli("init", str(tmp_path / "新目录"))
    assert result.exit_code == 0 and (tmp_path / "新目录" / "goals.toml").exists()
    again = cli("init", str(tmp_path / "新目录"))
    assert again.exit_code == 2 and "已存在" in again.stderr


def _commands(group, prefix=()):
    for name, command in group.commands.items():
        path = (*prefix, name)
        yield path
        if hasattr(command, "commands"):
            yield from _commands(command, path)


@pytest.mark.slow  # 0.9 s on the 2-core CI host: the fast pass stays under 30 s
def test_every_command_has_chinese_help(cli):
    import typer

    root = typer.main.get_command(app)
    paths = [(), *_commands(root)]
    assert len(paths) >= 6
    for path in paths:
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        assert "用法：" in result.stdout and "显示本帮助并退出" in result.stdout, path
        assert "Show this message" not in result.stdout and "Options" not in result.stdout, path
        body = result.stdout.split("\n", 3)[-1]
        assert CJK.search(body), path


def test_version(cli):
    assert re.fullmatch(r"anmin-track \d+\.\d+\.\d+\n", cli("--version").stdout)


# --------------------------------------------------------------------------- real processes


def test_real_process_round_trip(anmin, data_dir):
    done = anmin("goals", "update", "2.1", "--progress", "35", "--date", "2024-05-15", "--note", "子项目验收")
    assert done.returncode == 0, done.stderr
    duty = anmin("goals", "update", "2.4", "--date", "2024-05-16", "--note", "拍摄宣传片")  # 常态: no progress
    assert duty.returncode == 0, duty.stderr
    listed = anmin("goals", "list", "--tasks", "--as-of", "2024-05-31")
    assert listed.returncode == 0 and "35%" in listed.stdout
    shown = anmin("goals", "show", "2.4", "--json")
    assert json.loads(shown.stdout)["history"][0]["note"] == "拍摄宣传片"
    assert anmin("check").returncode == 0


@pytest.mark.slow  # 0.5 s on the 2-core CI host: the fast pass stays under 30 s
def test_real_process_errors_have_no_traceback(anmin, data_dir):
    (data_dir / "goals.toml").write_text("schema = [", encoding="utf-8")
    for args in (["goals", "list"], ["goals", "update", "1.1", "-p", "3"], ["check"], ["goals", "nope"]):
        result = anmin(*args)
        assert result.returncode in (1, 2), args
        assert "Traceback" not in result.stderr and result.stderr.startswith("错误：") or "goals.toml" in result.stdout


def test_update_without_terminal_does_not_hang(anmin):
    result = anmin("goals", "update", "1.1", input="", timeout=20)
    assert result.returncode == 2 and "缺少 --progress" in result.stderr


def test_core_modules_do_not_load_the_cli_frameworks():
    code = (
        "import sys, anmin_track.model, anmin_track.store, anmin_track.actions, anmin_track.output.views, anmin_track.parse, anmin_track.output.report;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('typer', 'rich', 'click')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_json_output_does_not_load_rich_tables(data_dir):
    code = (
        "import sys; from anmin_track.cli import app;"
        "sys.argv = ['anmin', 'goals', 'list', '--json'];\n"
        "try:\n    app()\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(str(sorted(m for m in sys.modules if m.startswith('rich.table'))))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stderr.strip().endswith("[]"), result.stderr


def test_piped_list_keeps_each_seed_title_on_one_line(data_dir):
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    result = subprocess.run([str(ANMIN), "goals", "list"], capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    for goal in store.load_plan(store.find_data_dir()).goals:
        assert any(goal.title in line for line in lines), goal.title
