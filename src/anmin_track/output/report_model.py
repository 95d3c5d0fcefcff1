"""A report's data: each goal and task of the plan over one period (``PeriodReport``), built by
``build_report`` from the plan and the records. Pure: it reads no file and no clock (the signing date is
passed in), so a past period's report never changes when later months are recorded."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from anmin_track import assess, model

#: What a document prints where the data has nothing and the office has to write it: one placeholder everywhere.
PLACEHOLDER = "【待填写】"
# --------------------------------------------------------------------------- the structure


@dataclass(frozen=True)
class MetricValue:
    name: str
    unit: str
    value: float
    baseline: float | None
    baseline_text: str = ""  # the seed's wording of the baseline (``培养红色讲解员20余名``)
    basis: str = model.CUMULATIVE  # 口径: 累计 or 当期
    target: float | None = None  # the year's target


@dataclass(frozen=True)
class RecordLine:
    """One progress record dated in the report's period."""

    date: date
    progress: int | None  # None: a 常态 duty's record
    note: str
    problem: str
    next: str
    by: str
    metrics: tuple[MetricValue, ...]


@dataclass(frozen=True)
class TaskLine:
    id: str
    title: str
    progress: float
    previous: float  # at the end of the previous period
    expected: float
    light: str
    stale: bool
    overdue: bool
    closed: bool  # 已销号 (done and closed after review)
    missed: model.Milestone | None  # the elapsed 时间节点 whose percent is not reached
    last_update: date | None
    problem: str  # the latest non-empty 存在问题 up to the period's end ("" when none or cleared)
    problem_date: date | None
    next_plan: str  # the latest non-empty 下步计划 up to the period's end
    next_date: date | None
    entries: tuple[RecordLine, ...]
    lead: str = ""  # 牵头领导
    unit: str = ""  # 责任单位
    owner: str = ""  # 责任人
    started: bool = True  # the task had started by the period's end
    done_before: bool = False  # already done at the end of the previous period
    carried: bool = False  # 结转 from last year's plan: "never reported" means not this year
    kind: str = model.PROJECT  # 任务类型
    lags: tuple[model.MetricLag, ...] = ()  # a 常态 duty's targeted metrics against pro rata
    next_step: str = ""  # the 下步计划 for the next period (``next_step``): "" when there is none still true

    @property
    def named_next_step(self) -> str:
        return self.next_step or PLACEHOLDER

    @property
    def missing(self) -> bool:
        """未按时报送: started by the period's end, not done at its start, no record dated in it."""
        return self.started and not self.done_before and not self.entries

    @property
    def never_reported(self) -> bool:
        return self.last_update is None

    @property
    def behind(self) -> float:
        return self.expected - self.progress


@dataclass(frozen=True)
class GoalLine:
    id: str
    title: str
    progress: float
    previous: float
    expected: float
    light: str
    tasks: tuple[TaskLine, ...]
    lead: str = ""  # the seed's opening sentence of the direction, when it is not one of the tasks


@dataclass(frozen=True)
class PeriodReport:
    org: str
    issuer: str
    plan_title: str
    plan_year: int
    period: model.Period
    stale_days: int
    progress: float
    previous: float
    expected: float
    counts: Mapping[str, int]
    goals: tuple[GoalLine, ...]
    problems: tuple[str, ...]  # ids of yellow/red/stale tasks, worst first
    cited: str  # the plan document's name as cited, without 《》 (``model.Plan.cited``)
    signed: date | None = None  # 成文日期 (default: the period's last day)
    aim: str = ""  # the plan's aim ([plan] aim)
    frame: model.ReportSettings = model.ReportSettings()  # [report]: 主送, 字号, 签发人, 版记…
    thresholds: tuple[float, float] = (10, 30)  # yellow_behind, red_behind: where a printed gap needs a decimal

    @property
    def upward(self) -> bool:
        """Sent upward as a 报告 with 字号 and 主送: a progress report always, a 总结 when ``summary_as`` says so."""
        return self.period.kind in (model.MONTHLY, model.QUARTERLY) or self.frame.summary_as == "报告"

    @property
    def addressee(self) -> str:
        return self.frame.addressee if self.upward else ""

    @property
    def doc_number(self) -> str:
        """The 发文字号 pattern of [report] (none for a 总结 sent as 材料)."""
        return self.frame.doc_number if self.upward else ""

    @property
    def year(self) -> int:
        return self.period.year

    @property
    def period_end(self) -> date:
        return self.period.end

    @property
    def in_plan_year(self) -> bool:
        return self.year == self.plan_year

    @property
    def tasks(self) -> list[TaskLine]:
        return [t for g in self.goals for t in g.tasks]

    @property
    def entry_count(self) -> int:
        return sum(len(t.entries) for t in self.tasks)

    @property
    def reported_count(self) -> int:
        return sum(1 for t in self.tasks if t.entries)

    @property
    def title_words(self) -> tuple[str, ...]:
        """The title in the words a line break may not split (GB/T 9704 §7.3.1: 词意完整)."""
        if self.period.kind in (model.MONTHLY, model.QUARTERLY):
            return (self.org, "关于", self.period.label, "重点工作", "推进情况", "的报告")
        if self.upward:
            return (self.org, "关于", self.period.label, "工作情况", "的报告")
        if self.period.kind == model.ANNUAL:
            return (self.org, f"{self.year}年", "工作总结", "和", f"{self.year + 1}年", "工作思路要点")
        return (self.org, self.period.label, "工作总结")

    @property
    def title(self) -> str:
        return "".join(self.title_words)

    @property
    def signing_date(self) -> date:
        return self.signed or self.period_end

    @property
    def missing(self) -> list[TaskLine]:
        return [t for t in self.tasks if t.missing]

    def task(self, task_id: str) -> TaskLine:
        return next(t for t in self.tasks if t.id == task_id)

    @property
    def next_start(self) -> date:
        """The first day of the next period, which the next-period plan is about."""
        return self.period_end + timedelta(days=1)


# --------------------------------------------------------------------------- building


def build_report(
    plan: model.Plan,
    period_records: Iterable[model.Record],
    before: Mapping[str, model.Record],
    period: model.Period,
    texts: Mapping[str, model.LatestValues] | None = None,
    *,
    signed: date | None = None,
) -> PeriodReport:
    """The report for ``period``.

    ``period_records``: records dated in the period (others are ignored);
    ``before``: each task's latest record dated before the period;
    ``texts``: each task's latest non-empty 存在问题/下步计划 up to the period's end
    (``store.latest_values``); without it, only ``before`` and the period are looked at.
    """
    end, prev_end = period.end, period.previous_end
    mine = sorted(
        (r for r in period_records if period.start <= r.date <= end and plan.task(r.task)), key=lambda r: r.sort_key
    )
    before = {tid: r for tid, r in before.items() if r.date <= prev_end}
    latest = assess.latest_by_task([*before.values(), *mine], end)
    if texts is None:
        texts = assess.latest_values([*before.values(), *mine], end)
    now = assess.plan_status(plan, latest, end, texts)
    then = {gs.goal.id: gs for gs in assess.plan_status(plan, before, prev_end)}
    goals = tuple(_goal_line(gs, then[gs.goal.id], mine, texts, period) for gs in now)
    tasks = [t for g in goals for t in g.tasks]
    weights = {t.id: t.weight for t in plan.tasks}
    measured = [t for t in tasks if t.kind != model.DUTY]  # 常态 duties have no percentage to average
    return PeriodReport(
        org=plan.org,
        issuer=plan.issuer or plan.org,
        plan_title=plan.title,
        plan_year=plan.year,
        period=period,
        stale_days=plan.settings.stale_days,
        progress=assess.weighted_mean((t.progress, weights[t.id]) for t in measured),
        previous=assess.weighted_mean((t.previous, weights[t.id]) for t in measured),
        expected=assess.weighted_mean((t.expected, weights[t.id]) for t in measured),
        counts={key: sum(gs.counts[key] for gs in now) for key in (*model.LIGHTS, "stale", "closed")},
        goals=goals,
        problems=tuple(t.id for t in sorted(_problem_tasks(tasks), key=_severity)),
        signed=signed,
        aim=plan.aim,
        cited=plan.cited,
        frame=plan.report,
        thresholds=(plan.settings.yellow_behind, plan.settings.red_behind),
    )


def _goal_line(
    gs: model.GoalStatus,
    then: model.GoalStatus,
    mine: list[model.Record],
    texts: Mapping[str, model.LatestValues],
    period: model.Period,
) -> GoalLine:
    previous = {ts.task.id: ts for ts in then.tasks}
    tasks = tuple(
        _task_line(ts, previous[ts.task.id], [r for r in mine if r.task == ts.task.id], texts.get(ts.task.id), period)
        for ts in gs.tasks
    )
    return GoalLine(
        id=gs.goal.id,
        title=gs.goal.title,
        progress=gs.progress,
        previous=then.progress,
        expected=gs.expected,
        light=gs.light,
        tasks=tasks,
        lead=direction_lead(gs.goal),
    )


def direction_lead(goal: model.Goal) -> str:
    """The seed's opening sentence of a direction (goal ``source``) when it is not itself a task's source:
    goal 1's `突出红色文化核心内涵与绿色生态发展底色，推动资源价值转化`."""
    first = re.split(r"(?<=[。；;])", goal.source.strip(), maxsplit=1)[0].rstrip("。；;")
    if any(t.source.strip() and (t.source.strip().rstrip("。") in first or first in t.source) for t in goal.tasks):
        return ""
    return first


def _task_line(
    ts: model.TaskStatus,
    then: model.TaskStatus,
    mine: list[model.Record],
    texts: model.LatestValues | None,
    period: model.Period,
) -> TaskLine:
    latest = ts.latest
    texts = texts or model.NO_VALUES
    problem, plan = texts.open_problem, texts.next
    return TaskLine(
        id=ts.task.id,
        title=ts.task.title,
        progress=ts.progress,
        previous=then.progress,
        expected=ts.expected,
        light=ts.light,
        stale=ts.stale,
        overdue=ts.overdue,
        closed=ts.closed,
        missed=ts.missed,
        last_update=latest.date if latest else None,
        problem=problem.problem if problem else "",
        problem_date=problem.date if problem else None,
        next_plan=plan.next if plan else "",
        next_date=plan.date if plan else None,
        entries=tuple(_record_line(ts.task, r) for r in mine),
        lead=ts.task.lead,
        unit=ts.task.unit,
        owner=ts.task.owner,
        started=ts.task.start <= period.end,
        done_before=then.light == model.DONE,
        carried=bool(ts.task.carried_from),
        kind=ts.task.kind,
        lags=ts.lags,
        next_step=next_step(mine, period.end + timedelta(days=1)) if ts.light != model.DONE else "",
    )


_MONTH = re.compile(r"(\d{1,2})月")


def next_step(mine: list[model.Record], next_start: date) -> str:
    """The 下步计划 still true for the period starting ``next_start``: that of the task's last record in the period
    reported (a later record supersedes an earlier one's plan, even when it says none), unless it names by its own
    words a month before the next period (`5月完成选址` in a plan for June). ``mine``: the period's records, in order."""
    if not mine or not mine[-1].next.strip():
        return ""
    last = mine[-1]
    for m in _MONTH.finditer(last.next):
        month = int(m.group(1))
        if not 1 <= month <= 12:
            continue
        # a month up to half a year ahead is this one or next year's (`1月` in December); further, one gone by
        ahead = (month - last.date.month) % 12
        year = (
            last.date.year + (last.date.month + ahead > 12)
            if ahead <= 6
            else last.date.year - (month > last.date.month)
        )
        if (year, month) < (next_start.year, next_start.month):
            return ""
    return last.next


def _record_line(task: model.Task, r: model.Record) -> RecordLine:
    metrics = []
    for m in task.metrics:  # in the plan's order
        if m.name in r.metrics:
            value = r.metrics[m.name]
            metrics.append(MetricValue(m.name, m.unit, value, m.baseline, m.baseline_text, m.basis, m.target))
    return RecordLine(
        date=r.date, progress=r.progress, note=r.note, problem=r.problem, next=r.next, by=r.by, metrics=tuple(metrics)
    )


def _problem_tasks(tasks: list[TaskLine]) -> list[TaskLine]:
    return [t for t in tasks if t.light in (model.YELLOW, model.RED) or t.stale]


def _severity(t: TaskLine) -> tuple:
    """Worst first: red, yellow, then lights that are only stale; within, stale and further behind first."""
    return (model.SEVERITY[t.light], not t.stale, -round(t.behind, 6))
