"""What follows from the plan and its records on a given day: 序时进度, lights, each task's, goal's
and plan's status, the latest record and values of each task, and deadlines due or missed.

Pure: no file access, no clock, no terminal. Everything that depends on "today" takes an
explicit ``as_of`` day so that the same data always gives the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from itertools import pairwise

from anmin_track.model import (
    CREATION,
    CUMULATIVE,
    DONE,
    DUTY,
    GREEN,
    NO_VALUES,
    RED,
    SEVERITY,
    YELLOW,
    Goal,
    GoalStatus,
    LatestValues,
    MetricLag,
    Milestone,
    Plan,
    Record,
    Settings,
    Task,
    TaskStatus,
)
from anmin_track.tuples import NamedTuple


def expected_progress(
    start: date, due: date, as_of: date, milestones: Iterable[Milestone] = (), base: float = 0
) -> float:
    """序时进度: the progress (0–100) expected by the end of ``as_of``.

    Piecewise-linear in elapsed whole days through (start, ``base``), each milestone, and
    (due, 100); without milestones that is the share of the start→due span elapsed.
    Both ends count as whole days, so the due day itself reaches 100. ``base`` is where a
    task carried over from last year starts (its progress then); 0 for any other.
    """
    if as_of < start:
        return float(base)
    if as_of >= due:
        return 100.0

    def elapsed(day: date) -> int:
        return (day - start).days + 1

    knots = [(0, float(base)), *((elapsed(m.date), float(m.percent)) for m in milestones), (elapsed(due), 100.0)]
    x = elapsed(as_of)
    for (x0, y0), (x1, y1) in pairwise(knots):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1
    return 100.0


def missed_milestone(milestones: Iterable[Milestone], progress: float, as_of: date) -> Milestone | None:
    """The latest milestone already past (its day is over) whose percent is not reached."""
    missed = [m for m in milestones if m.date < as_of and progress < m.percent]
    return max(missed, key=lambda m: m.date) if missed else None


def light_for(progress: float, expected: float, overdue: bool, settings: Settings, missed: bool = False) -> str:
    """亮灯: done at 100; red when overdue or far behind; yellow when lagging or a 时间节点 was missed; else green.

    A missed milestone is a formal failure in the ledger even when interpolation puts
    the task only a few points behind, so it never shows green.
    """
    if progress >= 100:
        return DONE
    behind = expected - progress
    if overdue or behind > settings.red_behind:
        return RED
    if behind >= settings.yellow_behind or missed:
        return YELLOW
    return GREEN


def is_stale(task: Task, latest: Record | None, as_of: date, settings: Settings) -> bool:
    """未更新: no record for more than ``stale_days`` (counted from the start if never reported)."""
    if task.measured and latest is not None and (latest.progress or 0) >= 100:
        return False
    since = latest.date if latest else task.start
    return as_of >= task.start and (as_of - since).days > settings.stale_days


def stage_expected(task: Task, as_of: date) -> float:
    """A 创建 task's 序时: the stage whose deadline (a milestone at its percent) is over, 100 after the due day.

    A step, not a line: a title is won stage by stage, and a stage is late only once its day is over.
    """
    if as_of > task.due:
        return 100.0
    return float(max((m.percent for m in task.milestones if m.date < as_of), default=0))


def year_share(task: Task, as_of: date) -> float:
    """The share (0–1) of the task's span gone by at the end of ``as_of``: pro rata for a year's target."""
    if as_of < task.start:
        return 0.0
    if as_of >= task.due:
        return 1.0
    return ((as_of - task.start).days + 1) / ((task.due - task.start).days + 1)


def metric_lags(task: Task, values: Mapping[str, float], as_of: date) -> tuple[MetricLag, ...]:
    """The task's 累计 metrics with a positive target, each against the target's pro-rata share."""
    share = year_share(task, as_of)
    return tuple(
        MetricLag(m, values.get(m.name), (m.target or 0) * share)
        for m in task.metrics
        if m.basis == CUMULATIVE and m.target is not None and m.target > 0
    )


#: After this day of the month a 常态 task with nothing reported in the month is 黄灯.
DUTY_REPORT_DAY = 20


def duty_light(task: Task, latest: Record | None, as_of: date, settings: Settings, lags: tuple[MetricLag, ...]) -> str:
    """A 常态 task's light: red when nothing is reported within ``stale_days`` or a targeted metric is more than
    ``red_behind`` points of its target behind pro rata; yellow when a metric is more than ``yellow_behind``
    behind, or nothing is reported in the month after its 20th; else green. 已完成 only once its year is over."""
    if as_of < task.start:
        return GREEN
    day = min(as_of, task.due)
    since = latest.date if latest else task.start
    behind = max((lag.behind for lag in lags), default=0.0)
    month_start = date(day.year, day.month, 1)
    quiet_month = (latest is None or latest.date < month_start) and task.start < month_start
    if (day - since).days > settings.stale_days or behind > settings.red_behind:
        light = RED
    elif behind > settings.yellow_behind or (day.day > DUTY_REPORT_DAY and quiet_month):
        light = YELLOW
    else:
        light = GREEN
    return DONE if light == GREEN and as_of >= task.due else light


def task_status(
    task: Task, latest: Record | None, as_of: date, settings: Settings, values: Mapping[str, float] | None = None
) -> TaskStatus:
    """A carried-over task without a record of its own yet stands where it was carried (``carried_progress``).

    ``values``: each metric's latest value (a 常态 task's light weighs its targeted metrics); without
    them, those of the latest record. A 常态 task has no progress: its ``progress`` and ``expected`` are 0.
    """
    if task.kind == DUTY:
        lags = metric_lags(task, values if values is not None else (latest.metrics if latest else {}), as_of)
        light = duty_light(task, latest, as_of, settings, lags)
        return TaskStatus(
            task=task,
            latest=latest,
            progress=0.0,
            expected=0.0,
            light=light,
            stale=is_stale(task, latest, as_of, settings),
            overdue=False,
            closed=light == DONE and task.closed is not None and task.closed <= as_of,
            lags=lags,
        )
    progress = float(latest.progress) if latest and latest.progress is not None else float(task.carried_progress)
    if task.kind == CREATION:
        expected = stage_expected(task, as_of)
    else:
        expected = expected_progress(task.start, task.due, as_of, task.milestones, task.carried_progress)
    overdue = as_of > task.due and progress < 100
    missed = missed_milestone(task.milestones, progress, as_of)
    light = light_for(progress, expected, overdue, settings, missed is not None)
    return TaskStatus(
        task=task,
        latest=latest,
        progress=progress,
        expected=expected,
        light=light,
        stale=is_stale(task, latest, as_of, settings),
        overdue=overdue,
        missed=missed,
        closed=light == DONE and task.closed is not None and task.closed <= as_of,
    )


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float:
    pairs = list(pairs)
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total else 0.0


def metric_values(values: LatestValues) -> dict[str, float]:
    """Each metric's latest value, from a task's :class:`LatestValues`."""
    return {name: r.metrics[name] for name, r in values.metrics.items()}


def goal_status(
    goal: Goal,
    latest: Mapping[str, Record],
    as_of: date,
    settings: Settings,
    values: Mapping[str, LatestValues] | None = None,
) -> GoalStatus:
    """A goal's progress is the weighted mean of its measured tasks' latest progress (常态 tasks have none).

    Its light is that of the mean, made worse by any 常态 task's worse light; 已完成 when every task is.
    ``values``: each task's latest values (see ``task_status``).
    """
    tasks = tuple(task_status(t, latest.get(t.id), as_of, settings, _values_of(values, t)) for t in goal.tasks)
    measured = [ts for ts in tasks if ts.measured]
    progress = weighted_mean((ts.progress, ts.task.weight) for ts in measured)
    expected = weighted_mean((ts.expected, ts.task.weight) for ts in measured)
    if tasks and all(ts.light == DONE for ts in tasks):
        light = DONE
    else:
        overdue = any(ts.overdue for ts in tasks)
        missed = any(ts.missed for ts in tasks)
        lights = [light_for(progress, expected, overdue, settings, missed)] if measured else []
        lights += [ts.light for ts in tasks if not ts.measured and ts.light != DONE]
        light = min(lights, key=SEVERITY.__getitem__, default=GREEN)
        if light == DONE:  # the measured ones are done, a duty is not yet
            light = GREEN
    return GoalStatus(goal=goal, progress=progress, expected=expected, light=light, tasks=tasks)


def _values_of(values: Mapping[str, LatestValues] | None, task: Task) -> Mapping[str, float] | None:
    if values is None or task.measured:
        return None
    return metric_values(values.get(task.id, NO_VALUES))


def plan_status(
    plan: Plan, latest: Mapping[str, Record], as_of: date, values: Mapping[str, LatestValues] | None = None
) -> list[GoalStatus]:
    return [goal_status(g, latest, as_of, plan.settings, values) for g in plan.goals]


def latest_by_task(records: Iterable[Record], as_of: date | None = None) -> dict[str, Record]:
    """The newest record of each task, ignoring records dated after ``as_of``."""
    latest: dict[str, Record] = {}
    for r in records:
        if as_of is not None and r.date > as_of:
            continue
        current = latest.get(r.task)
        if current is None or r.sort_key >= current.sort_key:
            latest[r.task] = r
    return latest


def latest_values(records: Iterable[Record], as_of: date) -> dict[str, LatestValues]:
    """Each task's :class:`LatestValues` from ``records`` dated on or before ``as_of``."""
    out: dict[str, LatestValues] = {}
    for r in sorted((r for r in records if r.date <= as_of), key=lambda r: r.sort_key):
        out[r.task] = out.get(r.task, NO_VALUES).with_record(r)
    return out


# --------------------------------------------------------------------------- supervision (督办)


class DueItem(NamedTuple):
    """A deadline coming up or passed and not met: a task's 完成时限, or one of its 时间节点."""

    status: TaskStatus
    date: date
    #: None for the task's own 完成时限.
    milestone: Milestone | None
    #: Days from the view's day to the deadline: 0 is due today, negative is late.
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def percent(self) -> int:
        return self.milestone.percent if self.milestone else 100


def due_items(statuses: Iterable[TaskStatus], as_of: date, within: int) -> list[DueItem]:
    """Deadlines due within ``within`` days of ``as_of``, or already passed, whose percent is not reached.

    A task's 完成时限 needs 100%; a 时间节点 its own percent (a 创建 task's stage). Soonest
    (most overdue) first, plan order within a day. 常态 tasks have none.
    """
    items = []
    for ts in statuses:
        if not ts.measured:  # a 常态 duty has no deadline to meet, only reports to make
            continue
        deadlines = [(m.date, m) for m in ts.task.milestones] + [(ts.task.due, None)]
        for day, milestone in deadlines:
            days_left = (day - as_of).days
            needed = milestone.percent if milestone else 100
            if days_left <= within and ts.progress < needed:
                items.append(DueItem(ts, day, milestone, days_left))
    return sorted(items, key=lambda item: item.date)


def unreported(at_start: Iterable[TaskStatus], records: Iterable[Record], start: date, end: date) -> list[TaskStatus]:
    """未按时报送 in the period ``start``–``end`` (both included).

    A task is unreported when it had started by ``end``, was not done at ``start``
    (``at_start``: each task's status as of the day before ``start``) and has no record
    dated in the period. The statuses are returned as given, in their order.
    """
    reported = {r.task for r in records if start <= r.date <= end}
    return [ts for ts in at_start if ts.task.start <= end and ts.light != DONE and ts.task.id not in reported]
