"""progress/index.toml and the queries it answers: each task's latest record, as of any day.

Reading "the current state" needs goals.toml and the index only; looking at a past day
reads the month files backwards from that day, no further than it has to.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from anmin_track import model
from anmin_track.errors import AnminError, DataError
from anmin_track.store.folder import INDEX_FILE, DataDir
from anmin_track.store.records import (
    load_month,
    load_records,
    month_files,
    read_month,
    record_to_toml,
    records_from_toml,
    records_of,
)
from anmin_track.store.safe_io import atomic_write, locked
from anmin_track.store.tomlcheck import Checker, LineIndex, dump_toml, read_text


@dataclass
class Index:
    """What the month files say, kept small enough to read on every command.

    ``stamps``: size and modification time of goals.toml and of every month file, as
    they were when the index was saved. While they match the files, every month file is
    known to be valid against the plan (nothing is saved from files that did not
    validate), so writers need not parse a month again before appending to it.
    """

    stamps: dict[str, list[int]]  # file key (see ``file_stamps``) → [size, mtime_ns]
    #: goals.toml is as it was when the months were last validated against it. Readers
    #: do not need it (a plan edited by hand is checked by ``hand_edits`` and ``check``);
    #: a writer appends without re-validating the month only when it holds.
    plan_checked: bool
    #: Months whose file has the shape this program writes (every record under its own
    #: ``[[records]]`` header): a new record can be appended to the text as it is.
    appendable: set[str]
    latest: dict[str, model.Record]  # each task's newest record
    #: Each task's newest record dated before the month of its newest: with it, "as of
    #: the end of last month" (the monthly report) is answered without reading a month.
    earlier: dict[str, model.Record]

    def add(self, record: model.Record) -> None:
        """Take a new record into ``latest`` and ``earlier``."""
        tid, current = record.task, self.latest.get(record.task)
        if current is None or record.sort_key >= current.sort_key:
            if current is not None and _month(current) < _month(record):
                self.earlier[tid] = current
            self.latest[tid] = record
        elif _month(record) < _month(current):
            before = self.earlier.get(tid)
            if before is None or record.sort_key >= before.sort_key:
                self.earlier[tid] = record

    def answer(self, task_id: str, as_of: date) -> tuple[bool, model.Record | None]:
        """(known, record): the task's newest record as of ``as_of``, if the index can tell."""
        latest = self.latest.get(task_id)
        if latest is None:
            return True, None
        if latest.date <= as_of:
            return True, latest
        if as_of < date(*_month(latest), 1):  # no record between ``earlier`` and latest's month
            before = self.earlier.get(task_id)
            if before is None or before.date <= as_of:
                return True, before
        return False, None


def _month(record: model.Record) -> tuple[int, int]:
    return record.date.year, record.date.month


PLAN_STAMP = "goals.toml"


def month_key(ym: tuple[int, int]) -> str:
    return f"{ym[0]:04d}-{ym[1]:02d}"


def file_stamps(data: DataDir) -> dict[str, list[int]]:
    """Size and modification time of goals.toml and every month file: an edit changes at least the time."""
    stamps = {}
    for key, path in [(PLAN_STAMP, data.plan_file), *((month_key(ym), p) for ym, p in month_files(data).items())]:
        info = path.stat()
        stamps[key] = [info.st_size, info.st_mtime_ns]
    return stamps


def _months(stamps: dict) -> dict:
    return {key: value for key, value in stamps.items() if key != PLAN_STAMP}


def write_stamp() -> int:
    """A modification time for files this program writes, recorded in the index.

    Whole even seconds, so that file systems with coarse clocks (FAT keeps 2 s) store
    it exactly; any later edit by another program gets a different time.
    """
    return time.time_ns() // 2_000_000_000 * 2_000_000_000


def load_index(data: DataDir, plan: model.Plan) -> Index:
    """The index; when it no longer matches the files, rebuilt from them (and saved, when it can be)."""
    stamps = file_stamps(data)
    found = saved_index(data, stamps)
    if found is None:
        found = rebuild_index(data, plan, stamps)
        _save_quietly(data, found)
    return found


def saved_index(data: DataDir, stamps: dict[str, list[int]]) -> Index | None:
    """The index file, if it is readable and was built from the files as they are."""
    if not data.index_file.exists():
        return None
    with contextlib.suppress(DataError):
        text = read_text(data.index_file, INDEX_FILE)
        records, problems, doc = records_from_toml(text, INDEX_FILE, None, None, index=True)
        files = doc.get("files")
        if not problems and isinstance(files, dict) and _months(files) == _months(stamps):
            check = Checker(INDEX_FILE, LineIndex(text))
            earlier = records_of(doc, "earlier", check, None, None)
            if not check.problems:
                return Index(
                    stamps=stamps,
                    plan_checked=files.get(PLAN_STAMP) == stamps.get(PLAN_STAMP),
                    appendable=set(doc.get("appendable", [])),
                    latest={r.task: r for r in records},
                    earlier={r.task: r for r in earlier},
                )
    return None


def rebuild_index(data: DataDir, plan: model.Plan, stamps: dict[str, list[int]] | None = None) -> Index:
    """Read and validate every month file (raises DataError naming the first problem)."""
    stamps = file_stamps(data) if stamps is None else stamps
    index = Index(stamps=stamps, plan_checked=True, appendable=set(), latest={}, earlier={})
    for ym in sorted(month_files(data)):
        month = read_month(data, plan, ym)
        if month.appendable:
            index.appendable.add(month_key(ym))
        for record in month.records:
            index.add(record)
    return index


def _save_quietly(data: DataDir, index: Index) -> None:
    """Save a rebuilt index when there was none, so the next command need not rebuild it.

    Skipped when the folder is read-only or a writer holds the lock (it saves its own),
    and when an index was there but no longer matches: the files were edited by hand,
    and what the edit may have lost is said by every command (``hand_edits``) until
    ``anmin check`` has shown it and saved the new state.
    """
    if data.bundled or data.index_file.exists() or set(index.stamps) == {PLAN_STAMP}:
        return
    with contextlib.suppress(AnminError, OSError), locked(data, "自动重建索引", timeout=0):
        if file_stamps(data) == index.stamps:  # nothing changed while it was being built
            atomic_write(data.index_file, dump_index(index))


def dump_index(index: Index) -> bytes:
    return dump_toml(
        {
            "schema": model.SCHEMA,
            "files": dict(sorted(index.stamps.items())),
            "appendable": sorted(index.appendable),
            "records": [record_to_toml(r) for _, r in sorted(index.latest.items())],
            "earlier": [record_to_toml(r) for _, r in sorted(index.earlier.items())],
        }
    )


def _months_back(start: date, stop: date) -> Iterator[tuple[int, int]]:
    """(year, month) from ``start``'s month back to ``stop``'s month, newest first."""
    y, m = start.year, start.month
    while (y, m) >= (stop.year, stop.month):
        yield y, m
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)


def latest_records(
    data: DataDir, plan: model.Plan, as_of: date, index: Index | None = None
) -> dict[str, model.Record]:
    """Each task's newest record dated on or before ``as_of``.

    The index answers at once for most tasks (see ``Index.answer``); for the others,
    month files are read backwards from ``as_of`` until each is found (never before the
    task's start, since no record may predate it).
    """
    index = load_index(data, plan) if index is None else index
    result: dict[str, model.Record] = {}
    later = []
    for task in plan.tasks:
        known, record = index.answer(task.id, as_of)
        if not known:
            later.append(task)
        elif record is not None:
            result[task.id] = record
    missing = {task.id for task in later}
    if later:
        earliest = min(task.start for task in later)
        existing = month_files(data)
        for ym in _months_back(as_of, earliest):
            if not missing:
                break
            if ym not in existing:
                continue
            found = model.latest_by_task((r for r in load_month(data, plan, ym) if r.task in missing), as_of)
            result.update(found)
            missing -= found.keys()
    return result


def report_records(
    data: DataDir, plan: model.Plan, period: model.Period
) -> tuple[list[model.Record], dict[str, model.Record]]:
    """What a report needs: the period's records, and each task's latest record before it.

    Reads the period's own month files plus, through ``latest_records``, only the earlier
    months needed to find each task's state at the end of the previous period.
    """
    before = latest_records(data, plan, period.previous_end)
    return load_records(data, plan, period.months), before


def task_history(data: DataDir, plan: model.Plan, task: model.Task, as_of: date, limit: int) -> list[model.Record]:
    """A task's newest ``limit`` records dated up to ``as_of``, newest first.

    Reads month files backwards and stops as soon as it has enough.
    """
    existing = month_files(data)
    found: list[model.Record] = []
    for ym in _months_back(as_of, task.start):
        if len(found) >= limit:
            break
        if ym in existing:
            mine = [r for r in load_month(data, plan, ym) if r.task == task.id and r.date <= as_of]
            found.extend(sorted(mine, key=lambda r: r.sort_key, reverse=True))
    return found[:limit]


def task_record_count(data: DataDir, plan: model.Plan, task: model.Task) -> int:
    return sum(r.task == task.id for r in load_records(data, plan, sorted(month_files(data))))


def latest_texts(data: DataDir, plan: model.Plan, as_of: date) -> dict[str, model.LatestTexts]:
    """Each task's latest non-empty 存在问题 and 下步计划 dated on or before ``as_of``.

    A later record that leaves the field empty does not hide an earlier one; a problem
    recorded as 无/已解决 ends it. Month files are read backwards from ``as_of`` until
    every task has both (never before the earliest task start).
    """
    tasks = plan.tasks
    if not tasks:
        return {}
    existing = month_files(data)
    seen: list[model.Record] = []
    need_problem = {t.id for t in tasks}
    need_next = set(need_problem)
    for ym in _months_back(as_of, min(t.start for t in tasks)):
        if not (need_problem or need_next):
            break
        if ym not in existing:
            continue
        month = [r for r in load_month(data, plan, ym) if r.date <= as_of]
        seen.extend(month)
        need_problem -= {r.task for r in month if r.problem.strip()}
        need_next -= {r.task for r in month if r.next.strip()}
    return model.latest_texts(seen, as_of)
