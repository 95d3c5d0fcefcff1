"""What the index answers, reading month files where it cannot alone: each task's latest record and
latest values as of any day, a report's records, a task's history, the records around one.

Reading "the current state" needs goals.toml and the index only; looking at a past day
reads the month files backwards from that day, no further than it has to.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from anmin_track import assess, model
from anmin_track.store.folder import DataDir
from anmin_track.store.index import Index, load_index, month_of
from anmin_track.store.records import load_month, load_records, month_files


def _months_back(start: date, stop: date) -> Iterator[tuple[int, int]]:
    """(year, month) from ``start``'s month back to ``stop``'s month, newest first."""
    y, m = start.year, start.month
    while (y, m) >= (stop.year, stop.month):
        yield y, m
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)


def _records_back(
    data: DataDir, plan: model.Plan, start: date, stop: date, instead: dict | None = None
) -> Iterator[list[model.Record]]:
    """The records of each month file from ``start``'s month back to ``stop``'s, newest month first.

    ``instead``: records to use for a month in place of its file (a month about to be rewritten).
    """
    existing = month_files(data)
    for ym in _months_back(start, stop):
        if instead and ym in instead:
            yield instead[ym]
        elif ym in existing:
            yield load_month(data, plan, ym)


def _records_forward(data: DataDir, plan: model.Plan, start: date) -> Iterator[list[model.Record]]:
    """The records of each month file from ``start``'s month on, oldest month first."""
    first = (start.year, start.month)
    for ym in sorted(month_files(data)):
        if ym >= first:
            yield load_month(data, plan, ym)


def latest_records(data: DataDir, plan: model.Plan, as_of: date, index: Index | None = None) -> dict[str, model.Record]:
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
        for records in _records_back(data, plan, as_of, min(task.start for task in later)):
            found = assess.latest_by_task((r for r in records if r.task in missing), as_of)
            result.update(found)
            missing -= found.keys()
            if not missing:
                break
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
    """A task's newest ``limit`` records dated up to ``as_of``, newest first (``newest_first``).

    Reads month files backwards and stops as soon as it has enough.
    """
    found: list[model.Record] = []
    for records in _records_back(data, plan, as_of, task.start):
        found.extend(newest_first([r for r in records if r.task == task.id and r.date <= as_of]))
        if len(found) >= limit:
            break
    return found[:limit]


def day_record(data: DataDir, plan: model.Plan, task: model.Task, day: date) -> model.Record | None:
    """The task's last record of ``day`` (the one recorded last, when there are several)."""
    mine = [r for r in load_month(data, plan, (day.year, day.month)) if r.task == task.id and r.date == day]
    return next(iter(newest_first(mine)), None)


def newest_first(month: list[model.Record]) -> list[model.Record]:
    """One month's records newest first: by (date, ``at``), and of two with the same, the one written later in
    the file (as ``Index.add`` and ``assess.latest_by_task`` take it), so every reader calls the same one latest."""
    return sorted(reversed(month), key=lambda r: r.sort_key, reverse=True)


def record_before(data: DataDir, plan: model.Plan, task: model.Task, record: model.Record) -> model.Record | None:
    """The task's newest record before ``record`` (on its day, those recorded before it)."""
    for records in _records_back(data, plan, record.date, task.start):
        mine = newest_first([r for r in records if r.task == task.id])
        after = mine.index(record) + 1 if record in mine else 0
        older = [r for r in mine[after:] if r.sort_key <= record.sort_key and r != record]
        if older:
            return older[0]
    return None


def record_after(data: DataDir, plan: model.Plan, task: model.Task, record: model.Record) -> model.Record | None:
    """The task's oldest record after ``record`` (the one whose progress follows it), if any."""
    for records in _records_forward(data, plan, record.date):
        mine = newest_first([r for r in records if r.task == task.id])
        before = mine.index(record) if record in mine else len(mine)
        newer = [r for r in mine[:before] if r.sort_key >= record.sort_key and r != record]
        if newer:
            return newer[-1]
    return None


def _complete(task: model.Task, values: model.LatestValues) -> bool:
    """Nothing older can change these values: each field has its latest value."""
    return bool(values.problem and values.next) and all(m.name in values.metrics for m in task.metrics)


def latest_values(
    data: DataDir, plan: model.Plan, as_of: date, index: Index | None = None, tasks: list[model.Task] | None = None
) -> dict[str, model.LatestValues]:
    """Each task's latest 存在问题, 下步计划 and metric values dated on or before ``as_of``.

    The index answers for every task whose newest record is not after ``as_of`` (so the
    state "now" reads no month file). For the others, month files are read backwards from
    ``as_of`` until each has all its values (never before the earliest of their starts).
    """
    index = load_index(data, plan) if index is None else index
    result: dict[str, model.LatestValues] = {}
    later: dict[str, model.Task] = {}
    for task in plan.tasks if tasks is None else tasks:
        latest = index.latest.get(task.id)
        if latest is not None and latest.date <= as_of:
            result[task.id] = index.values.get(task.id, model.NO_VALUES)
        elif latest is not None:
            later[task.id] = task
    if later:
        for records in _records_back(data, plan, as_of, min(t.start for t in later.values())):
            for r in records:
                if r.task in later and r.date <= as_of:
                    result[r.task] = result.get(r.task, model.NO_VALUES).with_record(r)
            later = {tid: t for tid, t in later.items() if not _complete(t, result.get(tid, model.NO_VALUES))}
            if not later:
                break
    return result


def without_record(
    index: Index, data: DataDir, plan: model.Plan, gone: model.Record, month: list[model.Record]
) -> None:
    """Take ``gone`` out of ``index``; ``month`` is its month's records as they are about to be written.

    Whatever ``gone`` held (the task's latest or earlier record, a latest value) is found
    again among the task's other records, reading months backwards from ``gone``'s own
    only as far as needed. The records after it need no reading: what ``gone`` held, no
    later record could hold.
    """
    tid = gone.task
    task = plan.task(tid)
    digest = index.digest.get(tid)
    if digest is not None:
        digest.records -= 1
        if digest.records <= 0:
            del index.digest[tid]
    values = index.values.get(tid, model.NO_VALUES)
    lost_latest = index.latest.get(tid) == gone
    lost_earlier = index.earlier.get(tid) == gone
    lost_metrics = {name for name, r in values.metrics.items() if r == gone}
    kept = model.LatestValues(
        problem=None if values.problem == gone else values.problem,
        next=None if values.next == gone else values.next,
        metrics={name: r for name, r in values.metrics.items() if name not in lost_metrics},
    )
    if not (lost_latest or lost_earlier or kept != values) or task is None:
        return
    months_needed = 2 if lost_latest else 1 if lost_earlier else 0  # the new latest, then the new earlier
    before: list[model.Record] = []
    for records in _records_back(data, plan, gone.date, task.start, {month_of(gone): month}):
        mine = [r for r in records if r.task == tid and r != gone]
        months_needed -= bool(mine)
        before += mine
        for r in mine:
            kept = kept.with_record(r)
        found_values = all(getattr(kept, name) for name in ("problem", "next") if getattr(values, name) == gone)
        if months_needed <= 0 and found_values and lost_metrics <= kept.metrics.keys():
            break
    index.values[tid] = kept
    if lost_latest:
        newest = max(before, key=lambda r: r.sort_key, default=None)
        _set(index.latest, tid, newest)
    if lost_latest or lost_earlier:
        latest = index.latest.get(tid)
        older = [r for r in before if latest is not None and month_of(r) < month_of(latest)]
        _set(index.earlier, tid, max(older, key=lambda r: r.sort_key, default=None))


def _set(records: dict[str, model.Record], tid: str, record: model.Record | None) -> None:
    if record is None:
        records.pop(tid, None)
    else:
        records[tid] = record
