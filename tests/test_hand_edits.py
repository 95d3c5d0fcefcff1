"""Month files and plans edited by hand: what `check` and every other command must notice."""

import re
import tomllib

import pytest

from conftest import snapshot

#: Evaluated inside the plan's year: a plan whose year is over says so too (tests/test_years.py).
READERS = [
    ("goals", "list", "--as-of", "2024-05-31"),
    ("goals", "show", "1.1", "--as-of", "2024-05-31"),
    ("report", "monthly", "2024-05"),
    ("export", "-o", "../台账.csv", "--as-of", "2024-05-31"),
]


def update(cli, task="1.1", progress="30", day="2024-05-20", note="推进中"):
    result = cli("goals", "update", task, "--progress", progress, "--date", day, "--note", note)
    assert result.exit_code == 0, result.output
    return result


def month(data_dir, name="2024-05.toml"):
    return data_dir / "progress" / name


def record_blocks(text: str) -> list[str]:
    """The ``[[records]]`` tables of a file this program wrote, each as text."""
    parts = re.split(r"(?m)^(?=\[\[records\]\]$)", text)
    return [p for p in parts if p.startswith("[[records]]")]


# --------------------------------------------------------------------------- `at` without a time zone


def test_a_record_without_time_zone_is_pointed_at_and_no_command_crashes(cli, data_dir):
    update(cli, progress="20", day="2024-05-20", note="有时区")
    path = month(data_dir)
    text = path.read_text(encoding="utf-8")
    naive = record_blocks(text)[0].replace("有时区", "无时区")
    naive, changed = re.subn(r"(?m)^(at = .+?)(?:[+-]\d\d:\d\d|Z)$", r"\1", naive)
    assert changed == 1
    path.write_text(text + "\n" + naive, encoding="utf-8")
    result = cli("check")
    assert result.exit_code == 1
    problem = next(line for line in result.stdout.splitlines() if "缺少时区" in line)
    at_lines = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.startswith("at =")]
    assert problem.startswith(f"data/progress/2024-05.toml:{at_lines[1]}:"), problem
    for args in READERS:
        result = cli(*args)
        assert result.exit_code == 1, (args, result.output)
        assert "内部错误" not in result.output and "缺少时区" in result.stderr, (args, result.output)
    before = snapshot(data_dir)
    assert cli("goals", "update", "1.1", "-p", "40", "-d", "2024-05-21").exit_code == 1
    assert snapshot(data_dir) == before


# --------------------------------------------------------------------------- mis-named month files


@pytest.mark.parametrize("name", ["2024-5.toml", "2024-05.TOML", "2024-05(1).toml", "2024-13.toml"])
@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_misnamed_month_file_is_reported_by_check_and_every_reader(cli, data_dir, name):
    update(cli)
    month(data_dir, name).write_text(month(data_dir).read_text(encoding="utf-8"), encoding="utf-8")
    result = cli("check")
    assert result.exit_code == 1
    assert any(line.startswith(f"data/progress/{name}:") and "文件名" in line for line in result.stdout.splitlines())
    for args in [*READERS, ("log",)]:
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)
        said = [line for line in result.stderr.splitlines() if f"data/progress/{name}：文件名不是" in line]
        assert len(said) == 1 and said[0].startswith("提示"), (args, result.stderr)
    result = cli("goals", "update", "1.1", "-p", "40", "-d", "2024-05-21")
    assert result.exit_code == 0 and name in result.stderr


def test_hidden_files_and_the_index_are_not_reported(cli, data_dir):
    update(cli)
    (data_dir / "progress" / ".DS_Store").write_bytes(b"\0")
    result = cli(*READERS[0])
    assert result.exit_code == 0 and "提示" not in result.stderr
    assert cli("check").exit_code == 0


# --------------------------------------------------------------------------- a record pasted twice


def test_a_record_pasted_twice_is_reported_not_counted_twice(cli, data_dir):
    update(cli, progress="20", day="2024-05-20", note="只有一条")
    path = month(data_dir)
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "\n" + record_blocks(text)[0], encoding="utf-8")
    result = cli("check")
    assert result.exit_code == 1
    second = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line == "[[records]]"][1]
    problem = next(line for line in result.stdout.splitlines() if "完全相同" in line)
    assert problem.startswith(f"data/progress/2024-05.toml:{second}:") and "第 1 条" in problem
    report = cli("report", "monthly", "2024-05")
    assert report.exit_code == 1 and "完全相同" in report.stderr


# --------------------------------------------------------------------------- files cut short


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_month_file_cut_short_warns_until_check_accepts_it(cli, data_dir):
    update(cli, "1.1", "20", "2024-05-10", "第一条")
    update(cli, "1.2", "30", "2024-05-12", "第二条")
    update(cli, "1.1", "40", "2024-05-20", "第三条")
    path = month(data_dir)
    text = path.read_text(encoding="utf-8")
    cut = text[: text.index(record_blocks(text)[1])]  # only the first record is left: still parses
    assert len(tomllib.loads(cut)["records"]) == 1
    path.write_text(cut, encoding="utf-8")
    for args in READERS:
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)
        assert "变小了" in result.stderr and "任务 1.2 上次读取时的最新记录" in result.stderr, (args, result.stderr)
        assert "任务 1.1 上次读取时的最新记录（2024-05-20" in result.stderr
    before = snapshot(data_dir)
    refused = cli("goals", "update", "1.3", "-p", "10", "-d", "2024-05-21")
    assert refused.exit_code == 1 and "anmin check" in refused.stderr and "未作任何修改" in refused.stderr
    assert snapshot(data_dir) == before
    checked = cli("check")
    assert checked.exit_code == 0, checked.output
    assert "注意：任务 1.2 上次读取时的最新记录" in checked.stdout and "已按现有文件确认" in checked.stdout
    after = cli(*READERS[0])
    assert after.exit_code == 0 and "提示" not in after.stderr
    update(cli, "1.3", "10", "2024-05-21", "确认之后")


def test_a_deleted_month_file_is_named(cli, data_dir):
    update(cli, "1.1", "20", "2024-04-10")
    update(cli, "1.1", "30", "2024-05-10")
    month(data_dir).unlink()
    result = cli("goals", "list")
    assert result.exit_code == 0 and "data/progress/2024-05.toml 已不存在" in result.stderr


def test_a_plan_that_lost_a_task_with_records_warns(cli, data_dir):
    update(cli, "3.1", "20", "2024-05-10")
    plan = data_dir / "goals.toml"
    text = plan.read_text(encoding="utf-8")
    start = text.index('id = "3.1"')
    block_start = text.rindex("[[goals.tasks]]", 0, start)
    block_end = text.find("[[goals.tasks]]", start)
    plan.write_text(text[:block_start] + (text[block_end:] if block_end != -1 else ""), encoding="utf-8")
    result = cli("goals", "list")
    assert result.exit_code == 0 and "任务 3.1 有进展记录，但计划文件中已没有这项任务" in result.stderr
    assert cli("check").exit_code == 1


def test_an_unchanged_folder_gives_no_warning(cli, data_dir):
    update(cli)
    for args in READERS:
        result = cli(*args)
        # a report's only note is the list of plans to fill in (【待填写】), never one about the files
        notes = [line for line in result.stderr.splitlines() if "【待填写】" not in line]
        assert result.exit_code == 0 and not [n for n in notes if "提示" in n], (args, result.stderr)


# --------------------------------------------------------------------------- the append fast path


def test_a_header_inside_a_note_never_makes_an_update_unparseable(cli, data_dir):
    path = month(data_dir)
    path.parent.mkdir(exist_ok=True)
    path.write_text(
        "schema = 1\n# 手工录入\nrecords = [\n"
        '  { task = "1.1", date = 2024-05-10, progress = 10, by = "张三", at = 2024-05-10T09:00:00+08:00, '
        'note = """第一行\n[[records]]\n""" },\n]\n',
        encoding="utf-8",
    )
    assert cli("check").exit_code == 0
    update(cli, "1.1", "20", "2024-05-20", "追加")
    records = tomllib.loads(path.read_text(encoding="utf-8"))["records"]
    assert [(r["progress"], r["note"]) for r in records] == [(10, "第一行\n[[records]]\n"), (20, "追加")]
    assert cli("check").exit_code == 0
