"""Reading: the plan's state as of a day, a task's detail, a period's records, ``check``, who did not report."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from anmin_track import assess, model, parse, store
from anmin_track.actions.years import Year, _year, evaluation_day, plan_view
from anmin_track.errors import DataError, InputError
from anmin_track.tuples import NamedTuple

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- reading


class Overview(NamedTuple):
    """Every goal and task as of one day."""

    plan: model.Plan
    statuses: list[model.GoalStatus]
    as_of: date
    year: Year = Year()


def overview(
    data: store.DataDir,
    as_of: date | None,
    goal: str | None = None,
    year: int | None = None,
    today: date | None = None,
) -> Overview:
    """The plan's state as of ``as_of`` (None: see ``evaluation_day``); ``goal`` (as typed) must name a goal when given.

    The plan is ``year``'s, else the one ``as_of`` falls in, else the current one.
    """
    view = plan_view(data, year, as_of)
    plan = store.load_plan(view)
    if goal is not None and plan.goal(parse.normalize_id(goal)) is None:
        raise InputError(f"没有编号为 {goal!r} 的重点工作，可选：{'、'.join(g.id for g in plan.goals)}。")
    index = store.load_index(view, plan)
    today = today or date.today()
    day = evaluation_day(plan, as_of, today, view)
    statuses = assess.plan_status(plan, store.latest_records(view, plan, day, index), day)
    return Overview(plan, statuses, day, _year(view, plan, as_of, today, index))


class Ledger(NamedTuple):
    """Every task as of one day, with its latest 存在问题, 下步计划 and metric values (the export)."""

    plan: model.Plan
    statuses: list[model.GoalStatus]
    as_of: date
    values: dict[str, model.LatestValues]
    #: The records of the day's month (the ledger's sheet of this month's progress).
    month: list[model.Record]
    year: Year = Year()


def ledger_as_of(data: store.DataDir, as_of: date | None, year: int | None = None, today: date | None = None) -> Ledger:
    view = plan_view(data, year, as_of)
    plan = store.load_plan(view)
    index = store.load_index(view, plan)
    today = today or date.today()
    day = evaluation_day(plan, as_of, today, view)
    statuses = assess.plan_status(plan, store.latest_records(view, plan, day, index), day)
    month = store.load_month(view, plan, (day.year, day.month)) if view.owns_year(day.year) else []
    values = store.latest_values(view, plan, day, index)
    return Ledger(plan, statuses, day, values, month, _year(view, plan, as_of, today, index))


class Detail(NamedTuple):
    """One goal, or one task with its newest records and latest values, as of one day."""

    plan: model.Plan
    goal: model.GoalStatus | None
    task: model.TaskStatus | None
    history: list[model.Record]
    values: model.LatestValues = model.NO_VALUES
    as_of: date = date.min
    year: Year = Year()


def detail(
    data: store.DataDir,
    ref: str,
    as_of: date | None,
    limit: int,
    year: int | None = None,
    today: date | None = None,
) -> Detail:
    view = plan_view(data, year, as_of)
    plan = store.load_plan(view)
    found = parse.resolve_id(plan, ref)
    index = store.load_index(view, plan)
    today = today or date.today()
    day = evaluation_day(plan, as_of, today, view)
    latest = store.latest_records(view, plan, day, index)
    said = _year(view, plan, as_of, today, index)
    if isinstance(found, model.Goal):
        return Detail(plan, assess.goal_status(found, latest, day, plan.settings), None, [], as_of=day, year=said)
    history = store.task_history(view, plan, found, day, limit)
    values = store.latest_values(view, plan, day, index, [found]).get(found.id, model.NO_VALUES)
    status = assess.task_status(found, latest.get(found.id), day, plan.settings)
    return Detail(plan, None, status, history, values, day, said)


class PeriodData(NamedTuple):
    """What a report reads: the period's records and each task's latest record before it."""

    plan: model.Plan
    period: model.Period
    records: list[model.Record]
    before: dict[str, model.Record]
    #: Each task's latest non-empty 存在问题 / 下步计划 up to the period's end.
    texts: dict[str, model.LatestValues]


def period_data(data: store.DataDir, period: model.Period) -> PeriodData:
    """The period is reported against the plan its year's records belong to."""
    view = plan_view(data, day=period.end)
    plan = store.load_plan(view)
    records, before = store.report_records(view, plan, period)
    return PeriodData(plan, period, records, before, store.latest_values(view, plan, period.end))


def current_plan(data: store.DataDir) -> model.Plan:
    """The folder's current plan (goals.toml): what a command without a year or period works on."""
    return store.load_plan(plan_view(data))


class Checked(NamedTuple):
    plan: model.Plan | None
    records: int
    months: int
    problems: list[store.Problem]
    #: A fresh index was saved (the files were not as the saved one knew them).
    reindexed: bool
    #: What hand edits lost since the index was saved (shown once: the fresh index accepts it).
    lost: tuple[str, ...] = ()
    #: The years of the folder's plans (one, until a new year's plan begins).
    years: tuple[int, ...] = ()
    #: Month files had been edited by hand (not just copied, nor only the plan edited).
    edited: bool = False


def check(data: store.DataDir, today: date | None = None) -> Checked:
    """`anmin check`: every problem of every year's plan and records (none dated after ``today``); when there
    are none, save a fresh index of each plan whose index was stale."""
    plan, count, problems, fresh = store.check_all(data, today or date.today())
    lost = [] if data.bundled else [text for view in store.views(data) for text in store.losses(view, _readable(view))]
    edited = any(store.hand_edited(view) for view, _ in fresh)  # not a copy, not a plan edit alone
    reindexed = [store.save_index_if_stale(view, index) for view, index in fresh]
    years = tuple(sorted(store.plan_years(data)))
    return Checked(
        plan, count, len(store.month_files(data.whole)), problems, any(reindexed), tuple(lost), years, edited
    )


def _readable(view: store.DataDir) -> model.Plan | None:
    try:
        return store.load_plan(view)
    except DataError:
        return None


class Unreported(NamedTuple):
    """未按时报送 in one month: the tasks (as of the month's start) with no record dated in it."""

    plan: model.Plan
    tasks: list[model.TaskStatus]
    start: date
    end: date


def unreported(data: store.DataDir, ym: tuple[int, int]) -> Unreported:
    view = plan_view(data, day=date(ym[0], ym[1], 1))
    plan = store.load_plan(view)
    month = model.month_period(*ym)
    records, before = store.report_records(view, plan, month)
    at_start = [assess.task_status(t, before.get(t.id), month.previous_end, plan.settings) for t in plan.tasks]
    return Unreported(plan, assess.unreported(at_start, records, month.start, month.end), month.start, month.end)
