"""The record-aware three-way merge (``store.merge``, ``store.merge_plan``) and rule 1 (one record order): pure, fast.

Versions are built the way the program writes them (``month_document``, an appended ``[[records]]`` chunk, the
shipped goals.toml edited as text), never copied from the merge's own output.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest

from anmin_track import model
from anmin_track.store.folder import NOTICE_STATE_FILE, NOTICES_FILE
from anmin_track.store.merge_plan import merge_file
from anmin_track.store.records import RECORD_ORDER, month_document, record_to_toml, records_from_toml
from anmin_track.store.tomlcheck import dump_toml, parse_toml
from conftest import REPO

MAY = "progress/2024-05.toml"
CST = timezone(timedelta(hours=8))
PLAN = (REPO / "data" / "goals.toml").read_bytes()


def rec(task="1.1", day=2, minute=0, progress=10, note="", by="甲", second=0):
    at = datetime(2024, 5, day, 9, minute, second, tzinfo=CST)
    return model.Record(task=task, date=date(2024, 5, day), progress=progress, by=by, at=at, note=note)


def appended(content: bytes, *records: model.Record) -> bytes:
    """What `goals update` does to a month file: a ``[[records]]`` chunk at its end."""
    for r in records:
        content = content.rstrip(b"\n") + b"\n\n" + dump_toml({"records": [record_to_toml(r)]})
    return content


def records_in(content: bytes) -> list[model.Record]:
    records, problems, _ = records_from_toml(content.decode(), "m", None, (2024, 5))
    assert problems == []
    return records


def test_appends_on_both_sides_merge_to_the_same_bytes_whichever_pc_merges():
    base = month_document([rec("1.1", minute=0), rec("1.2", minute=1)])
    ours = appended(base, rec("1.1", minute=30, progress=20))
    theirs = appended(base, rec("2.1", minute=10, progress=5), rec("2.2", minute=40))
    here, there = merge_file(MAY, base, ours, theirs), merge_file(MAY, base, theirs, ours)
    assert here.conflicts == () and here.content == there.content
    merged = records_in(here.content)
    assert {(r.task, r.at.minute) for r in merged} == {("1.1", 0), ("1.2", 1), ("1.1", 30), ("2.1", 10), ("2.2", 40)}
    assert [r.at for r in merged] == sorted(r.at for r in merged)  # one order: by at (then task)
    assert here.content.startswith(base.rstrip(b"\n"))  # the common part untouched: only the appended parts parsed


def test_a_rewritten_month_merges_record_by_record_in_one_order():
    base = month_document([rec("1.1", minute=0), rec("1.2", minute=1), rec("1.3", minute=2)])
    ours = month_document([rec("1.1", minute=0, note="补充说明"), rec("1.3", minute=2)])  # amended 1.1, retracted 1.2
    theirs = appended(base, rec("4.1", minute=3))
    merged = merge_file(MAY, base, ours, theirs)
    assert merged.content == merge_file(MAY, base, theirs, ours).content
    assert [(r.task, r.note) for r in records_in(merged.content)] == [("1.1", "补充说明"), ("1.3", ""), ("4.1", "")]


def test_one_record_amended_differently_on_both_is_a_conflict_naming_task_date_field_and_both_values():
    base = month_document([rec("1.2", day=10, progress=30)])
    ours = month_document([rec("1.2", day=10, progress=45)])
    theirs = month_document([rec("1.2", day=10, progress=50)])
    merged = merge_file(MAY, base, ours, theirs)
    assert merged.content is None and len(merged.conflicts) == 1
    line = merged.conflicts[0]
    assert "任务 1.2" in line and "2024-05-10" in line and "进度" in line and "45" in line and "50" in line
    step = merged.steps[0]  # this PC given the other's value: then both sides agree
    assert step is not None and step.action == "amend" and step.args == ("1.2",)
    assert dict(step.options) == {"date": "2024-05-10", "progress": "50"}
    agreed = merge_file(MAY, base, theirs, theirs)
    assert agreed.conflicts == ()


def test_the_same_amendment_on_both_sides_and_different_fields_merge():
    base = month_document([rec("1.2", day=10, progress=30)])
    ours = month_document([rec("1.2", day=10, progress=45)])
    theirs = month_document([rec("1.2", day=10, progress=45, note="两边都改")])
    merged = records_in(merge_file(MAY, base, ours, theirs).content)
    assert [(r.progress, r.note) for r in merged] == [(45, "两边都改")]


def test_retracted_on_one_side_and_amended_on_the_other_is_a_conflict():
    base = month_document([rec("1.2", day=10, progress=30)])
    retracted = dump_toml({"schema": 1, "records": []})
    amended = month_document([rec("1.2", day=10, progress=35)])
    merged = merge_file(MAY, base, retracted, amended)
    assert merged.content is None and "已删除" in merged.conflicts[0]


def test_a_month_file_of_a_newer_program_is_not_merged():
    base = month_document([rec()])
    newer = base.replace(b"schema = 1", b"schema = 9")
    merged = merge_file(MAY, base, appended(base, rec(minute=5)), newer + b"\n")
    assert merged.content is None and "升级" in merged.conflicts[0] and "9" in merged.conflicts[0]


def test_a_bare_record_appended_raises_the_schema_of_the_merged_month():
    base = month_document([rec()])
    bare = model.Record(task="4.1", date=date(2024, 5, 2), progress=None, by="乙", at=rec(minute=8).at, note="常态工作")
    merged = merge_file(MAY, base, appended(base, rec(minute=5)), appended(base, bare)).content
    assert parse_toml(merged.decode(), "m")["schema"] == 2
    assert len(records_in(merged)) == 3


def test_merged_records_are_written_as_the_program_writes_them():
    full = rec("1.2", minute=3)._replace(problem="缺资金", next="招标", metrics={"红色讲解员": 22})
    assert tuple(record_to_toml(full)) == RECORD_ORDER
    base = month_document([rec("1.1")])
    rewritten = month_document([rec("1.1", note="更正"), full])
    assert merge_file(MAY, base, rewritten, base).content == rewritten  # one side changed: exactly its bytes


def test_month_document_writes_records_by_at_then_task():
    later, earlier, same_time = rec("1.1", minute=9), rec("2.1", minute=1), rec("1.5", minute=1)
    written = records_in(month_document([later, earlier, same_time]))
    assert [(r.task, r.at.minute) for r in written] == [("1.5", 1), ("2.1", 1), ("1.1", 9)]
    assert month_document([later, earlier, same_time]) == month_document([same_time, later, earlier])


def test_check_refuses_two_versions_of_one_record_and_still_names_a_pasted_copy():
    one = rec("1.2", minute=3, progress=30)
    two_versions = appended(month_document([one]), one._replace(progress=35))
    _, problems, _ = records_from_toml(two_versions.decode(), "m.toml", None, (2024, 5))
    second = [n for n, line in enumerate(two_versions.decode().splitlines(), 1) if line == "[[records]]"][1]
    assert len(problems) == 1 and "同一记录时间" in problems[0].message and problems[0].line == second
    pasted = appended(month_document([one]), one)
    _, problems, _ = records_from_toml(pasted.decode(), "m.toml", None, (2024, 5))
    assert len(problems) == 1 and "完全相同" in problems[0].message


def test_a_drop_in_progress_merged_from_two_pcs_passes_the_check():
    """Rules comparing a record with its predecessor are kept when a record is written, not re-judged over merged history."""
    base = month_document([rec("1.2", day=1, progress=40)])
    ours, theirs = (
        appended(base, rec("1.2", day=5, minute=1, progress=60)),
        appended(base, rec("1.2", day=3, minute=2, progress=20)),
    )
    merged = records_in(merge_file(MAY, base, ours, theirs).content)  # no problem: 40 → 20 on the 3rd, without a note
    assert [r.progress for r in sorted(merged, key=lambda r: r.sort_key)] == [40, 20, 60]


def test_a_big_month_appended_on_both_sides_merges_well_under_a_second():
    records = [rec(f"{1 + n % 4}.{1 + n % 5}", day=1 + n % 28, minute=n % 60, second=n // 60 % 60) for n in range(5700)]
    records = [r._replace(at=r.at + timedelta(microseconds=n)) for n, r in enumerate(records)]
    base = month_document(records)
    ours, theirs = appended(base, rec("1.1", day=30, minute=1)), appended(base, rec("2.1", day=30, minute=2))
    started = time.perf_counter()
    merged = merge_file(MAY, base, ours, theirs)
    took = time.perf_counter() - started
    assert merged.conflicts == () and merged.content.count(b"[[records]]") == 5702
    assert took < 0.5, took


# --------------------------------------------------------------------------- plan files


def edited(text: bytes, old: str, new: str) -> bytes:
    assert old.encode() in text
    return text.replace(old.encode(), new.encode(), 1)


def test_plan_edits_on_both_sides_merge_field_by_field_keeping_comments():
    ours = edited(PLAN, "yellow_behind = 10", "yellow_behind = 12")
    theirs = edited(PLAN, 'title = "高标准建设红色教育基地"', 'title = "高标准建设红色教育基地（二期）"')
    merged = merge_file("goals.toml", PLAN, ours, theirs)
    assert merged.conflicts == ()
    plan = parse_toml(merged.content.decode(), "goals.toml")
    assert plan["settings"]["yellow_behind"] == 12
    assert [t["title"] for g in plan["goals"] for t in g["tasks"] if t["id"] == "1.2"] == [
        "高标准建设红色教育基地（二期）"
    ]
    comments = [line for line in PLAN.decode().splitlines() if line.startswith("#")]
    assert [line for line in merged.content.decode().splitlines() if line.startswith("#")] == comments


def test_a_plan_written_in_toml_1_1_keeps_its_comments_through_a_merge():
    """The merged plan is read back with the parser every reader uses (tomli, which knows TOML 1.1 escapes like
    \\x41): read back with one that does not, it was written anew and every comment was lost."""
    base = edited(PLAN, 'org = "安民乡"', 'org = "\\x41安民乡"')
    ours = edited(base, "yellow_behind = 10", "yellow_behind = 12")
    theirs = edited(base, "stale_days = 35", "stale_days = 40")
    merged = merge_file("goals.toml", base, ours, theirs)
    assert merged.conflicts == () and merged.content is not None
    text = merged.content.decode()
    assert "yellow_behind = 12" in text and "stale_days = 40" in text
    comments = [line for line in PLAN.decode().splitlines() if line.startswith("#")]
    assert comments and [line for line in text.splitlines() if line.startswith("#")] == comments


def test_one_plan_field_edited_differently_is_a_conflict():
    ours = edited(PLAN, "red_behind = 30", "red_behind = 25")
    theirs = edited(PLAN, "red_behind = 30", "red_behind = 35")
    merged = merge_file("goals.toml", PLAN, ours, theirs)
    assert merged.content is None and merged.conflicts == ("计划的[settings]的红灯阈值：本机为 25，另一台电脑为 35",)


def test_a_task_added_on_both_pcs_under_one_id_is_a_conflict_and_one_side_adding_merges():
    def add(title: str) -> bytes:
        task = f'[[goals.tasks]]\nid = "1.9"\ntitle = "{title}"\nstart = 2024-01-01\ndue = 2024-12-31\n\n[[goals]]\nid = "2"'
        return edited(PLAN, '[[goals]]\nid = "2"', task)

    clash = merge_file("goals.toml", PLAN, add("修缮祠堂"), add("建设停车场"))
    assert clash.content is None and "任务 1.9" in clash.conflicts[0] and "各新增" in clash.conflicts[0]
    owner = edited(PLAN, 'owner = ""', 'owner = "李四"')
    one_side = merge_file("goals.toml", PLAN, add("修缮祠堂"), owner)
    assert one_side.conflicts == () and "修缮祠堂" in one_side.content.decode() and "李四" in one_side.content.decode()


def test_a_plan_of_a_newer_program_is_not_merged():
    schema = parse_toml(PLAN.decode(), "goals.toml")["schema"]
    newer = edited(PLAN, f"schema = {schema}", f"schema = {model.PLAN_SCHEMA + 1}")
    merged = merge_file("goals.toml", PLAN, edited(PLAN, "stale_days = 35", "stale_days = 30"), newer)
    assert merged.content is None and "升级" in merged.conflicts[0]


# --------------------------------------------------------------------------- the 督办 register and its state file

REGISTER = "# 督办单编号登记簿\n"


def notice(number: int, task: str) -> str:
    return f'\n[[notices]]\nyear = 2024\nnumber = {number}\ncode = "督办〔2024〕{number}号"\ntask = "{task}"\n'


def test_notices_issued_on_both_pcs_merge_by_number_and_one_number_issued_twice_is_a_conflict():
    base = (REGISTER + notice(1, "1.1")).encode()
    ours, theirs = base + notice(2, "1.2").encode(), base + notice(3, "2.1").encode()
    merged = merge_file(NOTICES_FILE, base, ours, theirs)
    assert merged.content == merge_file(NOTICES_FILE, base, theirs, ours).content
    doc = parse_toml(merged.content.decode(), NOTICES_FILE)
    assert [(n["number"], n["task"]) for n in doc["notices"]] == [(1, "1.1"), (2, "1.2"), (3, "2.1")]
    assert merged.content.decode().startswith(REGISTER)
    twice = merge_file(NOTICES_FILE, base, ours, base + notice(2, "3.1").encode())
    assert twice.content is None and "督办〔2024〕2号" in twice.conflicts[0]


STATE = "schema = 1\n"


def state(number: int, **values: str) -> str:
    fields = "".join(f'{key} = "{value}"\n' for key, value in values.items())
    return f"\n[[notices]]\nyear = 2024\nnumber = {number}\n{fields}"


def test_a_state_file_merges_per_number_and_per_field():
    base = (STATE + state(1, replied="", followed="")).encode()
    ours = (STATE + state(1, replied="2024-06-01", followed="")).encode()
    theirs = (STATE + state(1, replied="", followed="已督促") + state(2, replied="")).encode()
    merged = merge_file(NOTICE_STATE_FILE, base, ours, theirs)
    doc = parse_toml(merged.content.decode(), NOTICE_STATE_FILE)
    assert doc["schema"] == 1
    assert doc["notices"] == [
        {"year": 2024, "number": 1, "replied": "2024-06-01", "followed": "已督促"},
        {"year": 2024, "number": 2, "replied": ""},
    ]
    clash = merge_file(NOTICE_STATE_FILE, base, ours, (STATE + state(1, replied="2024-06-03", followed="")).encode())
    assert clash.content is None and "2024-06-01" in clash.conflicts[0] and "2024-06-03" in clash.conflicts[0]


@pytest.mark.parametrize("path", [NOTICE_STATE_FILE])
def test_a_state_file_of_a_newer_program_is_not_merged(path):
    merged = merge_file(path, STATE.encode(), (STATE + state(1)).encode(), b"schema = 2\n")
    assert merged.content is None and "升级" in merged.conflicts[0]


def test_a_file_the_driver_does_not_know_is_not_merged():
    assert merge_file("月报/2024年5月.docx", b"", b"a", b"b").content is None


# --------------------------------------------------------------------------- the command git runs


def test_the_driver_writes_only_ours_and_exits_1_with_the_conflicts(cli, tmp_path):
    base = month_document([rec("1.2", day=10, progress=30)])
    versions = {
        "O": base,
        "A": month_document([rec("1.2", day=10, progress=45)]),
        "B": month_document([rec("1.2", day=10, progress=50)]),
    }
    for name, content in versions.items():
        (tmp_path / name).write_bytes(content)
    result = cli("merge-driver", *(str(tmp_path / n) for n in "OAB"), MAY)
    assert (
        result.exit_code == 1
        and "任务 1.2" in result.stderr
        and "本机为 45" in result.stderr
        and "另一台电脑为 50" in result.stderr
    )
    assert {n: (tmp_path / n).read_bytes() for n in "OAB"} == versions
    (tmp_path / "B").write_bytes(appended(base, rec("2.1", minute=9)))
    result = cli("merge-driver", *(str(tmp_path / n) for n in "OAB"), MAY)
    assert result.exit_code == 0 and result.stderr == ""
    assert {(r.task, r.progress) for r in records_in((tmp_path / "A").read_bytes())} == {("1.2", 45), ("2.1", 10)}
    assert (tmp_path / "O").read_bytes() == base and sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == [
        "A",
        "B",
        "O",
    ]
