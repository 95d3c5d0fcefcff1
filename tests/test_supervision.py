"""督办 views and the ledger coming back, through the real CLI: `goals list --group`,
`goals due`, `goals list --unreported`, `anmin import`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from anmin_track import assess, model, store
from conftest import snapshot

AS_OF = "2024-05-31"
TASK_KEYS = {"task", "title", "kind", "date", "percent", "progress", "days_left", "overdue", "light", "lead"}
TASK_KEYS |= {"unit", "owner", "task_kind", "stage"}


def _json(cli, *args: str) -> dict:
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _ok(cli, *args: str, input: str | None = None):
    result = cli(*args, input=input)
    assert result.exit_code == 0, result.output
    return result


# --------------------------------------------------------------------------- goals list --group


@pytest.mark.parametrize("by, option", [("unit", "--unit"), ("lead", "--lead"), ("owner", "--owner")])
@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_group_lines_cover_every_task_once(cli, by, option):
    _ok(cli, "goals", "edit", "1.2", option, "甲")
    _ok(cli, "goals", "edit", "2.3", option, "甲")
    _ok(cli, "goals", "edit", "3.1", option, "乙")
    _ok(cli, "goals", "update", "2.3", "-p", "100", "-d", "2024-05-02")
    view = _json(cli, "goals", "list", "--group", by, "--as-of", AS_OF)
    assert set(view) == {"schema", "plan", "as_of", "group", "group_label", "groups"}
    assert view["schema"] == "anmin.goals.group/2" and view["group"] == by
    lines = {line["name"]: line for line in view["groups"]}
    assert list(lines) == ["甲", "乙", "待认领"]  # plan order, unclaimed last
    for line in view["groups"]:
        assert set(line) == {"name", "claimed", "tasks", "count", "counts", "progress", "expected", "overdue"}
        assert line["count"] == len(line["tasks"]) == sum(line["counts"][light] for light in model.LIGHTS)
        assert set(line["overdue"]) <= set(line["tasks"])
    every = [t for line in view["groups"] for t in line["tasks"]]
    assert sorted(every) == sorted(t.id for t in store.load_plan(store.find_data_dir()).tasks)
    assert lines["甲"]["tasks"] == ["1.2", "2.3"] and lines["甲"]["counts"]["done"] == 1
    assert lines["甲"]["progress"] == 50.0 and not lines["待认领"]["claimed"]
    table = _ok(cli, "goals", "list", "--group", by, "--as-of", AS_OF).stdout
    assert "甲" in table and "待认领" in table


@pytest.mark.parametrize("columns", ["80", "120"])
def test_group_table_wraps_between_task_ids_never_inside_one(cli, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", columns)
    table = _ok(cli, "goals", "list", "--group", "unit", "--as-of", AS_OF).stdout
    ids = {t.id for t in store.load_plan(store.find_data_dir()).tasks}
    shown = [word for word in table.split() if "." in word and word.replace(".", "").isdigit()]
    assert shown and set(shown) <= ids, sorted(set(shown) - ids)
    assert not any(line.strip().startswith("、") for line in table.splitlines())


def test_group_overdue_after_due_date(cli):
    _ok(cli, "goals", "edit", "1.1", "--unit", "乡文化站", "--due", "2024-04-30")
    line = _json(cli, "goals", "list", "--group", "unit", "--as-of", AS_OF)["groups"][0]
    assert line["name"] == "乡文化站" and line["overdue"] == ["1.1"]


def test_group_refuses_unknown_keys_and_mixed_options(cli):
    for args in (["--group", "by"], ["--group", "unit", "--unreported"], ["--group", "unit", "--status", "red"]):
        result = cli("goals", "list", *args)
        assert result.exit_code == 2 and "Traceback" not in result.output and result.stderr.startswith("错误")


# --------------------------------------------------------------------------- goals due


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_due_lists_deadlines_soonest_first(cli):
    _ok(cli, "goals", "milestone", "1.2", "2024-06-10", "50")
    _ok(cli, "goals", "milestone", "1.3", "2024-05-20", "30")  # passed, not reached
    _ok(cli, "goals", "edit", "2.1", "--due", "2024-06-05", "--unit", "乡农办", "--owner", "王五")
    _ok(cli, "goals", "milestone", "3.1", "2024-06-01", "20")
    _ok(cli, "goals", "update", "3.1", "-p", "20", "-d", "2024-05-30")  # reached: not listed
    view = _json(cli, "goals", "due", "--as-of", AS_OF)
    assert set(view) == {"schema", "plan", "as_of", "within", "counts", "items"}
    assert view["schema"] == "anmin.goals.due/1" and view["within"] == 15
    items = view["items"]
    assert all(set(i) == TASK_KEYS for i in items)
    assert [(i["task"], i["kind"]) for i in items] == [("1.3", "milestone"), ("2.1", "due"), ("1.2", "milestone")]
    for i in items:
        assert i["days_left"] == (date.fromisoformat(i["date"]) - date(2024, 5, 31)).days
        assert i["overdue"] == (i["days_left"] < 0) and i["progress"] < i["percent"]
    assert items[1]["unit"] == "乡农办" and items[1]["owner"] == "王五" and items[1]["percent"] == 100
    assert view["counts"] == {"due_tasks": 2, "overdue_tasks": 1}
    assert [i["task"] for i in _json(cli, "goals", "due", "--within", "7", "--as-of", AS_OF)["items"]] == ["1.3", "2.1"]
    shown = _ok(cli, "goals", "due", "--as-of", AS_OF).stdout
    assert "逾期11天" in shown and "还剩5天" in shown
    footer = _ok(cli, "goals", "list", "--as-of", AS_OF).stdout.strip().splitlines()[-1]
    assert footer == "2项任务15天内到期，1项已逾期：anmin goals due"


def test_nothing_due_says_so_and_list_has_no_footer(cli):
    assert _json(cli, "goals", "due", "--as-of", "2024-02-01")["items"] == []
    assert "没有到期" in _ok(cli, "goals", "due", "--as-of", "2024-02-01").stdout
    assert "anmin goals due" not in _ok(cli, "goals", "list", "--as-of", "2024-02-01").stdout


# --------------------------------------------------------------------------- goals list --unreported


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_unreported_is_the_reports_definition(cli):
    _ok(cli, "goals", "update", "1.1", "-p", "30", "-d", "2024-05-10")  # reported in May
    _ok(cli, "goals", "update", "1.2", "-p", "100", "-d", "2024-04-10")  # done before May
    _ok(cli, "goals", "update", "1.3", "-p", "40", "-d", "2024-04-10")  # reported in April only
    _ok(cli, "goals", "edit", "1.4", "--start", "2024-06-01")  # not started by May's end
    view = _json(cli, "goals", "list", "--unreported", "--month", "2024-05")
    assert set(view) == {"schema", "plan", "month", "start", "end", "tasks"}
    assert view["schema"] == "anmin.goals.unreported/2"
    assert (view["month"], view["start"], view["end"]) == ("2024-05", "2024-05-01", "2024-05-31")
    ids = [t["id"] for t in view["tasks"]]
    assert not {"1.1", "1.2", "1.4"} & set(ids) and "1.3" in ids
    assert len(ids) == 22 - 3
    first = view["tasks"][0]
    assert first["id"] == "1.3" and first["progress"] == 40.0 and first["last_update"] == "2024-04-10"
    assert "从未报送" in _ok(cli, "goals", "list", "--unreported", "--month", "2024-05").stdout


def test_unreported_model_function():
    task = model.Task(id="1.1", goal_id="1", title="t", start=date(2024, 3, 1))
    settings = model.Settings()
    at = datetime(2024, 1, 1)
    done = model.Record("1.1", date(2024, 2, 1), 100, "x", at)
    start, end = date(2024, 5, 1), date(2024, 5, 31)
    idle = assess.task_status(task, None, date(2024, 4, 30), settings)
    assert assess.unreported([idle], [], start, end) == [idle]
    in_month = model.Record("1.1", date(2024, 5, 31), 10, "x", at)
    assert assess.unreported([idle], [in_month], start, end) == []
    finished = assess.task_status(task, done, date(2024, 4, 30), settings)
    assert assess.unreported([finished], [], start, end) == []
    late = assess.task_status(model.Task(id="1.1", goal_id="1", title="t", start=date(2024, 6, 1)), None, end, settings)
    assert assess.unreported([late], [], start, end) == []


# --------------------------------------------------------------------------- anmin import


def _edit_xlsx(path: Path, edits: dict[str, dict[str, str]], target: Path, number_ids: bool = False) -> Path:
    book = openpyxl.load_workbook(path)
    sheet = book["工作台账"]
    header = {str(c.value).replace("\n", ""): c.column for c in sheet[2]}
    for row in range(3, sheet.max_row + 1):
        task = sheet.cell(row, header["序号"]).value
        for column, value in edits.get(task, {}).items():
            sheet.cell(row, header[column]).value = value
        if number_ids and isinstance(task, str) and task.count(".") == 1:
            sheet.cell(row, header["序号"]).value = float(task)
    book.save(target)
    return target


@pytest.mark.slow  # 0.5 s on the 2-core CI host: the fast pass stays under 30 s
def test_import_round_trip_and_undo(cli, data_dir: Path, tmp_path: Path):
    _ok(cli, "export", "-o", "台账.xlsx", "--as-of", AS_OF)
    before = (data_dir / "goals.toml").read_bytes()
    edits = {"1.2": {"牵头领导": "张三", "责任单位": "乡文化站", "责任人": "李四"}, "4.4": {"责任单位": "党政办"}}
    edited = _edit_xlsx(tmp_path / "台账.xlsx", edits, tmp_path / "填好的台账.xlsx")
    unchanged = snapshot(data_dir)
    refused = cli("import", str(edited), input="n\n")
    assert refused.exit_code == 0 and "已取消，未作任何修改。" in refused.stdout and snapshot(data_dir) == unchanged
    assert "1.2" in refused.stdout and "乡文化站" in refused.stdout
    _ok(cli, "import", str(edited), "--yes")
    plan = store.load_plan(store.find_data_dir())
    t12, t44 = plan.task("1.2"), plan.task("4.4")
    assert t12 is not None and t44 is not None
    assert (t12.lead, t12.unit, t12.owner) == ("张三", "乡文化站", "李四") and t44.unit == "党政办"
    assert sum(1 for t in plan.tasks if t.unit) == 2
    assert "# " in (data_dir / "goals.toml").read_text(encoding="utf-8")  # comments kept
    line = _json(cli, "goals", "list", "--group", "unit", "--as-of", AS_OF)["groups"][0]
    assert line["name"] == "乡文化站" and line["tasks"] == ["1.2"]
    again = _ok(cli, "import", str(edited), "--yes")
    assert "未作修改" in again.stdout
    _ok(cli, "undo", "--yes")
    assert (data_dir / "goals.toml").read_bytes() == before


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_import_csv_with_formula_ids(cli, tmp_path: Path):
    for n in range(8, 11):
        _ok(cli, "goals", "add", "1", f"新增任务{n}")
    _ok(cli, "export", "-o", "台账.csv", "--as-of", AS_OF)
    rows = list(csv.reader(io.StringIO((tmp_path / "台账.csv").read_text(encoding="utf-8-sig"))))
    header = rows[0]
    target = next(r for r in rows if r[0] == '="1.10"')
    target[header.index("责任单位")] = "乡农办"
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    (tmp_path / "改.csv").write_text(out.getvalue(), encoding="utf-8-sig")
    _ok(cli, "import", "改.csv", "--yes")
    plan = store.load_plan(store.find_data_dir())
    assert [t.id for t in plan.tasks if t.unit] == ["1.10"]


@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_number_ids_are_read_when_unambiguous_and_refused_otherwise(cli, data_dir: Path, tmp_path: Path):
    _ok(cli, "export", "-o", "台账.xlsx", "--as-of", AS_OF)
    edited = _edit_xlsx(tmp_path / "台账.xlsx", {"1.2": {"责任单位": "乡文化站"}}, tmp_path / "数.xlsx", True)
    _ok(cli, "import", str(edited), "--yes")
    task = store.load_plan(store.find_data_dir()).task("1.2")
    assert task is not None and task.unit == "乡文化站"
    for n in range(8, 11):
        _ok(cli, "goals", "add", "1", f"新增任务{n}")
    _ok(cli, "export", "-o", "台账2.xlsx", "--as-of", AS_OF)
    edited = _edit_xlsx(tmp_path / "台账2.xlsx", {"1.1": {"责任单位": "乡农办"}}, tmp_path / "数2.xlsx", True)
    unchanged = snapshot(data_dir)
    result = cli("import", str(edited), "--yes")
    assert result.exit_code == 1 and snapshot(data_dir) == unchanged
    message = result.stderr.strip()
    assert len(message.splitlines()) == 1 and "1.1、1.10" in message and "第" in message and "行" in message


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_unit_list_catches_typos_with_a_suggestion(cli, data_dir: Path, tmp_path: Path):
    plan_file = data_dir / "goals.toml"
    text = plan_file.read_text(encoding="utf-8")
    plan_file.write_text(text.replace("stale_days = 35", 'stale_days = 35\nunits = ["乡农办", "乡文化站"]'), "utf-8")
    _ok(cli, "check")
    _ok(cli, "export", "-o", "台账.xlsx", "--as-of", AS_OF)
    edited = _edit_xlsx(tmp_path / "台账.xlsx", {"2.1": {"责任单位": "乡农业办"}}, tmp_path / "错.xlsx")
    unchanged = snapshot(data_dir)
    result = cli("import", str(edited), "--yes")
    assert result.exit_code == 1 and snapshot(data_dir) == unchanged
    assert "乡农业办" in result.stderr and "是否应为“乡农办”" in result.stderr
    ok = _edit_xlsx(tmp_path / "台账.xlsx", {"2.1": {"责任单位": "乡农办"}}, tmp_path / "对.xlsx")
    _ok(cli, "import", str(ok), "--yes")
    assert store.load_plan(store.find_data_dir()).settings.units == ("乡农办", "乡文化站")
    _ok(cli, "goals", "edit", "2.2", "--owner", "某人")  # a later plan edit keeps the list
    assert store.load_plan(store.find_data_dir()).settings.units == ("乡农办", "乡文化站")


def test_import_refuses_files_that_are_not_ledgers(cli, data_dir: Path, tmp_path: Path):
    unchanged = snapshot(data_dir)
    (tmp_path / "空.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (tmp_path / "坏.xlsx").write_bytes(b"PK\x03\x04 not really")
    for name in ("空.csv", "坏.xlsx", "没有这个文件.xlsx"):
        result = cli("import", name, "--yes")
        assert result.exit_code in (1, 2) and "Traceback" not in result.output, result.output
        assert result.stderr.startswith("错误") and len(result.stderr.strip().splitlines()) == 1
    assert snapshot(data_dir) == unchanged
