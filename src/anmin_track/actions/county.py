"""`anmin county report`: every township of a county folder in one month, ranked (read-only).

Each township folder is read through ``store.county``: opened read-only, its row taken from the
county's cache while its files are unchanged, else read (its own index when fresh, else the
county's copy, else its month files) and kept in the cache. A township that cannot be read is
set aside with the file and line that stopped it; the others are ranked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from anmin_track import assess, model, rollup, store
from anmin_track.actions.notice_loop import open_notices_on
from anmin_track.errors import DataError, InputError
from anmin_track.store import county as county_store
from anmin_track.tuples import NamedTuple


class CountyReport(NamedTuple):
    period: model.Period
    settings: rollup.CountySettings
    ranked: list[rollup.Ranked]
    skipped: list[rollup.Skipped]
    #: Why the county's cache could not be written ("" when it could).
    cache_failure: str = ""


#: Called with (townships read so far, all of them) while the townships are read.
Progress = Callable[[int, int], None]


def county_report(root: Path, ym: tuple[int, int], progress: Progress | None = None) -> CountyReport:
    """The county's month: each township taken from the cache, or read (in parallel when many are), then ranked."""
    settings = county_store.load_settings(root)
    townships = [t for t in county_store.find_townships(root) if t.folder not in settings.excluded]
    if not townships:
        inside = (
            "它本身是一个乡镇的数据目录，请指定存放各乡镇数据目录的上一级文件夹"
            if county_store.data_folder_in(root)
            else "请检查县级汇总文件夹的位置"
        )
        raise InputError(f"{root} 中没有乡镇的数据目录（含 goals.toml 或 data/goals.toml 的子文件夹），{inside}。")
    cache = county_store.CountyCache(root)
    period = model.month_period(*ym)
    found = {t.folder: kept for t in townships if (kept := cached_month(t, period, cache)) is not None}
    todo = [t for t in townships if t.folder not in found]
    tick = _ticker(progress, len(townships), len(found))
    failure = cache.failure
    for township, (fresh, failed) in zip(todo, _read_all(root, todo, period), strict=True):
        found[township.folder] = fresh
        failure = failure or failed
        tick()
    rows = [f for f in found.values() if isinstance(f, rollup.TownshipRow)]
    skipped = [f for f in (found[t.folder] for t in townships) if isinstance(f, rollup.Skipped)]
    return CountyReport(period, settings, rollup.rank(rows, settings), skipped, failure)


Found = rollup.TownshipRow | rollup.Skipped
#: Townships to read before they are read by several processes (starting them costs about 0.1 s).
PARALLEL_FROM = 8


def _ticker(progress: Progress | None, total: int, done: int) -> Callable[[], None]:
    count = [done]
    if progress is not None and done:
        progress(done, total)

    def tick() -> None:
        count[0] += 1
        if progress is not None:
            progress(count[0], total)

    return tick


def _read_all(root: Path, todo: list[county_store.Township], period: model.Period) -> Iterator[tuple[Found, str]]:
    """Each township of ``todo`` read (its row, and why the cache could not be written), in order: by
    as many processes as there are cores (at most 4) when there are many, reading being parsing.

    Only where processes can be forked (not on Windows, where a new process would start the whole
    program again): there they are read one after another."""
    import multiprocessing
    import os

    jobs = [(root, township, period) for township in todo]
    workers = min(os.cpu_count() or 1, 4)
    if len(todo) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(_read_one, jobs)
        return
    with multiprocessing.get_context("fork").Pool(workers, initializer=_quiet_worker) as pool:
        yield from pool.imap(_read_one, jobs, chunksize=2)  # leaving the block (Ctrl-C too) ends the readers


def _read_one(job: tuple[Path, county_store.Township, model.Period]) -> tuple[Found, str]:
    root, township, period = job
    cache = county_store.CountyCache(root)
    return fresh_month(township, period, cache), cache.failure


def _quiet_worker() -> None:
    """Ctrl-C stops the command, which stops its readers: they say nothing themselves."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def cached_month(
    township: county_store.Township, period: model.Period, cache: county_store.CountyCache
) -> Found | None:
    """The township's row for ``period`` from the cache, when its files are as they were (None: read it)."""
    try:
        stamps = county_store.folder_stamps(township.data)
    except DataError:
        return None
    kept = cache.rows(township, stamps).get(period.key)
    if not isinstance(kept, dict):
        return None
    try:
        found = rollup.skipped_from_dict(kept) if "error" in kept else rollup.row_from_dict(kept)
    except (KeyError, TypeError, ValueError):  # a row of another shape: read it anew
        return None
    cache.restamp(township)
    return found


def fresh_month(township: county_store.Township, period: model.Period, cache: county_store.CountyCache) -> Found:
    """The township's row for ``period`` read from its folder, and kept in the cache."""
    try:
        stamps = county_store.folder_stamps(township.data)
    except DataError as exc:
        return _skipped(township, exc)
    cache.rows(township, stamps)  # the rows of other months, kept beside this one
    try:
        row = read_township(township, period, cache)
    except DataError as exc:
        skipped = _skipped(township, exc)
        cache.save_row(township, stamps, period.key, rollup.skipped_to_dict(skipped))
        return skipped
    cache.save_row(township, stamps, period.key, rollup.to_dict(row))
    return row


def read_township(
    township: county_store.Township, period: model.Period, cache: county_store.CountyCache
) -> rollup.TownshipRow:
    """Read one township's month from its folder (read-only); DataError when it cannot be."""
    data = township.data
    years = store.plan_years(data)
    if period.year not in years:
        store.load_plan(data)  # a plan that cannot be read says so, with its line
        have = "、".join(f"{y}年" for y in sorted(years)) or "无"
        missing = store.Problem(data.label(data.plan_file), None, f"没有{period.year}年的计划（现有：{have}）")
        raise DataError(f"{missing}。", [missing])
    view = years[period.year]
    plan = store.load_plan(view)
    index = cache.township_index(township, view, plan)
    end = period.end
    statuses = assess.plan_status(plan, store.latest_records(view, plan, end, index), end)
    before = store.latest_records(view, plan, period.previous_end, index)
    at_start = [assess.task_status(t, before.get(t.id), period.previous_end, plan.settings) for t in plan.tasks]
    records = store.load_month(view, plan, (end.year, end.month))
    items = open_notices_on(data, end)
    notices = (len(items), sum(n.status == model.NOTICE_OVERDUE for n in items))
    until = data_until(township, view, index, cache)
    return rollup.township_row(township.folder, plan, period, statuses, at_start, records, notices, until)


def data_until(
    township: county_store.Township, view: store.DataDir, index, cache: county_store.CountyCache
) -> date | None:
    """数据截至: the date of the township's latest record, whichever plan it belongs to."""
    months = store.month_files(view.whole)
    if months:
        newest = store.view_owning(view.whole, max(months)[0])
        if newest != view:
            index = cache.township_index(township, newest, store.load_plan(newest))
    return max((r.date for r in index.latest.values()), default=None)


def _skipped(township: county_store.Township, exc: DataError) -> rollup.Skipped:
    first = exc.problems[0] if exc.problems else store.Problem(township.folder, None, str(exc))
    return rollup.Skipped(township.folder, township.where(first), first.line, first.message)
