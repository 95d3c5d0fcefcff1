"""The write paths that combine the parts below: record progress, rewrite the plan, begin a new year's plan, init.

Each takes the lock, re-reads and validates what it touches, and writes through the
journal; if anything fails to validate, nothing is written.
"""

from __future__ import annotations

import contextlib
import functools
import os
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import ParamSpec, TypeVar

from anmin_track import model
from anmin_track.errors import AnminError, DataError, InputError, Step, WriteError
from anmin_track.store import hand_edits, journal, parsed_cache
from anmin_track.store.folder import (
    FIRST_YEAR,
    LAST_YEAR,
    PLAN_FILE,
    PROGRESS_DIR,
    DataDir,
    bundled_plan_file,
    content_hash,
)
from anmin_track.store.index import (
    PLAN_STAMP,
    Index,
    contents_match,
    dump_index,
    empty_index,
    file_stamps,
    index_document,
    load_index,
    month_key,
    rebuild_stale,
    require_fit,
    stamp_of,
    write_stamp,
)
from anmin_track.store.lock import LockLost, lock_timeout, locked, write_failure
from anmin_track.store.plan_file import load_plan, plan_from_toml
from anmin_track.store.plan_write import dump_plan, rewrite_plan
from anmin_track.store.queries import day_record, latest_records, record_after, record_before, without_record
from anmin_track.store.records import (
    check_new_record,
    check_task_open,
    month_document,
    month_files,
    month_with,
    read_month,
    records_from_toml,
)
from anmin_track.store.safe_io import atomic_write, make_dir
from anmin_track.store.tomlcheck import dump_toml, raise_if_problems, read_bytes, read_text
from anmin_track.store.years import views

T = TypeVar("T")
P = ParamSpec("P")


class Transaction:
    """One change to the data folder, made under the lock from a fresh read of the plan.

    The use cases (``actions``) open one with ``transaction``, check their rules against
    ``plan`` and ``latest_records`` as they are now (no other writer can change them
    meanwhile), then make exactly one write: ``add_record``, ``replace_record`` or ``replace_plan``.
    """

    def __init__(self, data: DataDir, author: journal.Author):
        self.data = data
        self.author = author
        self.plan = load_plan(data)
        self._written = False
        self._index: Index | None = None

    @property
    def index(self) -> Index:
        """Read once per transaction: under the lock nobody else can change it."""
        if self._index is None:
            self._index = load_index(self.data, self.plan)
        return self._index

    def latest_records(self, as_of: date) -> dict[str, model.Record]:
        return latest_records(self.data, self.plan, as_of, self.index)

    def record_count(self, task: model.Task) -> int:
        digest = self._index_of_contents().digest.get(task.id)
        return digest.records if digest else 0

    def _index_of_contents(self) -> Index:
        """The index, once every month file is known to have the content it describes (``contents_match``)."""
        if not contents_match(self.data, self.index):
            self._index = rebuild_stale(self.data, self.plan)
        return self.index

    def day_record(self, task: model.Task, day: date) -> model.Record | None:
        return day_record(self.data, self.plan, task, day)

    def record_before(self, task: model.Task, record: model.Record) -> model.Record | None:
        return record_before(self.data, self.plan, task, record)

    def record_after(self, task: model.Task, record: model.Record) -> model.Record | None:
        return record_after(self.data, self.plan, task, record)

    def add_record(self, record: model.Record, summary: str, also: dict[Path, bytes] | None = None) -> None:
        """Append ``record`` to its month file and refresh the index; nothing is written if it does not fit.

        ``also``: other data files written in the same journaled change (a 督办单's state, answered with progress)."""
        self._once()
        check_new_record(self.plan, record)
        ym = (record.date.year, record.date.month)
        self._refuse_after_hand_edits()
        path = self.data.month_file(*ym)
        content = read_bytes(path, self.data.label(path)) if path.exists() else None
        index = self._index_knowing(ym, None if content is None else content_hash(content))
        trusted = index.plan_checked and month_key(ym) in index.appendable
        month_bytes = month_with(self.data, self.plan, ym, record, content, trusted)
        index.add(record)
        self._write_month(ym, month_bytes, appendable=True, summary=summary, also=also)

    def write_notice_states(self, content: bytes, summary: str) -> None:
        """Write the 督办单 state file (``store.notice_state``) as ``content``, through the journal."""
        self._once()
        write_notice_states(self.data, content, self.author, summary)

    def replace_record(self, old: model.Record, new: model.Record | None, summary: str) -> None:
        """Write ``old``'s month file anew with ``new`` in its place, or without it (``new`` None).

        The month is validated as it will be written; the index's facts that ``old`` held
        are found again among the other records (``without_record``). Comments and layout
        made by hand in that month file are not kept.
        """
        self._once()
        task = self.plan.task(old.task)
        if task is None:
            raise InputError(f"任务 {old.task} 已不在计划中，未作任何修改。")
        check_task_open(task)
        if new is not None:
            check_new_record(self.plan, new)
        self._refuse_after_hand_edits()
        ym = (old.date.year, old.date.month)
        month = read_month(self.data, self.plan, ym)
        index = self._index_knowing(ym, month.hash)
        records = list(month.records)
        at = records.index(old)  # found under this lock: it is there
        records[at : at + 1] = [new] if new is not None else []
        content = month_document(records)
        label = self.data.label(self.data.month_file(*ym))
        raise_if_problems(records_from_toml(content.decode("utf-8"), label, self.plan, ym)[1])
        without_record(index, self.data, self.plan, old, records)
        if new is not None:
            index.add(new)
        self._write_month(ym, content, appendable=bool(records), summary=summary)

    def _index_knowing(self, ym: tuple[int, int], content: str | None) -> Index:
        """The index, once it is known to describe month ``ym`` as it is (``content``: its hash).

        Matching stamps vouch for a file, except where its content changed and its size and
        time did not (a tool that keeps times, a 2-second clock); its content hash then differs
        from the index's, and the index is rebuilt from every month file before it is trusted.
        """
        index = self.index  # read under the lock: its stamps are the files' now
        if content is not None and index.hashes.get(month_key(ym)) != content:
            index = self._index = rebuild_stale(self.data, self.plan)
        return index

    def _refuse_after_hand_edits(self) -> None:
        lost = hand_edits.losses(self.data)
        if lost:  # writing the index now would forget what the hand edit lost
            raise DataError(
                f"{lost[0]}。为免在缺失的数据上继续记录，未作任何修改。"
                "确属有意修改的，检查会确认当前状态，之后即可记录；请先检查全部数据。",
                steps=(Step("check"),),
            )

    def _write_month(
        self, ym: tuple[int, int], content: bytes, appendable: bool, summary: str, also: dict[Path, bytes] | None = None
    ) -> None:
        """Write a month file and the index (whose facts the caller has brought up to date).

        The callers refused to write after a hand edit that lost anything: an edit that lost
        nothing is accepted now (the index's ``baseline`` goes).
        """
        index, key = self.index, month_key(ym)
        index.baseline = None
        stamp = write_stamp()
        index.stamp(key, content, stamp)
        if appendable:
            index.appendable.add(key)
        else:
            index.appendable.discard(key)
        if not index.plan_checked:  # the whole month was validated against the plan just now, not all months
            index.stamps.pop(PLAN_STAMP, None)
        doc = index_document(index)
        files = {**(also or {}), self.data.month_file(*ym): content, self.data.index_file: dump_toml(doc)}
        journal.write_files(self.data, files, author=self.author, summary=summary, stamp_ns=stamp)
        parsed_cache.keep(self.data, files, {self.data.index_file: doc})

    def replace_plan(self, new: model.Plan, summary: str) -> None:
        """Rewrite goals.toml as ``new``, which must validate on its own and against every record
        (checked against the index's digest of them: see ``_index_fitting``).

        An unchanged plan is not rewritten.
        """
        self._once()
        if new == self.plan:
            return
        label = self.data.label(self.data.plan_file)
        content = rewrite_plan(read_text(self.data.plan_file, label), self.plan, new, label)
        _, problems = plan_from_toml(content.decode("utf-8"), label)
        if problems:
            raise InputError(f"{problems[0].message}。数据未作任何修改。")
        index = self._index_fitting(new)
        if index.baseline is not None and not hand_edits.losses(self.data):
            index.baseline = None
        stamp = write_stamp()
        index.stamp(PLAN_STAMP, content, stamp)
        doc = index_document(index)
        files = {self.data.plan_file: content, self.data.index_file: dump_toml(doc)}
        journal.write_files(self.data, files, author=self.author, summary=summary, stamp_ns=stamp)
        parsed_cache.keep(self.data, files, {self.data.index_file: doc})
        self.plan = new

    def _index_fitting(self, new: model.Plan) -> Index:
        """The index, once every record fits ``new``; refuses when a record does not.

        Records that did not fit even the plan before the edit are a data problem (exit 1),
        not the edit's fault.
        """
        try:
            index = self._index_of_contents()
        except DataError as broken:  # the index was rebuilt, and a record does not fit the plan as it is
            try:
                return rebuild_stale(self.data, new)
            except DataError:
                raise broken from None
        try:
            require_fit(self.data, index, new)
        except DataError as exc:
            require_fit(self.data, index, self.plan)  # raises the data problem when the files were broken already
            raise InputError(f"修改后与已有进展记录冲突：{exc.problems[0]}。数据未作任何修改。") from None
        return index

    def begin_year(self, new: model.Plan, summary: str) -> None:
        """Make ``new`` (a later year's) the current plan; the plan it replaces is kept as plans/YYYY.toml, its text as it is.

        Both plans get their index at once: the old one over the months it keeps, the new
        one over the months of its year and after (whose records must fit it).
        """
        self._once()
        self._refuse_after_hand_edits()
        old, data = self.plan, self.data
        label = data.label(data.plan_file)
        old_content = read_bytes(data.plan_file, label)
        new_content = dump_plan(new)
        back, problems = plan_from_toml(new_content.decode("utf-8"), label)
        if problems or back != new:
            raise AssertionError(f"the new plan does not read back: {problems}")
        first = data.owns[0] if data.owns else FIRST_YEAR
        kept = DataDir(data.path, data.bundled, old.year, (first, new.year - 1))
        current = DataDir(data.path, data.bundled, None, (new.year, LAST_YEAR))
        if kept.plan_file.exists():
            raise DataError(f"{data.label(kept.plan_file)} 已存在，未作任何修改。请核对往年计划后再开始新年度计划。")
        stamp = write_stamp()
        docs = {
            kept.index_file: index_document(_built_index(kept, old, old_content, stamp)),
            current.index_file: index_document(_built_index(current, new, new_content, stamp)),
        }
        files = {kept.plan_file: old_content, data.plan_file: new_content, **{p: dump_toml(d) for p, d in docs.items()}}
        journal.write_files(data, files, author=self.author, summary=summary, stamp_ns=stamp)
        parsed_cache.keep(data, files, docs)
        self.plan, self.data = new, current

    def _once(self) -> None:
        if self._written:
            raise AssertionError("a transaction makes one write")
        self._written = True


def write_notice_states(data: DataDir, content: bytes, author: journal.Author, summary: str) -> None:
    """The 督办单 state file written as ``content`` through the journal; the caller holds the lock
    (issuing notices, which needs no plan read again for it)."""
    journal.write_files(data, {data.notice_state_file: content}, author=author, summary=summary)


def _built_index(view: DataDir, plan: model.Plan, plan_content: bytes, stamp: int) -> Index:
    """The index of ``view`` with ``plan`` about to be written as ``plan_content`` at ``stamp``: every
    month it owns read and validated against ``plan`` (raises DataError naming the first record that does not fit)."""
    months = month_files(view)
    index = empty_index(view, {month_key(ym): stamp_of(path) for ym, path in months.items()})
    for ym in sorted(months):
        index.add_month(ym, read_month(view, plan, ym))
    index.stamp(PLAN_STAMP, plan_content, stamp)
    return index


@contextlib.contextmanager
def transaction(data: DataDir, author: journal.Author) -> Iterator[Transaction]:
    """Hold the lock, read the plan afresh, and hand both to the caller (see ``Transaction``).

    ``data`` is the view of one plan (``years``); if the folder's plans changed since it
    was chosen (a new year's plan begun meanwhile), nothing is done.
    """
    with locked(data, author.who):
        if data not in views(data):
            raise WriteError(
                "在此期间数据目录的年度计划已有变动（可能刚开始了新年度计划），未作任何修改。请重新运行命令。"
            )
        yield Transaction(data, author)


#: How often a write runs again after its lock file was deleted or replaced under it, at least
#: (and then for as long as a writer waits for the lock: ``lock_timeout``).
LOCK_ATTEMPTS = 5


def retried(write: Callable[P, T]) -> Callable[P, T]:
    """Run ``write`` (a use case that takes the lock) again while its lock was lost (``LockLost``):
    it gave up before replacing a file, or put back what it had replaced, so running it again
    from a fresh read under the lock as it is now makes the change once."""

    @functools.wraps(write)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        deadline = time.monotonic() + lock_timeout()
        attempt = 1
        while attempt < LOCK_ATTEMPTS or time.monotonic() < deadline:
            try:
                return write(*args, **kwargs)
            except LockLost:
                attempt += 1
        return write(*args, **kwargs)

    return run


def save_index_if_stale(data: DataDir, index: Index | None) -> bool:
    """Save ``index``, built by ``check_all`` when the saved one was stale, as the fresh one.

    Accepts the state hand edits left (the saved index had kept it as its ``baseline``).
    Best effort: skipped when the folder is read-only or another writer holds the lock,
    or when a file changed since ``index`` was built. Returns whether it was saved.
    """
    if data.bundled or index is None or not (month_files(data) or data.index_file.exists()):
        return False  # nothing to save: no records, and no saved index whose warnings to clear
    with contextlib.suppress(AnminError, OSError), locked(data, "检查数据", timeout=0):
        if file_stamps(data) == index.stamps:
            atomic_write(data.index_file, dump_index(index))
            return True
    return False


def init_data_dir(target: Path, shared: bool = False, plan: bytes | None = None, force: bool = False) -> Path:
    """Copy the bundled 2024 plan (or write ``plan``) into ``target`` (refusing to overwrite an existing plan).

    ``shared``: the folder is for a group of accounts (group may write, setgid so new
    entries take the folder's group); every file and folder created in it later
    inherits that (``safe_io.folder_modes``). An existing folder with other things in it
    (a home folder, a desktop) is not opened to the group unless ``force``.
    """
    plan_file = target / PLAN_FILE
    if plan_file.exists():
        raise InputError(
            f"{plan_file} 已存在，未覆盖。如需重新开始，请先备份并移走该文件；"
            f"{target} 已是数据目录，可以直接使用：请进入该目录（cd {target}）后再运行命令。"
        )
    if shared and not force and _holds_files(target):
        raise InputError(
            f"{target} 是已有的文件夹，其中已有别的文件，不是数据目录；设为组内共用会让同组的所有账户都能改动其中的文件，"
            "未作任何修改。请换一个新文件夹的名称；确需把这个文件夹设为共用的数据目录，请明确确认。",
            options=("force",),
        )
    try:
        target.mkdir(parents=True, exist_ok=True)  # the folder itself: as the umask says, or --shared
        if shared:
            _share(target)
        make_dir(target / PROGRESS_DIR)
        atomic_write(plan_file, bundled_plan_file().read_bytes() if plan is None else plan)
    except OSError as exc:
        raise WriteError(write_failure(target, exc)) from None
    except ValueError:  # NUL or a lone surrogate: no file system takes such a name
        raise InputError(f"目录名 {str(target)!r} 含有不能用作文件名的字符，请换一个名称。") from None
    return plan_file


def _holds_files(folder: Path) -> bool:
    """Whether ``folder`` exists with something in it (a link to a folder counts as the folder)."""
    try:
        with os.scandir(folder) as entries:
            return any(True for _ in entries)
    except (FileNotFoundError, NotADirectoryError, ValueError):  # none yet, a file, a NUL: init says so below
        return False
    except OSError:  # cannot be listed: it is not ours to open to the group
        return True


def _share(folder: Path) -> None:
    import stat

    if os.name == "nt":  # pragma: no cover - Windows folders share through inherited ACLs
        return
    os.chmod(folder, stat.S_IMODE(os.stat(folder).st_mode) | stat.S_ISGID | stat.S_IRWXG)


@retried
def add_record(data: DataDir, record: model.Record, author: journal.Author | None = None) -> None:
    """Write one record that fits the plan, under the lock, without the rules of ``actions``.

    For tools that load records in bulk (the benchmark's data builder, tests); staff
    input goes through ``actions.record_progress``.
    """
    with transaction(data, author or journal.Author(record.by)) as tx:
        tx.add_record(record, f"记录 {record.task} 进度 {record.progress}%")
