"""Benchmark harness: whole-process timings of `anmin` against Python's own start-up.

Budgets are ratios, measured side by side in one run, because absolute times drift on
shared machines. The harness

1. builds synthetic data folders next to this file (``benchmarks/_data/``) as an office
   has them after a few yearly cycles: the real 2024 plan, and one like it for each year
   since (the earlier ones under plans/, this year's as goals.toml), plus 0, 2,000 and
   20,000 valid progress records spread over the months from 2024-01 to today (real
   data cannot run past today: a future date is refused), each inside its plan's year,
   one file per month, with each plan's index already built (the steady state);
2. times each case as a whole process: one warm-up, then ``--runs`` rounds; the cases
   take turns within a round so that drift hits them all alike, and the floor is timed
   at three places in each round. ``goals update`` runs on a fresh copy of its data
   folder each time (copied, and the disk flushed, outside the timed region);
3. prints one Markdown table (median, min–max, peak RSS, how long a writer held the
   lock, ratio to the framework floor — the median over rounds of the command's time over
   the floor's in the same round — and to the same command at 0 records, paired the same way), checks the
   budgets of issues #5, #13 and #30 (start-up: ``FLOOR_BUDGETS``, ``HELP_BUDGET``, and
   the domain model, ``import anmin_track.model, anmin_track.assess``, at most
   ``MODEL_IMPORT_BUDGET_MS`` above ``import datetime, typing``, paired the same way), and writes ``benchmarks/results.json``. Taskwarrior's
   ``task list`` is timed too when ``task`` is installed: the native reference.

Writers run on a fresh copy, after an untimed ``setup`` command where they need one
(``goals remove`` removes a task that ``goals add`` has just added; ``undo`` reverts an
edit or an update). The lock hold comes from ``ANMIN_LOCK_TRACE`` (``store.safe_io``).

Usage::

    .venv/bin/python benchmarks/run.py            # the full run (about a minute)
    .venv/bin/python benchmarks/run.py --quick    # 1 run, 0 and 200 records: a smoke test
    .venv/bin/python benchmarks/run.py --big      # also 200,000 records (not in CI; a few minutes)
    .venv/bin/python benchmarks/run.py --county   # `anmin county report` over 100 townships (county.py)

Commands run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` is dropped), as in
a normal install; the warm-up writes the ``.pyc`` files.

Peak RSS comes from ``os.wait4`` (a ``resource.struct_rusage``), so this runs on Linux
and macOS only. A child's peak counts the moment between fork and exec, when it is
still a copy of this harness; so the data are built in a separate process and the
harness keeps its own imports small, and figures at or below "harness RSS" (printed)
mean "no more than that".
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLAN = HERE.parent / "data" / "goals.toml"
DATA_ENV = "ANMIN_DATA"
LOCK_TRACE_ENV = "ANMIN_LOCK_TRACE"
PYTHON = sys.executable
ANMIN = str(Path(sys.executable).with_name("anmin"))
FIRST_MONTH = (2024, 1)  # the history runs from here to today
TODAY = date.today()
FULL_SIZES, QUICK_SIZES, BIG_SIZE = (0, 2_000, 20_000), (0, 200), 200_000
UPDATE_DATE = TODAY.isoformat()  # the last day of the history: what staff record most
PAST_DAY = "2025-06-30"  # a day in the middle of the history: reads month files back
FLOOR = "framework floor"
TYPING = "import datetime, typing"  # what the model's own import is measured against
MODEL = "import anmin_track.model, anmin_track.assess"  # the domain: the types and the rules
TZ = timezone(timedelta(hours=8))
NOTES = (
    "完成安岱后红色教育基地展陈方案,新增现场教学点1处,组织党员干部开展现场教学两场",
    "召开专题推进会,明确时间节点和责任分工,已完成前期调查摸底",
    "走访农户38户,收集意见建议12条,矛盾纠纷全部就地化解",
    "",
)
PROBLEMS = ("展陈资金缺口约30万元", "", "部分农户参与积极性不高", "")
NEXT = ("6月底前完成布展招标", "继续做好日常巡查", "", "下月召开现场推进会")
BY = ("李明", "王芳", "张伟", "陈静", "刘洋")


# --------------------------------------------------------------------------- synthetic data


def month_list() -> list[tuple[int, int]]:
    """Every month from ``FIRST_MONTH`` to this one."""
    y, m = FIRST_MONTH
    out = []
    while (y, m) <= (TODAY.year, TODAY.month):
        out.append((y, m))
        y, m = (y, m + 1) if m < 12 else (y + 1, 1)
    return out


def year_plans(plan) -> dict:
    """The real plan for 2024, and the same goals and tasks as the plan of each year since, to this one."""
    def moved(year: int):
        tasks = {t.id: t._replace(start=date(year, 1, 1), due=date(year, 12, 31), milestones=()) for t in plan.tasks}
        goals = tuple(g._replace(tasks=tuple(tasks[t.id] for t in g.tasks)) for g in plan.goals)
        return plan._replace(year=year, title=f"{year}年工作思路要点", goals=goals, previous=year - 1)

    return {plan.year: plan, **{year: moved(year) for year in range(plan.year + 1, TODAY.year + 1)}}


def synthetic_records(plans: dict, count: int, months: list[tuple[int, int]] | None = None, pace: float = 1.0) -> dict:
    """``count`` valid records, evenly over ``months`` (default: 2024-01 to this month), tasks of the month's
    plan in turn, progress rising in each year (``pace``: the share of the expected pace it keeps)."""
    from anmin_track import model

    months = month_list() if months is None else months
    now = datetime.now(TZ)
    by_month: dict[tuple[int, int], list[model.Record]] = {ym: [] for ym in months}
    for n in range(count):
        ym = months[n * len(months) // count]
        tasks = plans[ym[0]].tasks
        task = tasks[n % len(tasks)]
        days = TODAY.day if ym == (TODAY.year, TODAY.month) else 28  # never after today
        day = date(ym[0], ym[1], 1 + (n // len(tasks)) % days)
        share = ym[1] / (TODAY.month if ym[0] == TODAY.year else 12)
        metrics = {m.name: (m.baseline or 0) + n % 7 for m in task.metrics}
        by_month[ym].append(
            model.Record(
                task=task.id,
                date=day,
                progress=min(100, round(100 * share * pace)),
                by=BY[n % len(BY)],
                # distinct in (minute, second) for 3,600 records a task a day: no two records alike
                at=min(
                    now - timedelta(microseconds=n),
                    datetime(day.year, day.month, day.day, 17, n % 60, n // 60 % 60, tzinfo=TZ) + timedelta(days=n % 3),
                ),
                note=NOTES[n % len(NOTES)],
                problem=PROBLEMS[n % len(PROBLEMS)],
                next=NEXT[n % len(NEXT)],
                metrics=metrics,
            )
        )
    return by_month


#: Issue 21: a month's report costs the same after a busy year as in an empty folder. Its own month has
#: ``OWN_RECORDS``; the folder ``YEAR_END`` has ``count`` more in the eleven months before it.
YEAR_END, OWN_RECORDS, YEAR_END_MONTH = "year-end", 30, (2024, 12)


def year_end_records(plan, count: int) -> dict:
    """``count`` records over 2024-01..2024-11 and ``OWN_RECORDS`` in 2024-12, tasks of the 2024 plan in turn."""
    months = [(2024, m) for m in range(1, 12)]
    by_month = synthetic_month_records(plan, months, count)
    by_month |= synthetic_month_records(plan, [YEAR_END_MONTH], OWN_RECORDS, offset=count)
    return by_month


def synthetic_month_records(plan, months: list[tuple[int, int]], count: int, offset: int = 0) -> dict:
    from anmin_track import model

    by_month: dict[tuple[int, int], list[model.Record]] = {ym: [] for ym in months}
    for k in range(count):
        n = offset + k
        ym = months[k * len(months) // count]
        task = plan.tasks[n % len(plan.tasks)]
        day = date(ym[0], ym[1], 1 + (n // len(plan.tasks)) % 28)
        by_month[ym].append(
            model.Record(
                task=task.id,
                date=day,
                progress=None if not task.measured else min(100, 8 * ym[1]),
                by=BY[n % len(BY)],
                at=datetime(day.year, day.month, day.day, 17, n % 60, n // 60 % 60, tzinfo=TZ),
                note=NOTES[n % len(NOTES)],
                problem=PROBLEMS[n % len(PROBLEMS)],
                next=NEXT[n % len(NEXT)],
                metrics={m.name: (m.baseline or 0) + n % 7 for m in task.metrics},
            )
        )
    return by_month


def build_data(folder: Path, count: int, year_end: bool = False) -> Path:
    """A data folder with a plan for each year from 2024 and ``count`` records, each plan's index built (steady state).
    ``year_end``: the records are ``year_end_records`` instead, all in the 2024 plan's year."""
    from anmin_track import model, store
    from anmin_track.store import index, journal

    if folder.exists():
        shutil.rmtree(folder)
    (folder / store.PROGRESS_DIR).mkdir(parents=True)
    shutil.copy(PLAN, folder / store.PLAN_FILE)
    data = store.DataDir(folder)
    plans = year_plans(store.load_plan(data))
    files = {
        (data.plan_file if year == TODAY.year else data._replace(archived=year).plan_file): (
            PLAN.read_bytes() if year == min(plans) else store.dump_plan(plan)
        )
        for year, plan in plans.items()
    }
    files |= {
        data.month_file(*ym): store.dump_toml(
            {"schema": model.SCHEMA, "records": [store.record_to_toml(r) for r in rs]}
        )
        for ym, rs in (year_end_records(plans[2024], count) if year_end else synthetic_records(plans, count)).items()
        if rs
    }
    builder = store.Author("benchmarks/run.py")
    journal.write_files(data, files, author=builder, summary="合成数据")
    indexes = {
        view.index_file: index.dump_index(store.rebuild_index(view, store.load_plan(view))) for view in store.views(data)
    }
    journal.write_files(data, indexes, author=builder, summary="索引")
    return folder


# --------------------------------------------------------------------------- cases and timing


@dataclass(eq=False)  # identity: the floor case appears several times in a round
class Case:
    name: str
    argv: list[str]
    records: int | None = None  # None: does not read data
    folder: str = ""  # the data folder's name, when not records-N
    fresh_copy: bool = False  # run on a fresh copy of the data folder (writes)
    writes: bool = False  # flush the disk after it, so that its write-back slows nothing else
    base: str = ""  # the command's name without the record count, for "vs 0 records"
    setup: list[str] | None = None  # anmin arguments run (untimed) on the fresh copy first
    times: list[float] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    lock_ms: list[float] = field(default_factory=list)  # the longest lock hold of each run (writers)
    error: str = ""


def reports_available(env: dict) -> bool:
    """`anmin report monthly` is timed once it exists (it may not in this branch)."""
    probe = subprocess.run([ANMIN, "report", "monthly", "--help"], capture_output=True, env=env)
    return probe.returncode == 0


# What the disk adds to `goals update`: two atomic writes as store.atomic_write does
# them (temp file, fsync, rename, fsync the folder), from a bare Python.
FSYNC_PROBE = """
import os, sys
folder = sys.argv[1]
os.makedirs(folder, exist_ok=True)
for name in ("month.toml", "index.toml"):
    tmp = os.path.join(folder, "." + name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(b"x" * 4096)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(folder, name))
    fd = os.open(folder, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
"""


def new_task_id() -> str:
    """The id `goals add 1 …` gives the task it adds to the plan (one more than the highest in goal 1)."""
    import tomllib

    goal = next(g for g in tomllib.loads(PLAN.read_text(encoding="utf-8"))["goals"] if g["id"] == "1")
    return f"1.{max(int(t['id'].split('.')[1]) for t in goal['tasks']) + 1}"


UPDATE = ["goals", "update", "1.1", "-p", "60", "--date", UPDATE_DATE, "--note", "基准测试"]
EDIT = ["goals", "edit", "1.1", "--title", "基准测试修改的标题"]
ADD = ["goals", "add", "1", "基准测试新增的任务"]


def make_cases(sizes: tuple[int, ...], with_report: bool) -> list[Case]:
    cases = [
        Case("python -c pass", [PYTHON, "-c", "pass"]),
        Case(FLOOR, [PYTHON, "-c", "import typer, rich.console, rich.table"]),
        Case("anmin --help", [ANMIN, "--help"]),
        Case(TYPING, [PYTHON, "-c", "import datetime, typing"]),
        Case(MODEL, [PYTHON, "-c", MODEL]),
    ]
    commands: list[tuple[str, list[str], bool | list[str]]] = [  # writes: True, or the setup it needs
        ("goals list", ["goals", "list"], False),
        (f"goals list --as-of {PAST_DAY}", ["goals", "list", "--as-of", PAST_DAY], False),
        ("goals list --json", ["goals", "list", "--json"], False),
        ("goals show 1.1", ["goals", "show", "1.1"], False),
        ("goals show 1.1 --json", ["goals", "show", "1.1", "--json"], False),
        ("report monthly", ["report", "monthly"], False),
        ("check", ["check"], False),
        # Writers last (and the disk is flushed after each): write-back slows what runs next.
        ("goals update", UPDATE, True),
        ("goals edit", EDIT, True),
        ("goals add", ADD, True),
        ("goals remove", ["goals", "remove", new_task_id()], ADD),
        ("undo goals edit", ["undo", "--yes"], EDIT),
        ("undo goals update", ["undo", "--yes"], UPDATE),
    ]
    for base, args, writes in commands:
        setup = writes if isinstance(writes, list) else None
        for n in sizes:
            case = Case(
                f"{base} @{n}", [ANMIN, *args], records=n, fresh_copy=bool(writes), writes=bool(writes), base=base
            )
            case.setup = setup
            if base == "report monthly" and not with_report:
                case.error = "n/a"
            cases.append(case)
    month = f"{YEAR_END_MONTH[0]}-{YEAR_END_MONTH[1]:02d}"
    for n in (0, max(n for n in sizes if n < BIG_SIZE)):  # issue 21: the month's own 30 records after 0 or many
        case = Case(f"report monthly {month} @{n}+{OWN_RECORDS}", [ANMIN, "report", "monthly", month], records=n)
        case.folder, case.base = f"{YEAR_END}-{n}", f"report monthly {month}"
        case.error = "" if with_report else "n/a"
        cases.append(case)
    return cases


def taskwarrior_case(work: Path) -> list[Case]:
    """Taskwarrior's ``task list`` over 22 tasks, when it is installed: a native command-line tracker,
    the reference for what start-up can cost (a C++ program pays no interpreter)."""
    task = shutil.which("task")
    if task is None:
        return []
    folder = work / "taskwarrior"
    rc = folder / "taskrc"
    if not rc.exists():
        folder.mkdir(parents=True, exist_ok=True)
        rc.write_text(f"data.location={folder}\nconfirmation=off\nverbose=nothing\n", encoding="utf-8")
        for n in range(1, 23):
            subprocess.run([task, f"rc:{rc}", "add", f"重点任务{n}"], capture_output=True, check=True)
    return [Case("taskwarrior: task list", [task, f"rc:{rc}", "list"])]


def toy_cases(pythons: list[str]) -> list[Case]:
    """The toy app and the bare import floor under other Pythons (other Typer versions)."""
    cases = []
    for python in pythons:
        version = subprocess.run(
            [python, "-c", "import typer; print(typer.__version__)"], capture_output=True, text=True, check=True
        ).stdout.strip()
        cases.append(Case(f"toy app, typer {version}", [python, str(HERE / "toy_app.py")]))
        cases.append(Case(f"floor, typer {version}", [python, "-c", "import typer, rich.console, rich.table"]))
    return cases


def run_once(case: Case, work: Path, env: dict) -> None:
    if case.error:
        return
    data = work / (case.folder or f"records-{case.records}")
    if case.fresh_copy:
        copy = work / "scratch"
        if copy.exists():
            shutil.rmtree(copy)
        shutil.copytree(data, copy)
        os.sync()  # a folder at rest: else the command's fsync would also flush the fresh copy
        data = copy
    run_env = env if case.records is None else {**env, DATA_ENV: str(data)}
    if case.setup:
        setup = subprocess.run([ANMIN, *case.setup], capture_output=True, env=run_env)
        if setup.returncode != 0:
            case.error = f"setup exit {setup.returncode}: {setup.stderr.decode('utf-8', 'replace').strip()[:200]}"
            return
        os.sync()
    trace = work / "lock-trace.txt"
    trace.unlink(missing_ok=True)
    if case.writes:
        run_env = {**run_env, LOCK_TRACE_ENV: str(trace)}
    start = time.perf_counter()
    proc = subprocess.Popen(case.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=run_env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    if case.writes:  # flush now, not while the next case runs
        os.sync()
    if proc.returncode != 0:
        case.error = f"exit {proc.returncode}: {stderr.strip()[:200]}"
        return
    case.times.append(elapsed)
    case.rss_kib.append(usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss)
    if case.writes and case.records is not None:
        held = [float(line.split("\t")[0]) for line in trace.read_text(encoding="utf-8").splitlines()]
        case.lock_ms.append(max(held))


def measure(cases: list[Case], work: Path, runs: int, env: dict) -> None:
    for case in cases:  # warm-up: page cache, .pyc files
        run_once(case, work, env)
    for case in cases:
        case.times.clear()
        case.rss_kib.clear()
        case.lock_ms.clear()
    for _ in range(runs):
        for case in cases:
            run_once(case, work, env)


# --------------------------------------------------------------------------- results


def median(case: Case) -> float | None:
    if not case.times or case.error:
        return None
    ordered, mid = sorted(case.times), len(case.times) // 2
    return ordered[mid] if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def paired_ratio(case: Case, floor: Case, per_round: int) -> float | None:
    """The median over rounds of ``case``'s time over the floor's in the same round (the floor is timed
    ``per_round`` times a round: their median): drift between rounds cancels out."""
    if not case.times or case.error or len(floor.times) != per_round * len(case.times):
        return None
    ratios = sorted(
        t / sorted(floor.times[i * per_round : (i + 1) * per_round])[per_round // 2] for i, t in enumerate(case.times)
    )
    mid = len(ratios) // 2
    return ratios[mid] if len(ratios) % 2 else (ratios[mid - 1] + ratios[mid]) / 2


def paired_difference(case: Case, base: Case) -> float | None:
    """The median over rounds of ``case``'s time minus ``base``'s in the same round, in ms."""
    if not case.times or case.error or len(case.times) != len(base.times):
        return None
    diffs = sorted(a - b for a, b in zip(case.times, base.times, strict=True))
    mid = len(diffs) // 2
    return (diffs[mid] if len(diffs) % 2 else (diffs[mid - 1] + diffs[mid]) / 2) * 1000


def summarize(cases: list[Case]) -> list[dict]:
    floor_case = next(c for c in cases if c.name == FLOOR)
    per_round = sum(c is floor_case for c in cases)
    floor = median(floor_case)
    zero = {c.base: c for c in cases if c.records == 0 and c.base}
    rows = []
    for c in dict.fromkeys(cases):  # the floor appears more than once
        mid = median(c)
        base0 = zero.get(c.base)
        rows.append(
            {
                "case": c.name,
                "command": c.base or c.name,
                "records": c.records,
                "runs": len(c.times),
                "median_ms": round(mid * 1000, 1) if mid else None,
                "min_ms": round(min(c.times) * 1000, 1) if mid else None,
                "max_ms": round(max(c.times) * 1000, 1) if mid else None,
                "peak_rss_mib": round(max(c.rss_kib) / 1024, 1) if mid else None,
                "lock_ms": round(sorted(c.lock_ms)[len(c.lock_ms) // 2], 1) if mid and c.lock_ms else None,
                "lock_max_ms": round(max(c.lock_ms), 1) if mid and c.lock_ms else None,
                "vs_floor": (1.0 if c is floor_case else _rounded(paired_ratio(c, floor_case, per_round)))
                if mid and floor
                else None,
                "vs_0_records": _rounded(paired_ratio(c, base0, 1)) if mid and base0 and c.records else None,
                "error": c.error,
            }
        )
    return rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def model_import_cost(cases: list[Case]) -> float | None:
    """How much longer the domain model's import (``MODEL``) takes than ``import datetime, typing`` (ms, paired)."""
    by = {c.name: c for c in cases}
    if MODEL not in by or TYPING not in by:
        return None
    diff = paired_difference(by[MODEL], by[TYPING])
    return None if diff is None else round(diff, 1)


#: Start-up budgets against the framework floor (issue #30): a command that prints a table or writes,
#: and the ones that print only JSON or help, which need less of the framework.
FLOOR_BUDGETS = (
    ("goals list", 1.05),
    ("goals update", 1.05),
    ("goals list --json", 0.9),
    ("goals show 1.1 --json", 0.9),
)
HELP_BUDGET = 0.9
MODEL_IMPORT_BUDGET_MS = 5.0


def check_budgets(rows: list[dict], model_ms: float | None = None) -> list[dict]:
    """The budgets of issues #5 and #30, each with the measured figure and whether it holds.

    Budgets against the floor are checked with no records and with the most.
    """
    by = {r["case"]: r for r in rows}
    top = max(r["records"] or 0 for r in rows if (r["records"] or 0) < BIG_SIZE)
    checks = [
        *(
            (f"{command} @{n} ≤ {limit} × floor", f"{command} @{n}", "vs_floor", limit)
            for command, limit in FLOOR_BUDGETS
            for n in (0, top)
        ),
        (f"anmin --help ≤ {HELP_BUDGET} × floor", "anmin --help", "vs_floor", HELP_BUDGET),
        (f"goals list @{top} ≤ 1.2 × @0", f"goals list @{top}", "vs_0_records", 1.2),
        (f"goals update @{top} ≤ 1.2 × @0", f"goals update @{top}", "vs_0_records", 1.2),
        (f"report monthly @{top} ≤ 1.2 × @0", f"report monthly @{top}", "vs_0_records", 1.2),
        (
            f"report monthly of a month after {top} records ≤ 1.2 × after none",
            f"report monthly 2024-12 @{top}+{OWN_RECORDS}",
            "vs_0_records",
            1.2,
        ),
        (f"check @{top} ≤ 3 s", f"check @{top}", "median_ms", 3000),
        (f"goals show 1.1 @{top} ≤ 1.5 s", f"goals show 1.1 @{top}", "median_ms", 1500),
        (f"goals list @{top} peak RSS ≤ 60 MiB", f"goals list @{top}", "peak_rss_mib", 60),
    ]
    if f"goals list @{BIG_SIZE}" in by:  # issue #13: the scale targets
        checks += [
            (f"goals list @{BIG_SIZE} ≤ 300 ms", f"goals list @{BIG_SIZE}", "median_ms", 300),
            (f"check @{BIG_SIZE} ≤ 3 s", f"check @{BIG_SIZE}", "median_ms", 3000),
            *(
                (f"{c} @{BIG_SIZE} lock held ≤ 1 s (slowest run)", f"{c} @{BIG_SIZE}", "lock_max_ms", 1000)
                for c in sorted({r["command"] for r in rows if r["lock_ms"] is not None})
            ),
            *(
                (f"{c} @{BIG_SIZE} peak RSS ≤ 100 MiB", f"{c} @{BIG_SIZE}", "peak_rss_mib", 100)
                for c in sorted({r["command"] for r in rows if r["records"] == BIG_SIZE})
            ),
        ]
    out = [
        {
            "budget": f"{MODEL} ≤ {MODEL_IMPORT_BUDGET_MS:g} ms above {TYPING}",
            "value": model_ms,
            "limit": MODEL_IMPORT_BUDGET_MS,
            "holds": None if model_ms is None else model_ms <= MODEL_IMPORT_BUDGET_MS,
        }
    ]
    for label, case, key, limit in checks:
        value = by[case][key]
        out.append(
            {"budget": label, "value": value, "limit": limit, "holds": None if value is None else value <= limit}
        )
    return out


def _cell(value, fmt: str = "{}") -> str:
    return "—" if value is None else fmt.format(value)


def table(rows: list[dict]) -> str:
    lines = [
        "| case | median ms | min–max ms | peak RSS MiB | lock held ms | × floor | × 0 records |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        if r["error"]:
            lines.append(f"| {r['case']} | {r['error'][:60]} | | | | | |")
            continue
        lines.append(
            f"| {r['case']} | {r['median_ms']:.1f} | {r['min_ms']:.1f}–{r['max_ms']:.1f} | {r['peak_rss_mib']:.1f}"
            f" | {_cell(r['lock_ms'], '{:.1f}')} | {_cell(r['vs_floor'], '{:.2f}')} | {_cell(r['vs_0_records'], '{:.2f}')} |"
        )
    return "\n".join(lines)


def budget_lines(budgets: list[dict]) -> str:
    mark = {True: "ok  ", False: "FAIL", None: "n/a "}
    return "\n".join(f"{mark[b['holds']]} {b['budget']}: {_cell(b['value'])}" for b in budgets)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15, help="timed rounds after the warm-up (default 15)")
    parser.add_argument("--quick", action="store_true", help="smoke test: 1 run, 0 and 200 records")
    parser.add_argument("--big", action="store_true", help=f"also {BIG_SIZE:,} records (slow to build; not in CI)")
    parser.add_argument("--work", type=Path, default=HERE / "_data", help="where the data folders go")
    parser.add_argument("--out", type=Path, default=HERE / "results.json", help="JSON results file")
    parser.add_argument("--toy", nargs="+", default=[], metavar="PYTHON", help="also time toy_app.py under these")
    parser.add_argument("--build", nargs=2, metavar=("FOLDER", "RECORDS"), help=argparse.SUPPRESS)
    parser.add_argument("--year-end", action="store_true", help=argparse.SUPPRESS)  # with --build
    parser.add_argument(
        "--county", action="store_true", help="instead: `anmin county report` over 100 townships (county.py; 3 runs)"
    )
    parser.add_argument("--years", type=int, default=1, help="with --county: plans of this many years in each township")
    args = parser.parse_args(argv)
    if args.county:
        import county

        out = args.out if args.out != HERE / "results.json" else HERE / "county-results.json"
        return county.main(args.work, args.quick, min(args.runs, 3), out, args.years)
    if args.build:  # run in a child process, see the module docstring
        build_data(Path(args.build[0]), int(args.build[1]), year_end=args.year_end)
        return 0
    runs, sizes = (1, QUICK_SIZES) if args.quick else (args.runs, FULL_SIZES)
    sizes = (*sizes, BIG_SIZE) if args.big else sizes

    args.work.mkdir(parents=True, exist_ok=True)
    for n in sizes:
        subprocess.run([PYTHON, __file__, "--build", str(args.work / f"records-{n}"), str(n)], check=True)
    for n in (0, max(n for n in sizes if n < BIG_SIZE)):
        folder = str(args.work / f"{YEAR_END}-{n}")
        subprocess.run([PYTHON, __file__, "--build", folder, str(n), "--year-end"], check=True)
    env = {**os.environ, "ANMIN_USER": "基准测试", "COLUMNS": "120", "NO_COLOR": "1"}
    for name in (DATA_ENV, "PYTHONDONTWRITEBYTECODE", "ANMIN_DEBUG"):
        env.pop(name, None)
    cases = make_cases(sizes, reports_available(env))
    cases[1:1] = taskwarrior_case(args.work)
    first_writer = next(i for i, c in enumerate(cases) if c.fresh_copy)
    cases[first_writer:first_writer] = toy_cases(args.toy)
    # The floor is timed at three places in each round (its samples pooled): the first
    # cases after a pause or a writer run slower, and every ratio depends on the floor.
    floor = next(c for c in cases if c.name == FLOOR)
    middle = next(i for i, c in enumerate(cases) if c.base == "goals show 1.1")
    cases[first_writer:first_writer] = [floor]
    cases[middle:middle] = [floor]
    probe = [PYTHON, "-c", FSYNC_PROBE, str(args.work / "fsync-probe")]
    cases.append(Case("python: 2 atomic writes", probe, writes=True))
    measure(cases, args.work, runs, env)
    harness_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (
        1024 * 1024 if sys.platform == "darwin" else 1024
    )

    rows = summarize(cases)
    budgets = check_budgets(rows, model_import_cost(cases))
    print(
        f"anmin benchmarks: {runs} runs after a warm-up, medians; {platform.python_version()} on {platform.machine()}"
    )
    print(table(rows))
    print(f"(harness RSS {harness_rss:.1f} MiB: a peak RSS at or below it means no more than that)")
    print()
    print(budget_lines(budgets))
    result = {
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "runs": runs,
        "sizes": list(sizes),
        "harness_rss_mib": round(harness_rss, 1),
        "rows": rows,
        "budgets": budgets,
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
