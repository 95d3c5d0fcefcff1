"""Parsed copies of the plan and the index (``store.parsed_cache``): used only for the very text they were
made from, the document parsing that text gives, kept by writers and by readers, never believed by `check`."""

import contextlib
import functools
import marshal
import subprocess
import sys
import tomllib
import zlib
from pathlib import Path

import pytest

from anmin_track import store
from anmin_track.store import parsed_cache

COPIES = ("goals.toml.parsed", "progress_index.toml.parsed")


def copy_of(data_dir: Path, name: str) -> Path:
    return data_dir / "progress" / ".cache" / name


def kept_document(data_dir: Path, name: str) -> dict:
    """The document a copy holds, read here with marshal alone (not through the module under test)."""
    body = copy_of(data_dir, name).read_bytes().partition(b"\n")[2]
    return marshal.loads(body)


def as_kept(doc: object) -> object:
    """A document as a copy holds it: each date, time and datetime as a tagged pair (as the module says)."""
    if isinstance(doc, dict):
        return {k: as_kept(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [as_kept(v) for v in doc]
    if hasattr(doc, "hour") and hasattr(doc, "year"):
        return ("t", doc.isoformat())
    if hasattr(doc, "year"):
        return ("d", doc.toordinal())
    if hasattr(doc, "hour"):
        return ("h", doc.isoformat())
    return doc


def parsed_from_file(path: Path) -> dict:
    return tomllib.loads(path.read_text(encoding="utf-8"))


def test_writers_and_readers_keep_copies_that_hold_what_parsing_gives(anmin, data_dir):
    """After each kind of change, each copy holds exactly what tomllib makes of its file now."""
    assert anmin("goals", "list").returncode == 0  # a reader: saves both copies
    for args in (
        ("goals", "update", "1.1", "--progress", "30", "--date", "2024-05-20", "--note", "推进"),
        ("goals", "edit", "1.2", "--owner", "王芳"),
        ("goals", "update", "1.2", "--progress", "10", "--date", "2024-05-21", "--note", "起步"),
    ):
        assert anmin(*args).returncode == 0  # a writer: keeps the copy of what it wrote
        for name, source in zip(COPIES, ("goals.toml", "progress/index.toml"), strict=True):
            assert kept_document(data_dir, name) == as_kept(parsed_from_file(data_dir / source)), (args, name)


PROBE = """
import sys
sys.argv = ["anmin", *sys.argv[1:]]
from anmin_track import __main__ as entry
entry._exit = lambda code: None
entry.main()
sys.stderr.write("TOML " + str("tomli" in sys.modules or "tomllib" in sys.modules) + "\\n")
"""


def parses_toml(*args: str) -> bool:
    run = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60)
    return next(x for x in run.stderr.splitlines() if x.startswith("TOML ")) == "TOML True"


def test_with_its_copies_kept_a_command_parses_no_toml(anmin, data_dir):
    assert anmin("goals", "update", "1.1", "--progress", "30", "--date", "2024-05-20", "--note", "推进").returncode == 0
    assert not parses_toml("goals", "list")  # the writer kept the index it wrote, and the plan it read
    assert not parses_toml("goals", "list", "--json")  # (`goals show` reads the task's month files: TOML)
    (data_dir / "goals.toml").write_text(
        (data_dir / "goals.toml").read_text(encoding="utf-8") + "\n# 手写的注释\n", encoding="utf-8"
    )
    assert parses_toml("goals", "list")  # another text: its copy is not used


def test_a_damaged_or_foreign_copy_is_not_used(anmin, data_dir):
    assert anmin("goals", "list").returncode == 0
    path = copy_of(data_dir, "goals.toml.parsed")
    good = path.read_bytes()
    header, _, body = good.partition(b"\n")
    for bad in (
        good[:-7],  # cut short (a power cut: written without fsync)
        header + b"\n" + body.replace("安民乡".encode(), "安乐乡".encode()),  # changed: its checksum no longer holds
        b"",
        b"not a copy at all\n",
    ):
        path.write_bytes(bad)
        shown = anmin("goals", "show", "1.1", "--json")
        assert shown.returncode == 0 and "安乐乡" not in shown.stdout, bad[:40]


def forge(path: Path, change) -> None:
    """Give the copy at ``path`` another document, with a checksum that holds."""
    header, _, body = path.read_bytes().partition(b"\n")
    magic, form, made_from, _ = header.split(b" ")
    forged = marshal.dumps(change(marshal.loads(body)), 4)
    checksum = b"%08x%08x" % (zlib.crc32(forged), zlib.adler32(forged))
    path.write_bytes(b" ".join((magic, form, made_from, checksum)) + b"\n" + forged)


@pytest.mark.parametrize("name", COPIES)
def test_check_never_believes_a_copy_and_removes_one_that_lies(anmin, data_dir, name):
    assert anmin("goals", "update", "1.1", "--progress", "30", "--date", "2024-05-20", "--note", "推进").returncode == 0
    path = copy_of(data_dir, name)
    if name.startswith("goals"):
        forge(path, lambda doc: {**doc, "plan": {**doc["plan"], "org": "安乐乡"}})
    else:
        forge(path, lambda doc: {**doc, "records": []})  # as if 1.1 had no record
    checked = anmin("check")
    assert checked.returncode == 1 and "解析缓存与" in checked.stdout and "已按该文件重建" in checked.stdout, (
        checked.stdout
    )
    source = data_dir / ("goals.toml" if name.startswith("goals") else "progress/index.toml")
    assert kept_document(data_dir, name) == as_kept(parsed_from_file(source))  # made anew from the file
    shown = anmin("goals", "show", "1.1", "--json")
    assert "安乐乡" not in shown.stdout and "推进" in shown.stdout
    assert anmin("check").returncode == 0


def test_a_copy_holding_what_toml_has_not_is_never_used(anmin, data_dir):
    assert anmin("goals", "list").returncode == 0
    path = copy_of(data_dir, "goals.toml.parsed")
    forge(path, lambda doc: {**doc, "plan": {**doc["plan"], "org": frozenset({"安乐乡"})}})
    shown = anmin("goals", "show", "1.1", "--json")
    assert shown.returncode == 0 and "安乐乡" not in shown.stdout
    assert kept_document(data_dir, "goals.toml.parsed") == as_kept(
        parsed_from_file(data_dir / "goals.toml")
    )  # saved anew


def test_a_read_only_folder_gets_no_copy(data_dir):
    d = store.DataDir(data_dir, readonly=True)
    store.load_plan(d)
    assert not copy_of(data_dir, "goals.toml.parsed").exists()
    assert parsed_cache.cache_path(d, d.plan_file) == copy_of(data_dir, "goals.toml.parsed")


@pytest.mark.parametrize("why", ["read-only", "lock held"])
def test_a_lying_copy_that_cannot_be_removed_is_still_not_believed(anmin, data_dir, why):
    """`check` names the copy and asks for its removal, and checks the files as they are: no error of the copy's."""
    assert anmin("goals", "update", "1.1", "--progress", "30", "--date", "2024-05-20", "--note", "推进").returncode == 0
    forge(copy_of(data_dir, "goals.toml.parsed"), lambda doc: {**doc, "goals": doc["goals"][1:]})  # no task 1.1
    forge(copy_of(data_dir, "progress_index.toml.parsed"), lambda doc: {**doc, "records": []})
    d = store.DataDir(data_dir, readonly=why == "read-only")
    with contextlib.ExitStack() as stack:
        if why == "lock held":
            stack.enter_context(store.locked(store.DataDir(data_dir), "另一位同事"))
        problems = store.check_all(d)[2]
    assert len(problems) == 2, problems
    assert all("解析缓存与" in p.message and "请删除它" in p.message for p in problems), problems
    assert copy_of(data_dir, "goals.toml.parsed").exists()  # not removed: it could not be


@pytest.mark.parametrize(
    "kept",
    [
        {"plan": {"start": ("d", 10**20)}},  # a date no calendar has: OverflowError
        {"plan": {"start": ("t", "2024-13-45T00:00:00")}},
        {"plan": {"org": functools.reduce(lambda inner, _: [inner], range(1500), [])}},  # past the recursion limit
    ],
    ids=["overflow", "bad-datetime", "deep"],
)
def test_a_copy_that_cannot_be_read_back_is_a_miss_and_check_names_it(anmin, data_dir, kept):
    assert anmin("goals", "list").returncode == 0
    truth = as_kept(parsed_from_file(data_dir / "goals.toml"))
    forge(copy_of(data_dir, "goals.toml.parsed"), lambda doc: {**doc, **kept})
    shown = anmin("goals", "show", "1.1", "--json", "--as-of", "2024-05-31")
    assert shown.returncode == 0 and shown.stderr == "", shown.stderr
    assert kept_document(data_dir, "goals.toml.parsed") == truth  # the reader made it anew
    forge(copy_of(data_dir, "goals.toml.parsed"), lambda doc: {**doc, **kept})
    d = store.DataDir(data_dir)
    found = parsed_cache.problem(d, d.plan_file)
    assert found is not None and "已按该文件重建" in found.message
    assert kept_document(data_dir, "goals.toml.parsed") == truth


def test_a_lying_copy_of_an_earlier_plan_is_not_believed_in_a_folder_of_three_plans(anmin, data_dir):
    """`check` reads more plans and indexes than the few parsed documents a process keeps: a copy it found
    lying and could not make anew stays disbelieved however many files come after it."""
    assert anmin("goals", "update", "1.1", "--progress", "30", "--date", "2024-05-20", "--note", "推进").returncode == 0
    for year in ("2025", "2026"):
        assert anmin("plan", "new", year, "--yes").returncode == 0
    for year in ("2024", "2025", "2026"):
        assert anmin("goals", "list", "--year", year).returncode == 0  # each plan's copies kept
    earlier = copy_of(data_dir, "plans_2024.toml.parsed")
    forge(earlier, lambda doc: {**doc, "goals": doc["goals"][1:]})  # 2024 without goal 1: 1.x carried from nothing
    problems = store.check_all(store.DataDir(data_dir, readonly=True))[2]
    assert [Path(p.file).name for p in problems] == ["plans_2024.toml.parsed"], problems


@pytest.mark.parametrize("who", ["writer", "reader"])
def test_a_copy_a_killed_writer_left_half_written_is_swept(anmin, data_dir, who):
    """A kill between writing a copy's temp file and its rename leaves `.NAME.xxxxxxxx.tmp` in progress/.cache;
    the next writer (which keeps copies) or reader that saves one removes it, as writers do beside data files."""
    assert anmin("goals", "list").returncode == 0
    left = copy_of(data_dir, ".progress_index.toml.parsed.0badc0de.tmp")
    left.write_bytes(b"anmin-parsed 1 half")
    if who == "writer":
        args = ("goals", "update", "1.1", "--progress", "30", "--date", "2024-05-20", "--note", "推进")
    else:
        copy_of(data_dir, "goals.toml.parsed").unlink()  # a miss: the reader saves the copy anew
        args = ("goals", "list")
    assert anmin(*args).returncode == 0
    assert not left.exists()
