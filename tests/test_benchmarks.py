"""The benchmark harness still runs: tiny mode, every row present, budgets evaluated."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date

import pytest

from conftest import REPO

HARNESS = REPO / "benchmarks" / "run.py"
WRITERS = ("goals update", "goals edit", "goals add", "goals remove", "undo")
ROWS = [
    "python -c pass",
    *(["taskwarrior: task list"] if shutil.which("task") else []),  # the native reference, when installed
    "framework floor",
    "anmin --help",
    "import datetime, typing",
    "import anmin_track.model, anmin_track.assess",
    *(
        f"{command} @{n}"
        for command in (
            "goals list",
            "goals list --as-of 2025-06-30",
            "goals list --json",
            "goals show 1.1",
            "goals show 1.1 --json",
            "report monthly",
            "check",
            "goals update",
            "goals edit",
            "goals add",
            "goals remove",
            "undo goals edit",
            "undo goals update",
        )
        for n in (0, 200)
    ),
    "report monthly 2024-12 @0+30",
    "report monthly 2024-12 @200+30",
    "python: 2 atomic writes",
]


@pytest.mark.slow  # about 60 process runs (7 s): the writers' cases each copy a folder and run a setup command
def test_quick_run_times_every_case_and_writes_json(tmp_path):
    out = tmp_path / "results.json"
    run = subprocess.run(
        [sys.executable, str(HARNESS), "--quick", "--work", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    rows = {r["case"]: r for r in result["rows"]}
    assert list(rows) == ROWS
    for name in ROWS:
        assert f"| {name} |" in run.stdout
    for name, row in rows.items():
        if name.startswith("report monthly") and row["error"] == "n/a":
            continue  # not in this build yet: shown as n/a
        assert row["error"] == "", (name, row["error"])
        assert row["runs"] == (3 if name == "framework floor" else 1)  # the floor: 3 times a round
        assert row["median_ms"] > 0 and row["peak_rss_mib"] > 0
        assert (row["lock_ms"] is not None) == (row["command"].startswith(WRITERS) and row["records"] is not None)
    assert rows["framework floor"]["vs_floor"] == 1.0
    assert rows["goals list @200"]["vs_0_records"] is not None
    assert len(result["budgets"]) == 17
    assert rows["report monthly 2024-12 @200+30"]["vs_0_records"] is not None  # a month after a busy year
    assert all(b["holds"] is not None for b in result["budgets"] if "report" not in b["budget"])


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_synthetic_data_is_valid(tmp_path, anmin):
    folder = tmp_path / "synthetic"
    subprocess.run([sys.executable, str(HARNESS), "--build", str(folder), "300"], check=True, timeout=60)
    months = sorted(p.name for p in (folder / "progress").glob("20*.toml"))
    today = date.today()  # the history ends today: real data cannot be dated later
    assert months[0] == "2024-01.toml" and months[-1] == f"{today:%Y-%m}.toml"
    assert len(months) == (today.year - 2024) * 12 + today.month
    earlier = sorted(p.name for p in (folder / "plans").glob("*.toml"))
    assert earlier == [f"{year}.toml" for year in range(2024, today.year)]  # a plan for each year, as offices keep them
    checked = anmin("check", "--data", str(folder))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "共 300 条进展记录" in checked.stdout and f"{today.year - 2023} 个年度的计划" in checked.stdout
    assert (folder / "progress" / "index.toml").is_file()


@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_year_end_data_is_the_month_after_a_busy_year(tmp_path, anmin):
    """Issue 21's case: 300 records in 2024-01..2024-11, the report's own 30 in 2024-12, all valid."""
    folder = tmp_path / "year-end"
    subprocess.run([sys.executable, str(HARNESS), "--build", str(folder), "300", "--year-end"], check=True, timeout=60)
    assert sorted(p.name for p in (folder / "progress").glob("2024-*.toml"))[-1] == "2024-12.toml"
    checked = anmin("check", "--data", str(folder))
    assert checked.returncode == 0 and "共 330 条进展记录" in checked.stdout, checked.stdout + checked.stderr
    december = anmin("report", "monthly", "2024-12", "--data", str(folder))
    assert december.returncode == 0 and "本月22项任务报送新进展" in december.stdout, december.stderr


@pytest.mark.slow  # builds four townships and times `anmin county report` cold, warm and after a change (about 5 s)
def test_the_county_benchmark_runs_and_checks_its_budgets(tmp_path):
    out = tmp_path / "county.json"
    run = subprocess.run(
        [sys.executable, str(HARNESS), "--county", "--quick", "--work", str(tmp_path / "work"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["medians_ms"]) == {"cold", "warm", "one changed"}
    assert [b["budget"].split(" ")[0] for b in result["budgets"]] == [
        "warm_ms",
        "changed_over_warm_ms",
        "cold_ms",
        "peak_rss_mib",
    ]
    assert all(isinstance(b["holds"], bool) for b in result["budgets"]) and result["peak_rss_mib"] > 0
