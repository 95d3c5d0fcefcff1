"""`anmin county report`: a small county checked by hand, read-only townships, the county's cache, ranking rules."""

from __future__ import annotations

import json
import os
import stat
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from anmin_track import model, rollup
from anmin_track.store import county as county_store
from anmin_track.store.notice_state import NoticeState, state_document

MAY = model.month_period(2024, 5)
#: 序时进度 of a task running through 2024, at the end of May: 152 of 366 days.
EXPECTED_MAY = 152 / 366 * 100

PLAN = """schema = 4

[plan]
org = "{org}"
year = {year}
title = "{year}年工作思路要点"

[[goals]]
id = "1"
title = "重点工作"
{tasks}
"""
TASK = """
[[goals.tasks]]
id = "1.{n}"
title = "任务{n}"
start = {year}-01-01
due = {year}-12-31
"""


def plan_text(org: str, year: int = 2024, tasks: int = 4) -> str:
    return PLAN.format(org=org, year=year, tasks="".join(TASK.format(n=n, year=year) for n in range(1, tasks + 1)))


def record(task: str, day: str, progress: int) -> str:
    return (
        f'[[records]]\ntask = "{task}"\ndate = {day}\nprogress = {progress}\nnote = "推进"\nproblem = ""\n'
        f'next = ""\nby = "测试员"\nat = {day}T18:00:00+08:00\n\n'
    )


def township(
    root: Path, folder: str, org: str, records: dict[str, list[tuple[str, str, int]]], *, inner: bool = False
) -> Path:
    data = root / folder / "data" if inner else root / folder
    (data / "progress").mkdir(parents=True)
    (data / "goals.toml").write_text(plan_text(org), encoding="utf-8")
    for month, rows in records.items():
        text = "schema = 1\n\n" + "".join(record(*r) for r in rows)
        (data / "progress" / f"{month}.toml").write_text(text, encoding="utf-8")
    return data


NOTICE = """
[[notices]]
year = 2024
number = {number}
code = "督办〔2024〕{number}号"
task = "{task}"
title = "任务"
signed = 2024-05-05
as_of = 2024-05-04
reply_by = {reply_by}
by = "测试员"
at = 2024-05-05T10:00:00+08:00
"""


@pytest.fixture
def county(tmp_path: Path) -> Path:
    """Three townships whose rows are worked out by hand below, one broken, one without a 2024 plan."""
    root = tmp_path / "县"
    # 甲乡: 1.1 done, 1.2 at 50 (green), 1.3 at 20 in April (yellow, not reported in May), 1.4 never (red)
    jia = township(
        root,
        "甲乡",
        "甲乡人民政府",
        {"2024-04": [("1.3", "2024-04-15", 20)], "2024-05": [("1.1", "2024-05-10", 100), ("1.2", "2024-05-20", 50)]},
    )
    (jia / ".notices.toml").write_text(
        NOTICE.format(number=1, task="1.4", reply_by="2024-05-20")  # open, overdue at May's end
        + NOTICE.format(number=2, task="1.1", reply_by="2024-05-20")  # closed (销号) on 5月25日: not open
        + NOTICE.format(number=3, task="1.3", reply_by="2024-06-10"),  # open, not yet due
        encoding="utf-8",
    )
    sent = datetime(2024, 5, 5, 10, tzinfo=timezone(timedelta(hours=8)))
    states = {
        (2024, 1): NoticeState(2024, 1, "1.4", to="甲乡农办", sent_at=sent),
        (2024, 2): NoticeState(2024, 2, "1.1", to="甲乡农办", sent_at=sent, closed_on=date(2024, 5, 25)),  # 销号
        (2024, 3): NoticeState(
            2024, 3, "1.3", to="甲乡农办", sent_at=sent, signed_by="张三", signed_on=date(2024, 5, 6)
        ),
    }
    (jia / ".notices-state.toml").write_bytes(state_document(states))
    # 乙镇: three tasks at 60 (green), 1.4 at 5 (red); all four reported in May
    township(
        root,
        "乙镇",
        "乙镇",
        {
            "2024-05": [
                ("1.1", "2024-05-08", 60),
                ("1.2", "2024-05-08", 60),
                ("1.3", "2024-05-08", 60),
                ("1.4", "2024-05-09", 5),
            ]
        },
    )
    # 丙乡 (data/ inside): every task at 40, green
    township(root, "丙乡", "丙乡", {"2024-05": [(f"1.{n}", "2024-05-15", 40) for n in range(1, 5)]}, inner=True)
    broken = township(root, "丁乡", "丁乡", {"2024-05": [("1.1", "2024-05-15", 40)]})
    month = broken / "progress" / "2024-05.toml"
    month.write_text(month.read_text(encoding="utf-8").replace("progress = 40", "progress = 400"), encoding="utf-8")
    old = root / "戊乡"
    old.mkdir()
    (old / "goals.toml").write_text(plan_text("戊乡", 2023), encoding="utf-8")
    (root / "not-a-township").mkdir()  # no plan: not a township folder
    return root


def files_of(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file and folder under ``folder``: content and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else b"", p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
    }


def townships_of(root: Path) -> dict:
    return {p.name: files_of(p) for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")}


def report_json(cli, root: Path, *extra: str, month: str = "2024-05") -> tuple[dict, str]:
    """`anmin county report MONTH ROOT --json`, by ``cli`` (in-process) or ``anmin`` (a process)."""
    done = cli("county", "report", month, str(root), "--json", *extra)
    assert getattr(done, "returncode", getattr(done, "exit_code", None)) == 0, done.stderr
    return json.loads(done.stdout), done.stderr


# --------------------------------------------------------------------------- end to end


def test_a_small_county_is_ranked_and_counted_as_worked_out_by_hand(cli, county):
    found, stderr = report_json(cli, county)
    ranked = [(t["rank"], t["folder"]) for t in found["townships"]]
    # 丙乡 no red; 乙镇 and 甲乡 one red in four each, 乙镇 reported every task (甲乡 two of four)
    assert ranked == [(1, "丙乡"), (2, "乙镇"), (3, "甲乡")]
    jia = found["townships"][2]
    assert jia["name"] == "甲乡人民政府"  # the plan's org
    assert jia["tasks"] == 4 and jia["kinds"] == {"项目": 4, "创建": 0, "常态": 0}
    assert jia["lights"] == {"done": 1, "green": 1, "yellow": 1, "red": 1}
    assert jia["overdue"] == 0
    assert (jia["due"], jia["reported"], jia["report_rate"]) == (4, 2, 0.5)
    assert jia["progress"] == round((100 + 50 + 20 + 0) / 4, 1)
    assert jia["expected"] == round(EXPECTED_MAY, 1)
    assert (jia["notices_open"], jia["notices_overdue"]) == (2, 1)
    assert jia["data_until"] == "2024-05-20"
    assert [t["id"] for t in jia["red_tasks"]] == ["1.4"]
    yi = found["townships"][1]
    assert yi["lights"] == {"done": 0, "green": 3, "yellow": 0, "red": 1} and yi["report_rate"] == 1.0
    skipped = {s["folder"]: s for s in found["skipped"]}
    assert set(skipped) == {"丁乡", "戊乡"}
    assert skipped["丁乡"]["file"] == "丁乡/progress/2024-05.toml" and skipped["丁乡"]["line"] == 6
    assert "超出范围" in skipped["丁乡"]["reason"]
    assert "没有2024年的计划" in skipped["戊乡"]["reason"]
    assert "未纳入汇总：丁乡/progress/2024-05.toml:6:" in stderr


def test_county_toml_names_orders_excludes_and_changes_the_rule(cli, county):
    (county / "county.toml").write_text(
        '[county]\nname = "测试县"\nranking = ["报送率", "红灯占比"]\n\n'
        '[[townships]]\nfolder = "甲乡"\nname = "甲乡"\n\n[[townships]]\nfolder = "丁乡"\nexclude = true\n',
        encoding="utf-8",
    )
    found, _ = report_json(cli, county)
    # 报送率 first: 乙镇 and 丙乡 reported everything (100%), 丙乡 has fewer reds; 甲乡 (50%) last
    assert [t["folder"] for t in found["townships"]] == ["丙乡", "乙镇", "甲乡"]
    assert found["townships"][2]["name"] == "甲乡" and found["county"] == "测试县"
    assert [s["folder"] for s in found["skipped"]] == ["戊乡"]  # 丁乡 left out, not skipped


def test_a_wrong_county_toml_names_its_line(cli, county):
    (county / "county.toml").write_text('[county]\nranking = ["红灯占比", "好坏"]\n', encoding="utf-8")
    done = cli("county", "report", "2024-05", str(county))
    assert done.exit_code == 1
    assert "county.toml:2: 排名规则 好坏 无效" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_township_folders_are_never_written_even_read_only(anmin, county):
    before = townships_of(county)
    for path in county.rglob("*"):
        if not path.is_relative_to(county / ".anmin-county"):
            path.chmod(path.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
    try:
        found, _ = report_json(anmin, county)
        again, _ = report_json(anmin, county)  # from the cache
        assert again == found and len(found["townships"]) == 3
        assert townships_of(county) == before  # bytes, times, and no file added (no lock, no index)
    finally:
        for path in county.rglob("*"):
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert (county / ".anmin-county" / "甲乡" / "rows.json").is_file()


def test_the_cache_is_refreshed_when_a_township_changes(cli, county):
    first, _ = report_json(cli, county)
    month = county / "乙镇" / "progress" / "2024-05.toml"
    month.write_text(month.read_text(encoding="utf-8") + record("1.4", "2024-05-30", 45), encoding="utf-8")
    second, _ = report_json(cli, county)
    yi = next(t for t in second["townships"] if t["folder"] == "乙镇")
    assert yi["lights"]["red"] == 0 and yi["data_until"] == "2024-05-30"
    assert [t["folder"] for t in first["townships"]][:2] == ["丙乡", "乙镇"]
    assert [t["folder"] for t in second["townships"]][:2] == ["乙镇", "丙乡"]  # now ahead of 序时 more than 丙乡


def test_without_a_writable_cache_the_county_is_still_reported(cli, county):
    (county / ".anmin-county").write_text("一个文件，不是文件夹", encoding="utf-8")
    found, stderr = report_json(cli, county)
    assert len(found["townships"]) == 3
    assert "无法写入县级汇总的缓存" in stderr


@pytest.mark.slow  # 0.1 s on the 2-core CI host: the fast pass stays under 30 s
def test_the_documents_are_written_outside_the_townships(cli, county, tmp_path):
    for name in ("通报.docx", "汇总表.xlsx", "通报.md"):
        done = cli("county", "report", "2024-05", str(county), "-o", str(tmp_path / name), "--date", "2024-06-03")
        assert done.exit_code == 0, done.stderr
        assert "纳入 3 个乡镇" in done.stdout and "2 个乡镇的数据无法读取" in done.stdout
    text = (tmp_path / "通报.md").read_text(encoding="utf-8")
    assert "关于2024年5月" in text and "下步要求" in text and "【待填写】" in text
    assert "本月排名第一的是丙乡，排名最后的是甲乡人民政府。" in text
    assert "未纳入本次汇总的乡镇" in text and "丁乡/progress/2024-05.toml 第6行" in text
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "汇总表.xlsx").active
    assert [sheet.cell(row, 2).value for row in (3, 4, 5)] == ["丙乡", "乙镇", "甲乡人民政府"]
    refused = cli("county", "report", "2024-05", str(county), "-o", str(county / "甲乡" / "通报.docx"))
    assert refused.exit_code == 2 and "不在其中写入" in refused.stderr
    assert not (county / "甲乡" / "通报.docx").exists()


def test_an_empty_folder_is_a_usage_error(cli, tmp_path):
    (tmp_path / "空").mkdir()
    done = cli("county", "report", "2024-05", str(tmp_path / "空"))
    assert done.exit_code == 2 and "没有乡镇的数据目录" in done.stderr
    inside = cli("county", "report", "2024-05", str(tmp_path / "data"))  # a township's own folder
    assert inside.exit_code == 2 and "它本身是一个乡镇的数据目录" in inside.stderr


# --------------------------------------------------------------------------- the county's cache, in-process


def test_a_copied_township_keeps_its_cached_rows(county):
    from anmin_track.actions.county import county_report

    county_report(county, (2024, 5))
    jia = next(t for t in county_store.find_townships(county) if t.folder == "甲乡")
    for path in jia.data.path.rglob("*.toml"):  # a fresh copy: new times, the same content
        os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    cache = county_store.CountyCache(county)
    assert "2024-05" in cache.rows(jia, county_store.folder_stamps(jia.data))
    (jia.data.path / "goals.toml").write_text(plan_text("改名"), encoding="utf-8")
    assert cache.rows(jia, county_store.folder_stamps(jia.data)) == {}


# --------------------------------------------------------------------------- rules


def row(
    folder: str, red: int, tasks: int, due: int, reported: int, progress: float, expected: float = 50
) -> rollup.TownshipRow:
    return rollup.TownshipRow(
        folder=folder,
        org=folder,
        year=2024,
        kinds={model.PROJECT: tasks},
        lights={model.DONE: 0, model.GREEN: tasks - red, model.YELLOW: 0, model.RED: red},
        overdue=0,
        due=due,
        reported=reported,
        progress=progress,
        expected=expected,
        measured=True,
        notices_open=0,
        notices_overdue=0,
        data_until=date(2024, 5, 30),
        red_tasks=tuple(rollup.RedTask(f"1.{n}", "任务", model.PROJECT, 0, 50, False) for n in range(red)),
    )


def test_ranking_is_red_share_then_report_rate_then_progress_with_ties_in_listed_order():
    rows = [
        row("a", 1, 10, 10, 9, 40),  # 10 % red, 90 %
        row("b", 1, 10, 10, 10, 40),  # 10 % red, 100 %
        row("c", 0, 5, 5, 1, 10),  # no red
        row("d", 2, 20, 10, 10, 45),  # 10 % red, 100 %, ahead of b
        row("e", 2, 20, 10, 10, 45),  # the same as d
    ]
    settings = rollup.CountySettings(order=("e", "d"))
    ranked = rollup.rank(rows, settings)
    assert [(r.rank, r.row.folder) for r in ranked] == [(1, "c"), (2, "e"), (2, "d"), (4, "b"), (5, "a")]
    assert [r.row.folder for r in rollup.laggards(ranked, settings)] == ["d", "b", "a"]
    assert [r.row.folder for r in rollup.laggards(ranked[:2], settings)] == ["e"]
    assert rollup.laggards(ranked[:1], settings) == []  # never the whole list
    by_progress = rollup.rank(rows, settings._replace(ranking=("进度差",)))
    assert [r.row.folder for r in by_progress][:2] == ["e", "d"]


def test_a_name_two_townships_share_is_told_apart_by_folder():
    rows = [row("a", 0, 4, 4, 4, 50)._replace(org="安民乡"), row("b", 1, 4, 4, 4, 50)._replace(org="安民乡")]
    ranked = rollup.rank([*rows, row("c", 2, 4, 4, 4, 50)], rollup.CountySettings(names={"c": "枫坪乡"}))
    assert [r.name for r in ranked] == ["安民乡（a）", "安民乡（b）", "枫坪乡"]


def test_a_township_of_a_newer_program_is_skipped_and_named(cli, county):
    plan = county / "乙镇" / "goals.toml"
    plan.write_text(plan.read_text(encoding="utf-8").replace("schema = 4", "schema = 9"), encoding="utf-8")
    found, _ = report_json(cli, county)
    newer = next(s for s in found["skipped"] if s["folder"] == "乙镇")
    assert (newer["file"], newer["line"]) == ("乙镇/goals.toml", 1) and "请升级" in newer["reason"]


def test_every_ranking_rule_has_a_sort_key():
    assert set(rollup._KEYS) == set(rollup.fields.RANKINGS)


def test_a_row_survives_the_cache():
    kept = row("a", 1, 10, 10, 9, 40)
    assert rollup.row_from_dict(json.loads(json.dumps(rollup.to_dict(kept)))) == kept


def test_a_township_of_several_years_is_read_through_the_plan_of_the_month(cli, county):
    jia = county / "甲乡"
    (jia / "plans").mkdir()
    (jia / "plans" / "2023.toml").write_text(plan_text("甲乡人民政府", 2023, tasks=2), encoding="utf-8")
    (jia / "progress" / "2023-05.toml").write_text("schema = 1\n\n" + record("1.1", "2023-05-12", 80), encoding="utf-8")
    found, _ = report_json(cli, county, month="2023-05")
    # 甲乡: 1.1 green at 80, 1.2 never reported (red); 戊乡 (a 2023 plan only): four tasks never reported
    assert [(t["folder"], t["year"], t["tasks"]) for t in found["townships"]] == [("甲乡", 2023, 2), ("戊乡", 2023, 4)]
    assert found["townships"][0]["lights"] == {"done": 0, "green": 1, "yellow": 0, "red": 1}
    assert found["townships"][0]["data_until"] == "2024-05-20"  # its latest record, whichever year's
    assert {s["folder"] for s in found["skipped"]} == {"乙镇", "丙乡", "丁乡"}  # no 2023 plan
    may, _ = report_json(cli, county)
    assert next(t for t in may["townships"] if t["folder"] == "甲乡")["tasks"] == 4  # 2024: the current plan


def test_a_folder_opened_read_only_is_never_written(tmp_path):
    from anmin_track import store
    from anmin_track.errors import ReadOnlyError

    folder = township(tmp_path, "乡", "乡", {"2024-05": [("1.1", "2024-05-10", 30)]})
    data = store.DataDir(folder, readonly=True)
    plan = store.load_plan(data)
    assert store.latest_records(data, plan, MAY.end)["1.1"].progress == 30  # its index built, not saved
    assert sorted(p.name for p in (folder / "progress").iterdir()) == ["2024-05.toml"]
    with pytest.raises(ReadOnlyError), store.locked(data, "测试"):
        pass
    assert all(view.readonly for view in store.views(data))  # every year's view keeps it
    assert not (folder / store.LOCK_FILE).exists()
    store.latest_records(store.DataDir(folder), plan, MAY.end)  # as a township's own command: saved
    assert (folder / "progress" / "index.toml").is_file()


@pytest.mark.slow  # builds ten townships with the benchmark's builder (about 5 s)
def test_many_generated_townships_read_in_parallel_match_one_by_one(tmp_path, anmin, monkeypatch):
    import subprocess
    import sys

    from anmin_track.actions import county as county_actions
    from conftest import REPO

    root = tmp_path / "县"
    builder = REPO / "benchmarks" / "county.py"
    subprocess.run([sys.executable, str(builder), "--build", str(root), "10", "300"], check=True, timeout=120)
    for township in (p for p in root.iterdir() if p.is_dir()):  # as from sync repositories: no index
        (township / "progress" / "index.toml").unlink(missing_ok=True)
    before = townships_of(root)
    parallel, said = report_json(anmin, root, month="2024-12")  # ten to read: by two processes
    assert said == ""  # the readers make the cache's folders side by side, and say nothing
    shutil_rmtree(root / ".anmin-county")
    monkeypatch.setattr(county_actions, "PARALLEL_FROM", 1000)
    one_by_one = county_actions.county_report(root, (2024, 12))
    assert [(t["folder"], t["rank"]) for t in parallel["townships"]] == [
        (r.row.folder, r.rank) for r in one_by_one.ranked
    ]
    assert [t["name"] for t in parallel["townships"]][:1] == [r.name for r in one_by_one.ranked][:1]
    assert len({t["progress"] for t in parallel["townships"]}) == 4  # four paces, copied round-robin
    cached, _ = report_json(anmin, root, month="2024-12")
    assert cached == parallel
    assert townships_of(root) == before


def shutil_rmtree(path: Path) -> None:
    import shutil

    shutil.rmtree(path)


def test_text_from_the_townships_is_shown_harmlessly(cli, tmp_path):
    root = tmp_path / "县"
    folder = township(root, "乡\x1b[2J", "恶意乡", {"2024-05": [("1.1", "2024-05-10", 5)]})
    plan = folder / "goals.toml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace('title = "任务1"', 'title = "任务\\u001b]0;x\\u0007一"'),
        encoding="utf-8",
    )
    township(root, "乙", "乙", {"2024-05": [(f"1.{n}", "2024-05-10", 60) for n in range(1, 5)]})
    (root / "county.toml").write_text(
        '[[townships]]\nfolder = "乙"\nname = "乙\\u001b[31m镇\\u202e"\n', encoding="utf-8"
    )
    shown = cli("county", "report", "2024-05", str(root))
    assert shown.exit_code == 0, shown.stderr
    assert "乙镇" in shown.stdout and "任务一" in shown.stdout  # the terminal codes taken out whole
    assert not any(ch in shown.stdout for ch in "\x1b\x07\u202e")
    raw = cli("county", "report", "2024-05", str(root), "--json").stdout
    assert "\x1b" not in raw and "\u202e" not in raw and "\\u001b" in raw  # escaped, as every --json
    assert {t["folder"] for t in json.loads(raw)["townships"]} == {"乡\x1b[2J", "乙"}


@pytest.mark.slow  # builds thirty townships of 3,000 records (about 10 s)
def test_ctrl_c_while_reading_ends_the_readers_too(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from conftest import ANMIN, REPO, ctrl_c_reaches

    root = tmp_path / "县"
    builder = REPO / "benchmarks" / "county.py"
    subprocess.run([sys.executable, str(builder), "--build", str(root), "30", "3000"], check=True, timeout=300)
    for township in (p for p in root.iterdir() if p.is_dir()):
        (township / "progress" / "index.toml").unlink()
    reading = subprocess.Popen(
        [str(ANMIN), "county", "report", "2024-12", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=ctrl_c_reaches,
    )
    deadline = time.monotonic() + 60
    while not (root / ".anmin-county").exists() and time.monotonic() < deadline:
        time.sleep(0.05)  # until the first township is read and kept: the readers are at work (for seconds more)
    reading.send_signal(signal.SIGINT)
    _, err = reading.communicate(timeout=20)  # no reader left holding the output open
    assert reading.returncode == 130 and "已取消" in err.decode("utf-8")
    left = subprocess.run(["pgrep", "-f", str(root)], capture_output=True, text=True).stdout
    assert left == ""


def test_the_first_and_the_last_are_named_as_the_ranking_allows():
    from anmin_track.output.county import _first_and_last

    settings = rollup.CountySettings()
    one = rollup.rank([row("a", 0, 4, 4, 4, 50)], settings)
    tied = rollup.rank([row("a", 0, 4, 4, 4, 50), row("b", 0, 4, 4, 4, 50)], settings)
    three = rollup.rank([row("a", 0, 4, 4, 4, 50), row("b", 1, 4, 4, 4, 50), row("c", 1, 4, 4, 4, 50)], settings)
    assert _first_and_last(one) == "本月纳入汇总的只有a。"
    assert _first_and_last(tied) == "本月各乡镇名次相同。"
    assert _first_and_last(three) == "本月排名第一的是a，排名最后的是b、c。"
