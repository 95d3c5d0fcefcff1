"""What keeps `anmin` fast (issue #5) and must stay true: lazy imports, cheap appends.

The timings themselves live in benchmarks/run.py (a smoke run is in test_benchmarks.py).
"""

import json
import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from anmin_track import model, store
from anmin_track.errors import DataError
from conftest import snapshot

#: The write paths, and the use cases no reading command runs: a command that only reads loads none of them.
WRITES = (
    "anmin_track.store.lock",
    "anmin_track.store.journal",
    "anmin_track.store.writes",
    "anmin_track.store.plan_write",
)
OTHER_USE_CASES = ("anmin_track.actions.plan", "anmin_track.actions.ledger", "anmin_track.actions.notices")
SCREEN = ("anmin_track.output.grid", "anmin_track.output.render")
HEAVY = ("rich", "json", "tomli_w", "getpass", "tempfile", *SCREEN, *WRITES, *OTHER_USE_CASES)
PROBE = """
import sys
sys.argv = ["anmin", *sys.argv[1:]]
from anmin_track import __main__ as entry
entry._exit = lambda code: None  # stay alive to report
entry.main()
sys.stderr.write("LOADED " + " ".join(m for m in {heavy!r} if m in sys.modules) + "\\n")
"""


def loaded_modules(*args: str) -> set[str]:
    """What ``anmin *args`` loads of ``HEAVY`` as staff run it: the second time (the first after a change
    parses the plan and the index, and saves the parsed copies: ``store.parsed_cache``)."""
    for _ in range(2):
        run = subprocess.run(
            [sys.executable, "-c", PROBE.format(heavy=HEAVY), *args], capture_output=True, text=True, timeout=60
        )
    line = next(x for x in run.stderr.splitlines() if x.startswith("LOADED"))
    return set(line.split()[1:])


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--help"], set()),
        (["goals", "list", "--json"], {"json"}),
        (["goals", "list"], {"rich", *SCREEN}),
        (["goals", "show", "1.1", "--json"], {"json"}),
        (["check"], set(WRITES)),  # it saves the index it has just validated, under the lock
    ],
)
def test_commands_load_only_what_they_use(args, expected):
    assert loaded_modules(*args) == expected


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_the_quick_exit_flushes_output_and_keeps_exit_codes(anmin):
    listed = anmin("goals", "list", "--json")
    assert listed.returncode == 0 and json.loads(listed.stdout)["schema"] == "anmin.goals.list/2"
    missing = anmin("goals", "show", "9.9")
    assert missing.returncode == 2 and missing.stderr.startswith("错误：没有编号为 '9.9'")
    assert missing.stderr.endswith("\n") and missing.stdout == ""


def record(n: int, task: str = "1.2", day: date = date(2024, 5, 20)) -> model.Record:
    return model.Record(
        task=task,
        date=day,
        progress=10 + n,
        by="测试员",
        at=datetime(2024, 5, 31, 9, n, tzinfo=UTC),
        note=f"第{n}次",
        metrics={"红色讲解员": 20 + n} if n % 2 else {},
    )


def test_appending_writes_exactly_what_a_full_rewrite_would(data_dir):
    d = store.DataDir(data_dir)
    added = [record(n) for n in range(4)]
    for r in added:
        store.add_record(d, r)
    whole = store.dump_toml({"schema": 1, "records": [store.record_to_toml(r) for r in added]})
    assert d.month_file(2024, 5).read_bytes() == whole
    assert store.load_month(d, store.load_plan(d), (2024, 5)) == added


def test_comments_written_by_hand_survive_an_update(data_dir):
    d = store.DataDir(data_dir)
    store.add_record(d, record(0))
    month = d.month_file(2024, 5)
    month.write_text("# 5月进展(手工补录)\n" + month.read_text(encoding="utf-8") + "# 末尾备注", encoding="utf-8")
    store.add_record(d, record(1))
    assert month.read_text(encoding="utf-8").startswith("# 5月进展(手工补录)\n")
    assert [r.progress for r in store.load_month(d, store.load_plan(d), (2024, 5))] == [10, 11]
    assert store.latest_records(d, store.load_plan(d), date(2024, 5, 31))["1.2"].progress == 11


@pytest.mark.parametrize(
    "body",
    [
        "records = []\n",
        'records = [{task = "1.2", date = 2024-05-02, progress = 5, by = "王芳", at = 2024-05-02T09:00:00+08:00}]\n',
    ],
)
def test_records_written_inline_by_hand_are_rewritten_whole(data_dir, body):
    d = store.DataDir(data_dir)
    month = d.month_file(2024, 5)
    month.parent.mkdir(exist_ok=True)
    month.write_text("schema = 1\n" + body, encoding="utf-8")
    before = store.load_month(d, store.load_plan(d), (2024, 5))
    store.add_record(d, record(3))
    assert store.load_month(d, store.load_plan(d), (2024, 5)) == [*before, record(3)]
    assert store.check_all(d)[2] == []


def test_a_bad_later_record_is_named_by_its_own_line(data_dir):
    d = store.DataDir(data_dir)
    for n in range(3):
        store.add_record(d, record(n))
    month = d.month_file(2024, 5)
    text = month.read_text(encoding="utf-8")
    month.write_text(text.replace("progress = 12", "progress = 120"), encoding="utf-8")
    bad_line = text.splitlines().index("progress = 12") + 1
    problems = store.check_all(d)[2]
    assert [str(p) for p in problems] == [
        f"data/progress/2024-05.toml:{bad_line}: 进展记录的进度 120 超出范围（应为 0~100）"
    ]


def test_a_month_changed_on_disk_is_validated_again(data_dir):
    d = store.DataDir(data_dir)
    store.add_record(d, record(0))
    store.add_record(d, record(1))
    plan = store.load_plan(d)
    assert len(store.load_month(d, plan, (2024, 5))) == 2  # now remembered
    month = d.month_file(2024, 5)
    month.write_text(month.read_text(encoding="utf-8").replace("progress = 11", "progress = 300"), encoding="utf-8")
    before = snapshot(data_dir)
    with pytest.raises(DataError, match="超出范围"):
        store.load_month(d, plan, (2024, 5))
    with pytest.raises(DataError, match="超出范围"):
        store.add_record(d, record(2))
    assert snapshot(data_dir) == before


def leaf_commands() -> list[list[str]]:
    from anmin_track.cli import app
    from anmin_track.cli.zh import command_name as _command_name

    groups = [[g.name, _command_name(c)] for g in app.registered_groups for c in g.typer_instance.registered_commands]
    return groups + [[_command_name(c)] for c in app.registered_commands]


WHOLE_APP = "import sys; from anmin_track.cli import app; app()"


@pytest.mark.slow  # a process for every command (about 7 s)
def test_each_command_alone_behaves_as_in_the_whole_app(anmin):
    """The real `anmin` builds only the command it runs; its help must not differ."""
    leaves = leaf_commands()
    assert ["goals", "list"] in leaves and ["check"] in leaves and len(leaves) >= 6
    env = {**os.environ, "COLUMNS": "120"}
    for path in leaves:
        alone = anmin(*path, "--help")
        whole = subprocess.run(
            [sys.executable, "-c", WHOLE_APP, *path, "--help"], capture_output=True, text=True, env=env, timeout=60
        )
        assert alone.returncode == whole.returncode == 0, path
        assert alone.stdout == whole.stdout and alone.stdout.startswith(f"用法：anmin {' '.join(path)} "), path


@pytest.mark.parametrize(
    ("args", "kept"),
    [
        (["goals", "list"], [["goals", "list"]]),
        (["--data", "goals", "goals", "show", "1.1", "--json"], [["goals", "show"]]),
        (["--debug", "check"], [["check"]]),
        (["goals"], None),  # the group's help lists every command
        (["goals", "lis"], None),  # unknown: the whole app, for its "did you mean"
        (["--help"], "groups without their commands"),
        ([], None),  # `anmin` alone, or shell completion (which passes no arguments)
    ],
)
def test_only_a_plainly_named_command_is_cut_out(args, kept):
    from anmin_track.cli import app
    from anmin_track.cli.zh import app_for
    from anmin_track.cli.zh import command_name as _command_name

    chosen = app_for(app, args)
    if kept is None:
        assert chosen is app
        return
    if isinstance(kept, str):
        assert [g.name for g in chosen.registered_groups] == [g.name for g in app.registered_groups]
        assert all(not g.typer_instance.registered_commands for g in chosen.registered_groups)
        assert chosen.registered_commands == app.registered_commands
        return
    found = [[g.name, _command_name(c)] for g in chosen.registered_groups for c in g.typer_instance.registered_commands]
    found += [[_command_name(c)] for c in chosen.registered_commands]
    assert found == kept
    assert len(leaf_commands()) > 1  # the app itself is left whole


def test_each_command_word_loads_the_modules_that_register_it():
    """`anmin goals list` imports only cli.goals: the table of which module registers what must be whole and right."""
    from anmin_track.cli import GROUP_MODULES, ROOT_COMMAND_MODULES, app
    from anmin_track.cli.zh import command_name as _command_name

    groups = {
        g.name: {c.callback.__module__ for c in g.typer_instance.registered_commands} for g in app.registered_groups
    }
    roots: dict[str, set[str]] = {}
    for c in app.registered_commands:
        roots.setdefault(_command_name(c), set()).add(c.callback.__module__)

    def listed(table):
        return {word: {f"anmin_track.cli.{m}" for m in modules} for word, modules in table.items()}

    assert listed(GROUP_MODULES) == groups
    assert listed(ROOT_COMMAND_MODULES) == roots


@pytest.mark.slow  # 0.7 s on the 2-core CI host: the fast pass stays under 30 s
def test_the_root_help_is_the_whole_apps(anmin):
    """`anmin --help` loads only the root commands' modules and builds no group's commands: it must not differ."""
    env = {**os.environ, "COLUMNS": "120"}
    whole = subprocess.run([sys.executable, "-c", WHOLE_APP, "--help"], capture_output=True, text=True, env=env)
    for args in (["--help"], ["-h"], ["--data", ".", "--help"], ["-h", "goals", "list"], ["--help", "notice"]):
        alone = anmin(*args)
        assert alone.returncode == whole.returncode == 0
        assert alone.stdout == whole.stdout and "goals" in alone.stdout and "backup" in alone.stdout


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_command_imports_no_other_commands_module():
    code = (
        "import sys; from anmin_track.cli import load_commands; load_commands(sys.argv[1:]);"
        "import json; print(json.dumps(sorted(m for m in sys.modules if m.startswith('anmin_track.cli.'))))"
    )
    run = subprocess.run([sys.executable, "-c", code, "goals", "list"], capture_output=True, text=True, check=True)
    assert json.loads(run.stdout) == [
        "anmin_track.cli.app",
        "anmin_track.cli.common",
        "anmin_track.cli.goals",
        "anmin_track.cli.goals_plan",  # the other `goals` commands: the group's help and dispatch need them all
        "anmin_track.cli.zh",
    ]
    whole = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert {"anmin_track.cli.ledger", "anmin_track.cli.report", "anmin_track.cli.notice"} <= set(
        json.loads(whole.stdout)
    )
    root_help = subprocess.run([sys.executable, "-c", code, "--help"], capture_output=True, text=True, check=True)
    loaded = set(json.loads(root_help.stdout))
    assert "anmin_track.cli.ledger" in loaded and "anmin_track.cli.goals" not in loaded


def _import_times(code: str) -> dict[str, int]:
    """Cumulative import time (µs) of each module ``code`` imports, from ``python -X importtime``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # as users run it
    run = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, env=env)
    times = {}
    for line in run.stderr.splitlines():
        if line.startswith("import time:") and "|" in line and "cumulative" not in line:
            _, cumulative, name = line.split("|")
            times[name.strip()] = int(cumulative)
    return times


def test_the_model_imports_in_less_time_than_datetime_and_typing():
    """The domain model (`import anmin_track.assess`, which imports `model`) stays within the issue #30 budget (5 ms above `import datetime, typing`, about
    their own time on an idle machine), measured as a ratio within one process: noise hits both alike."""
    ratios = []
    for _ in range(5):
        times = _import_times("import datetime, typing; import anmin_track.assess")
        ratios.append(times["anmin_track.assess"] / (times["datetime"] + times["typing"]))
        heavy = {"dataclasses", "inspect", "calendar", "locale", "ast", "json", "tomllib"} & times.keys()
        assert not heavy, f"the model now imports {sorted(heavy)}"
    assert sorted(ratios)[2] <= 0.75, ratios


def test_record_types_are_made_with_our_namedtuple():
    """typing.NamedTuple compiles every annotation when a class is made (~0.12 ms a class): record types use
    anmin_track.tuples.NamedTuple, which type checkers see as the same thing."""
    package = Path(__file__).resolve().parents[1] / "src" / "anmin_track"
    slow = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if path.name != "tuples.py"
        and re.search(r"^from typing import [^\n]*\bNamedTuple\b", path.read_text(encoding="utf-8"), re.M)
    ]
    assert slow == []
    # Their fields are read from the class body's __annotations__, which Python 3.14 still writes under
    # ``from __future__ import annotations`` (without it, only an __annotate__ function): every module has it.
    users = [
        p for p in package.rglob("*.py") if "from anmin_track.tuples import NamedTuple" in p.read_text(encoding="utf-8")
    ]
    assert users and not [
        str(p.relative_to(package))
        for p in users
        if "from __future__ import annotations" not in p.read_text(encoding="utf-8")
    ]
