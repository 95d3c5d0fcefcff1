"""结转: a new year's plan begun from the current one (pure: no files, no clock).

Unfinished tasks that were not signed off are carried with their goal, kind, lead, unit, owner
and metrics (their 口径, target and rules too); each starts where it stood (``carried_progress``)
and keeps its id. A 常态 duty is carried every year unless signed off, with no ``carried_progress``. Due
dates, milestones and sign-offs stay behind (the office sets the new year's). Each metric's
last value becomes the new year's baseline. Goals with nothing carried are kept, for the
office to edit or remove.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from anmin_track import assess, model
from anmin_track.tuples import NamedTuple


class Turn(NamedTuple):
    """What beginning ``new`` from ``old`` does."""

    old: model.Plan
    new: model.Plan
    #: The old plan's tasks as they stood at its end (the day before the new year begins).
    statuses: tuple[model.TaskStatus, ...]
    #: Records of the old plan dated in the new year or later: they belong to the new plan
    #: once it exists (only with ``--move-records``, and only on carried tasks).
    moving: tuple[model.Record, ...]

    @property
    def carried(self) -> list[model.Task]:
        return [t for t in self.new.tasks if t.carried_from]

    @property
    def left(self) -> list[model.TaskStatus]:
        """The old plan's tasks not carried: done, or signed off."""
        carried = {t.carried_from for t in self.carried}
        return [ts for ts in self.statuses if f"{self.old.year}:{ts.task.id}" not in carried]

    @property
    def stranded(self) -> list[model.Record]:
        """Moving records with no task of theirs in the new plan: a record keeps its task id, so the new
        task of that id must be the very task carried over (not a new one that happens to share the id)."""
        source = f"{self.old.year}:"
        return [r for r in self.moving if (t := self.new.task(r.task)) is None or t.carried_from != source + r.task]


def year_end_before(year: int) -> date:
    """The last day the old plan is judged on: the day before ``year`` begins."""
    return date(year - 1, 12, 31)


def unfinished(ts: model.TaskStatus) -> bool:
    """Carried: a project or 创建 task below 100%, or any 常态 duty (an ongoing duty goes on), unless signed off."""
    return (ts.progress < 100 or not ts.measured) and ts.task.closed is None


def new_title(old: model.Plan, year: int) -> str:
    """2024年工作思路要点 → 2025年工作思路要点; a title without its year gets the new one in front."""
    mark = f"{old.year}年"
    return old.title.replace(mark, f"{year}年", 1) if mark in old.title else f"{year}年{old.title}"


def carried_metric(metric: model.Metric, last: model.Record | None, year: int) -> model.Metric:
    """The metric with its value at the old year's end as the new baseline (unchanged when none was recorded)."""
    if last is None:
        return metric
    value = last.metrics[metric.name]
    figure = f"{value:g}"
    return metric._replace(baseline=value, baseline_text=f"{year - 1}年底为{figure}{metric.unit}")


def carried_task(old: model.Plan, ts: model.TaskStatus, values: model.LatestValues, year: int) -> model.Task:
    task = ts.task
    return task._replace(
        start=date(year, 1, 1),
        due=date(year, 12, 31),
        milestones=(),
        closed=None,
        closed_note="",
        closed_by="",
        metrics=tuple(carried_metric(m, values.metrics.get(m.name), year) for m in task.metrics),
        carried_from=f"{old.year}:{task.id}",
        carried_progress=int(ts.progress) if task.measured else 0,  # a 常态 duty has no percentage to carry
    )


def begin_year(
    old: model.Plan,
    year: int,
    latest: Mapping[str, model.Record],
    values: Mapping[str, model.LatestValues],
    moving: tuple[model.Record, ...] = (),
    empty: bool = False,
    draft: model.Plan | None = None,
) -> Turn:
    """The plan of ``year`` begun from ``old``: ``latest`` and ``values`` are the old plan's as of its end.

    ``empty``: the same goals with no tasks at all (the office writes the year's tasks itself).
    ``draft``: the year's own plan (``plan import``): the unfinished tasks come after its goals,
    under one goal of their own (``carried_goal``), renumbered there; nothing carried with ``empty``.
    """
    end = year_end_before(year)
    statuses = tuple(assess.task_status(t, latest.get(t.id), end, old.settings) for t in old.tasks)
    carried = (
        []
        if empty
        else [carried_task(old, ts, values.get(ts.task.id, model.NO_VALUES), year) for ts in statuses if unfinished(ts)]
    )
    if draft is not None:
        goals = draft.goals + ((carried_goal(draft, old, carried),) if carried else ())
        new = draft._replace(year=year, goals=goals, previous=old.year)
        return Turn(old, new, statuses, moving)
    by_goal: dict[str, list[model.Task]] = {g.id: [] for g in old.goals}
    for task in carried:
        by_goal[task.goal_id].append(task)
    new = old._replace(
        year=year,
        title=new_title(old, year),
        source="",
        document="",  # the new year's document is another one; its holidays are other days
        settings=old.settings._replace(holidays=()),
        goals=tuple(g._replace(tasks=tuple(by_goal[g.id])) for g in old.goals),
        previous=old.year,
    )
    return Turn(old, new, statuses, moving)


def carried_goal(draft: model.Plan, old: model.Plan, carried: list[model.Task]) -> model.Goal:
    """上年结转任务: the unfinished tasks of ``old`` as one goal after the draft's own, numbered in it."""
    gid = str(max((int(g.id) for g in draft.goals if g.id.isdigit()), default=0) + 1)
    tasks = tuple(t._replace(id=f"{gid}.{n}", goal_id=gid) for n, t in enumerate(carried, start=1))
    return model.Goal(
        gid, f"{old.year}年结转任务", tasks, f"{old.year}年计划中截至年底尚未完成的任务，结转到本年度继续推进。"
    )


def empty_plan(template: model.Plan, year: int) -> model.Plan:
    """A plan of ``year`` with ``template``'s office, settings and goals, and no tasks (``anmin init --year``)."""
    return template._replace(
        year=year,
        title=new_title(template, year),
        source="",
        document="",
        settings=template.settings._replace(holidays=()),
        goals=tuple(g._replace(tasks=()) for g in template.goals),
        previous=None,
    )
