"""Hostile input, generated with hypothesis: any string for any option, mangled data files.

Every run must end with exit code 0, 1 or 2, no traceback and no internal error; a command
that fails writes nothing; and nothing shown on screen carries a raw control, escape or
bidi character that came from the input or the data.
"""

import json
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from anmin_track import store
from conftest import snapshot

# What a terminal would act on: C0/C1 controls (ESC among them) but newline and tab, bidi
# overrides and isolates, lone surrogates.
UNSAFE_ON_SCREEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

NASTY = [
    "\x00",
    "\x1b[31m红字\x1b[0m",
    "\x1b]0;改标题\x07",
    "\x1b[2J",
    "\x9b31m",
    "\u202e反转文字",
    "\u2066隔离\u2069",
    "[red]红[/red]",
    "[bold]粗",
    "[link=http://x]点我[/link]",
    "\r覆盖",
    "\r\n",
    "\t",
    "\x7f",
    "\x08\x08",
    "😀🇨🇳",
    "'\"`$(rm -rf /)",
    "--help",
    "-p",
    "",
    " ",
    "１．２",
    "\ufeff",
    "%s%n{0}",
    "../../etc/passwd",
    "\ud800",
    "\udcff尾",
    "1e400",
    "99999999999999999999999999",
    "-1",
    "NaN",
]

any_char = st.characters(codec=None, categories=None, exclude_categories=[])
hostile = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=any_char, max_size=30),
    st.lists(st.one_of(st.sampled_from(NASTY), st.text(alphabet=any_char, max_size=4)), max_size=5).map("".join),
)


def maybe(valid: st.SearchStrategy) -> st.SearchStrategy:
    """Valid three times in four, so that many commands get far enough to write (and show) hostile text."""
    return st.one_of(valid, valid, valid, hostile)


def parse_task(confirmation: str) -> str:
    """The task id in `已记录 1.2 ...` (the option may have named it by a part of its title)."""
    return confirmation.split()[1]


def assert_safe(result) -> None:
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    shown = result.stdout + result.stderr
    assert "Traceback" not in shown and "程序内部错误" not in shown, shown
    leaked = UNSAFE_ON_SCREEN.search(shown)
    assert leaked is None, (
        f"raw {leaked.group()!r} on screen: {shown[max(0, leaked.start() - 60) : leaked.end() + 20]!r}"
    )


def run_checked(cli, folder: Path, *args: str, writes: bool = False):
    before = snapshot(folder)
    result = cli(*args)
    assert_safe(result)
    if writes and result.exit_code != 0:
        assert snapshot(folder) == before, f"{args!r} failed but changed files"
    return result


FIXTURE_HEALTH = settings(
    deadline=None, max_examples=120, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@pytest.mark.slow  # many in-process runs (2-8 s): the fast pass must stay quick on two cores
@FIXTURE_HEALTH
@given(
    task=maybe(st.sampled_from(["1.1", "3.5", "2.3", "应急"])),
    progress=maybe(st.integers(0, 100).map(str)),
    note=hostile,
    problem=hostile,
    next_steps=hostile,
    metric=st.one_of(st.none(), maybe(st.sampled_from(["调解矛盾纠纷=12", "调解成功=98"]))),
    day=maybe(st.sampled_from(["2024-05-20", "2024年6月1日"])),
    by=maybe(st.just("李明")),
)
def test_update_with_hostile_options(cli, data_dir, task, progress, note, problem, next_steps, metric, day, by):
    args = ["goals", "update", task, "--progress", progress, "--note", note, "--problem", problem]
    args += ["--next", next_steps, "--date", day, "--by", by, *(["--metric", metric] if metric is not None else [])]
    result = run_checked(cli, data_dir, *args, writes=True)
    event(f"update exit code {result.exit_code}")
    if result.exit_code == 0:
        assert_shown_safely(cli, data_dir, parse_task(result.stdout))


def assert_shown_safely(cli, folder: Path, task: str) -> None:
    """What was stored comes back on screen through every view, always harmless."""
    for view in (
        ["goals", "show", task, "--as-of", "2024-12-31"],
        ["goals", "show", task.split(".")[0], "--as-of", "2024-12-31"],
        ["goals", "list", "-t", "--as-of", "2024-12-31"],
        ["goals", "list", "--json"],
        ["log", "-n", "3"],
        ["log", "--json", "-n", "1"],
    ):
        run_checked(cli, folder, *view)


@pytest.mark.slow
@settings(FIXTURE_HEALTH, max_examples=60)
@given(note=hostile, problem=hostile, next_steps=hostile, by=hostile)
def test_hostile_text_is_stored_and_shown_harmlessly(cli, data_dir, note, problem, next_steps, by):
    args = ["goals", "update", "3.5", "-p", "100", "--date", "2024-05-20", "-m", "调解矛盾纠纷=1"]
    result = run_checked(cli, data_dir, *args, "--note", note, "--problem", problem, "--next", next_steps, "--by", by)
    event(f"update exit code {result.exit_code}")
    if result.exit_code == 0:
        assert_shown_safely(cli, data_dir, "3.5")


@pytest.mark.slow  # many in-process runs (2-8 s): the fast pass must stay quick on two cores
@FIXTURE_HEALTH
@given(
    goal=hostile,
    owner=hostile,
    status=maybe(st.sampled_from(["red", "绿灯"])),
    as_of=maybe(st.just("2024-05-31")),
    item=hostile,
    limit=hostile,
)
def test_read_commands_with_hostile_options(cli, data_dir, goal, owner, status, as_of, item, limit):
    run_checked(cli, data_dir, "goals", "list", "--goal", goal, "--owner", owner, "--status", status, "--as-of", as_of)
    run_checked(cli, data_dir, "goals", "show", item, "--limit", limit, "--as-of", as_of)
    run_checked(cli, data_dir, "log", "--limit", limit)
    run_checked(cli, data_dir, "--data", item, "check")
    run_checked(cli, data_dir, "undo", "--data", owner, "--yes", writes=True)


@pytest.mark.slow  # many in-process runs (2-8 s): the fast pass must stay quick on two cores
@FIXTURE_HEALTH
@given(target=hostile.filter(lambda s: ".." not in s))
def test_init_with_hostile_folder_names(cli, tmp_path, target):
    fresh = tempfile.mkdtemp(dir=tmp_path)
    run_checked(cli, tmp_path, "init", f"{fresh}/{target}")


@pytest.mark.slow
def test_a_one_megabyte_note_with_everything_in_it(cli, data_dir):
    note = ("正常文字" + "".join(n for n in NASTY if not re.search("[\ud800-\udfff]", n))) * 8
    note = (note * (1_000_000 // len(note) + 1))[:1_000_000]
    result = run_checked(cli, data_dir, "goals", "update", "1.1", "-p", "30", "--date", "2024-05-20", "--note", note)
    assert result.exit_code == 0
    shown = run_checked(cli, data_dir, "goals", "show", "1.1", "--as-of", "2024-05-31", "--json")
    assert json.loads(shown.stdout)["history"][0]["note"] == note  # escaped on screen, intact as JSON
    run_checked(cli, data_dir, "goals", "show", "1.1", "--as-of", "2024-05-31")
    assert run_checked(cli, data_dir, "check").exit_code == 0
    assert run_checked(cli, data_dir, "undo", "--yes").exit_code == 0


# --------------------------------------------------------------------------- mangled data files

SNIPPETS = [
    'progress = "45"',
    "progress = 1e400",
    "progress = 99999999999999999999999999",
    "progress = -99999999999999999999999999",
    "progress = 3",  # a duplicate key
    'date = "2024-05-20"',
    "date = 2024-05-20T10:00:00",
    "at = 2024-05-20",
    "task = 1.1",
    'task = "9.9"',
    "metrics = 5",
    "metrics = { 调解矛盾纠纷 = { a = 1 } }",
    "metrics = { 调解矛盾纠纷 = nan }",
    "records = 5",
    "[[records]]",
    "[records]",
    'schema = "1"',
    "schema = 2",
    "files = []",
    "tasks = [1, 2]",
    "goals = 5",
    "[[goals.tasks.metrics]]\nname = 1",
    "metrics = [1]",
    "partners = [1]",
    "weight = inf",
    "start = 2099-01-01",
    "x = " + "[" * 3000 + "]" * 3000,
    "y = " + "{a=" * 600 + "1" + "}" * 600,
    'note = "\x1b[31m\u202e[red]红"',
    '{"format": 1, "files": [{"path": "/etc/passwd"}]}',
    '{"format": 1}',
    "[]",
    "null",
    '"' * 5,
    "\ufeff",
    "\x00",
]
TARGETS = [
    "goals.toml",
    "progress/2024-05.toml",
    "progress/index.toml",
    ".history/00000002/entry.json",
    ".history/00000002/0.before",
]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A data folder with a few records (one with metrics) and their journal."""
    folder = tmp_path_factory.mktemp("template") / "data"
    store.init_data_dir(folder)
    d = store.DataDir(folder)
    from datetime import UTC, date, datetime

    from anmin_track import model

    for n, (task, progress) in enumerate([("1.1", 30), ("3.5", 40), ("1.1", 45)]):
        record = model.Record(
            task=task,
            date=date(2024, 5, 20 + n),
            progress=progress,
            note=f"第{n}次",
            metrics={"调解矛盾纠纷": 12} if task == "3.5" else {},
            by="测试员",
            at=datetime(2024, 5, 31, 9, n, tzinfo=UTC),
        )
        store.add_record(d, record)
    return folder


@st.composite
def mangled(draw):
    target = draw(st.sampled_from(TARGETS))
    how = draw(st.sampled_from(["truncate", "flip", "insert", "replace", "random"]))
    return target, how, draw(st.integers(0, 10**6)), draw(st.sampled_from(SNIPPETS)), draw(st.binary(max_size=40))


def mangle(content: bytes, how: str, where: int, snippet: str, noise: bytes) -> bytes:
    lines = content.split(b"\n")
    line = where % max(len(lines), 1)
    if how == "truncate":
        return content[: where % (len(content) + 1)]
    if how == "flip":
        at = where % max(len(content), 1)
        return content[:at] + noise[:1] + content[at + 1 :]
    if how == "insert":
        return b"\n".join([*lines[:line], snippet.encode("utf-8"), *lines[line:]])
    if how == "replace":
        return b"\n".join([*lines[:line], snippet.encode("utf-8"), *lines[line + 1 :]])
    return noise


@pytest.mark.slow
@settings(deadline=None, max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(damage=mangled())
def test_mangled_data_files(cli, template, damage):
    target, how, where, snippet, noise = damage
    folder = Path(tempfile.mkdtemp()) / "data"
    try:
        shutil.copytree(template, folder)
        path = folder / target
        path.write_bytes(mangle(path.read_bytes(), how, where, snippet, noise))
        at = ["--data", str(folder)]
        run_checked(cli, folder, *at, "check")
        run_checked(cli, folder, *at, "goals", "list", "-t", "--as-of", "2024-05-31")
        run_checked(cli, folder, *at, "goals", "show", "3.5", "--as-of", "2024-05-31")
        run_checked(cli, folder, *at, "goals", "show", "1", "--as-of", "2024-05-31")
        run_checked(cli, folder, *at, "log")
        update = ["goals", "update", "3.5", "-p", "60", "--date", "2024-05-29", "--note", "x", "-m", "调解矛盾纠纷=13"]
        run_checked(cli, folder, *at, *update, writes=True)
        run_checked(cli, folder, *at, "undo", "--yes", writes=True)
        run_checked(cli, folder, *at, "undo", "--yes", writes=True)
    finally:
        shutil.rmtree(folder.parent)
