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
from anmin_track.errors import DataError
from anmin_track.store.folder import INDEX_FILE, DataDir
from anmin_track.store.records import load_month, load_records, month_files, record_to_toml, records_from_toml
from anmin_track.store.tomlcheck import dump_toml, read_text


@dataclass
class Index:
    files: dict[str, list[int]]  # month → [size, mtime_ns] of the file it was built from
    latest: dict[str, model.Record]


def month_key(ym: tuple[int, int]) -> str:
    return f"{ym[0]:04d}-{ym[1]:02d}"


def file_stamps(data: DataDir) -> dict[str, list[int]]:
    """Size and modification time of every month file: a hand edit changes at least the time."""
    stamps = {}
    for ym, path in month_files(data).items():
        info = path.stat()
        stamps[month_key(ym)] = [info.st_size, info.st_mtime_ns]
    return stamps


def write_stamp() -> int:
    """A modification time for files this program writes, recorded in the index.

    Whole even seconds, so that file systems with coarse clocks (FAT keeps 2 s) store
    it exactly; any later edit by another program gets a different time.
    """
    return time.time_ns() // 2_000_000_000 * 2_000_000_000


def load_index(data: DataDir, plan: model.Plan) -> Index:
    """The latest record of each task; rebuilt from the month files when out of date."""
    stamps = file_stamps(data)
    return saved_index(data, stamps) or rebuild_index(data, plan, stamps)


def saved_index(data: DataDir, stamps: dict[str, list[int]]) -> Index | None:
    """The index file, if it is readable and was built from the month files as they are."""
    if not data.index_file.exists():
        return None
    with contextlib.suppress(DataError):
        text = read_text(data.index_file, INDEX_FILE)
        records, problems, doc = records_from_toml(text, INDEX_FILE, None, None, index=True)
        if not problems and doc.get("files") == stamps:
            return Index(files=stamps, latest={r.task: r for r in records})
    return None


def rebuild_index(data: DataDir, plan: model.Plan, stamps: dict[str, list[int]] | None = None) -> Index:
    stamps = file_stamps(data) if stamps is None else stamps
    records = load_records(data, plan, sorted(month_files(data)))
    return Index(files=stamps, latest=model.latest_by_task(records))


def dump_index(index: Index) -> bytes:
    ordered = sorted(index.latest.values(), key=lambda r: r.task)
    return dump_toml(
        {
            "schema": model.SCHEMA,
            "files": dict(sorted(index.files.items())),
            "records": [record_to_toml(r) for r in ordered],
        }
    )


def _months_back(start: date, stop: date) -> Iterator[tuple[int, int]]:
    """(year, month) from ``start``'s month back to ``stop``'s month, newest first."""
    y, m = start.year, start.month
    while (y, m) >= (stop.year, stop.month):
        yield y, m
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)


def latest_records(data: DataDir, plan: model.Plan, as_of: date) -> dict[str, model.Record]:
    """Each task's newest record dated on or before ``as_of``.

    The index answers at once for tasks whose newest record is not after ``as_of``;
    for the others, month files are read backwards from ``as_of`` until each is found
    (never before the task's start, since no record may predate it).
    """
    index = load_index(data, plan)
    result = {tid: r for tid, r in index.latest.items() if r.date <= as_of and plan.task(tid)}
    later = [task for tid, r in index.latest.items() if r.date > as_of and (task := plan.task(tid))]
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


def month_report_records(
    data: DataDir, plan: model.Plan, ym: tuple[int, int]
) -> tuple[list[model.Record], dict[str, model.Record]]:
    """What a monthly report needs: the month's records, and each task's latest record before it.

    Reads the month's own file plus, through ``latest_records``, only the earlier months
    needed to find each task's state at the end of the previous month.
    """
    first = date(*ym, 1)
    before = latest_records(data, plan, date.fromordinal(first.toordinal() - 1))
    return load_month(data, plan, ym), before


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
