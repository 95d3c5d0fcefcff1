"""The plan, its goals and key tasks, progress records, the periods reports cover, and the
statuses ``assess`` computes from them (what follows from the records is there).

Pure: no file access, no clock, no terminal.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from types import MappingProxyType

from anmin_track.tuples import NamedTuple

#: progress/YYYY-MM.toml: 2 allows a record without ``progress`` (常态 tasks); a month file is
#: written with the lowest schema its records need (``records.month_schema``), so older programs
#: keep reading months without such records; older files are still read.
SCHEMA = 2
#: goals.toml: 2 added ``[report]`` and goal ``source``, 3 the plan's ``aim``, 4 the year's turn
#: (``[plan] previous``, tasks carried over: ``carried_from``, ``carried_progress``), task ``kind`` and the
#: metric fields ``target``, ``basis``, ``whole``, ``max``; 5 the plan's ``document`` (the name it is cited by)
#: and ``[settings] holidays``; older plans are still read.
PLAN_SCHEMA = 5
#: What staff record as 存在问题 to say an earlier problem is solved; it is not carried forward.
PROBLEM_CLEARED = ("无", "已解决", "没有", "暂无")

DONE, GREEN, YELLOW, RED = "done", "green", "yellow", "red"
LIGHTS = (DONE, GREEN, YELLOW, RED)
LIGHT_LABELS = {DONE: "已完成", GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯"}
STALE_LABEL = "未更新"
#: 已销号: a display state on top of done (the light stays ``done``).
CLOSED_LABEL = "已销号"
#: Who a task with no 责任人 (or 责任单位) is shown as belonging to.
UNCLAIMED_LABEL = "待认领"
#: The states of a 督办单 on a day (``actions.notice_loop.notice_status``): the first three are open.
NOTICE_STATES = NOTICE_PENDING, NOTICE_HANDLING, NOTICE_OVERDUE, NOTICE_REPLIED, NOTICE_CLOSED, NOTICE_VOID = (
    "待签收",
    "办理中",
    "逾期未反馈",
    "已反馈",
    "已销号",
    "作废",
)
#: Worst first, for ordering problems in lists and reports.
SEVERITY = {RED: 0, YELLOW: 1, GREEN: 2, DONE: 3}


#: 任务类型: a project measured in percent with a 序时 line (the default); a title to win in stages;
#: an ongoing duty (常态工作) reported on without a completion percentage.
PROJECT, CREATION, DUTY = "项目", "创建", "常态"
KINDS = (PROJECT, CREATION, DUTY)
#: 创建 stages and the progress each stands for: the task's milestones at these percents are their deadlines.
STAGES = (("申报", 25), ("评审", 50), ("命名", 75), ("授牌", 100))
NOT_STARTED_STAGE = "未申报"
#: 指标口径: a running total for the year (the default), or the figure of the month recorded.
CUMULATIVE, PERIODIC = "累计", "当期"
BASES = (CUMULATIVE, PERIODIC)
#: Units that count people or things: their metrics take whole numbers unless the plan says ``whole = false``.
WHOLE_UNITS = frozenset(("名", "人", "个", "处", "件", "次", "场", "条", "户", "家", "所", "村"))


def stage_percent(name: str) -> int | None:
    return dict(STAGES).get(name)


def stage_name(progress: float) -> str:
    """The 创建 stage reached at ``progress`` (未申报 below the first)."""
    reached = [name for name, percent in STAGES if progress >= percent]
    return reached[-1] if reached else NOT_STARTED_STAGE


class Settings(NamedTuple):
    """Light thresholds: the one place their values live in code (defaults for goals.toml)."""

    yellow_behind: float = 10
    red_behind: float = 30
    stale_days: int = 35
    #: Terminals that draw “ ” — … two cells wide (the legacy Windows console with Chinese fonts).
    ambiguous_wide: bool = False
    #: 责任单位名单: when given, the ledger import refuses other unit names (typos like 乡农业办 for 乡农办).
    units: tuple[str, ...] = ()
    #: 节假日: days off besides Saturdays and Sundays, skipped when a 督办单's reply deadline is counted.
    holidays: tuple[date, ...] = ()


class Metric(NamedTuple):
    """A measurable indicator of a task (指标), with its baseline (last year's figure) and the year's target."""

    name: str
    unit: str = ""
    baseline: float | None = None
    baseline_text: str = ""
    #: 目标值: the figure the plan sets for the year (None: no target).
    target: float | None = None
    #: 口径: ``累计`` (running total for the year) or ``当期`` (the month's figure).
    basis: str = CUMULATIVE
    #: Whole numbers only; None: as the unit says (``WHOLE_UNITS``).
    whole: bool | None = None
    #: The highest value allowed; None: 100 for a percentage, else no limit.
    max: float | None = None

    @property
    def counts_whole(self) -> bool:
        return self.whole if self.whole is not None else self.unit in WHOLE_UNITS

    @property
    def ceiling(self) -> float | None:
        return self.max if self.max is not None else (100.0 if self.unit == "%" else None)

    def refusal(self, value: float) -> str:
        """Why ``value`` breaks this metric's rules ("" when it does not), naming the metric."""
        if self.counts_whole and not float(value).is_integer():
            return f"指标 {self.name} 以{self.unit or '个数'}计，应为整数，不能是 {value:g}"
        ceiling = self.ceiling
        if ceiling is not None and value > ceiling:
            why = (
                "（百分比不超过 100，如确可超过请在计划中为该指标设置 max）" if self.max is None else "（计划中的 max）"
            )
            return f"指标 {self.name} 的值 {value:g}{self.unit} 超过上限 {ceiling:g}{self.unit}{why}"
        return ""


class Milestone(NamedTuple):
    """时间节点: by the end of ``date`` the task should have reached ``percent``."""

    date: date
    percent: int


class Task(NamedTuple):
    """A key task (重点任务) under a goal: who leads it, when it runs, what it measures."""

    id: str
    goal_id: str
    title: str
    source: str = ""
    lead: str = ""
    unit: str = ""
    owner: str = ""
    partners: tuple[str, ...] = ()
    start: date = date(2024, 1, 1)
    due: date = date(2024, 12, 31)
    weight: float = 1
    metrics: tuple[Metric, ...] = ()
    milestones: tuple[Milestone, ...] = ()
    #: 销号: the day the finished task was signed off after review, by whom and why.
    closed: date | None = None
    closed_note: str = ""
    closed_by: str = ""
    #: 结转: the task of an earlier year's plan this one continues, as ``2024:1.3`` (year:id).
    carried_from: str = ""
    #: The progress it had reached when carried over: where it starts, before any record of its own
    #: (always 0 for a 常态 task, which has no completion percentage).
    carried_progress: int = 0
    #: 任务类型: 项目, 创建 or 常态 (``KINDS``).
    kind: str = PROJECT

    @property
    def measured(self) -> bool:
        """It has a completion percentage (项目, 创建); a 常态 duty has none."""
        return self.kind != DUTY

    def metric(self, name: str) -> Metric | None:
        return next((m for m in self.metrics if m.name == name), None)


class Goal(NamedTuple):
    """A key work direction (重点工作) and its tasks."""

    id: str
    title: str
    tasks: tuple[Task, ...] = ()
    #: The seed's lead sentence of this goal (依据原文).
    source: str = ""


class ReportSettings(NamedTuple):
    """``[report]`` in goals.toml: the 公文 frame of every document the office sends (GB/T 9704-2012)."""

    #: 主送机关, e.g. 县委、县政府 (the trailing ：is added); empty: no addressee line (warned).
    addressee: str = ""
    #: 发文字号 pattern with ``{year}`` and ``{n}``, e.g. 安民〔{year}〕{n}号; empty: none.
    doc_number: str = ""
    #: 督办单编号 pattern with ``{year}`` and ``{n}``; empty: 督办〔{year}〕{n}号 (``actions.NOTICE_NUMBER``).
    notice_number: str = ""
    #: 签发人: a report sent upward (上行文) names who signed it beside the 字号.
    signer: str = ""
    #: 抄送机关 of the 版记 (、 between them).
    cc: str = ""
    #: 印发机关 of the 版记 (e.g. 安民乡党政办公室); empty: no 印发 line.
    printer: str = ""
    #: 联系人 and 电话 (督办单 replies, and a report's 附注).
    contact: str = ""
    phone: str = ""
    #: Where 督办 replies go.
    reply_to: str = "乡党政办（督查室）"
    #: A 总结 (half year, year) sent with 字号 and 主送 as a 报告 (关于……工作情况的报告), or as 材料 (neither).
    summary_as: str = "材料"


#: ``[report] summary_as``: how a 总结 goes out.
SUMMARY_AS = ("报告", "材料")


class _PlanFields(NamedTuple):
    org: str
    year: int
    title: str
    issuer: str = ""
    source: str = ""
    #: The plan's overall aim as the seed words it (打造好“红绿金”融合发展的山区乡镇样板地).
    aim: str = ""
    settings: Settings = Settings()
    goals: tuple[Goal, ...] = ()
    report: ReportSettings = ReportSettings()
    #: The year of the plan this one follows (kept as plans/YYYY.toml), when it was begun from it.
    previous: int | None = None
    #: The name the plan document is cited by in reports (《安民乡2023年工作总结和2024年工作思路要点》);
    #: empty: the org and title (安民乡2024年工作思路要点).
    document: str = ""


class Plan(_PlanFields):
    """The year's plan: goals, their tasks, and the light settings.

    A NamedTuple (``_replace`` makes a changed copy) with room for what is derived from it once
    (``_tasks_by_id``); not a dataclass, whose import costs every command several milliseconds.
    """

    @property
    def tasks(self) -> list[Task]:
        return [t for g in self.goals for t in g.tasks]

    @property
    def cited(self) -> str:
        """The plan document's name as reports cite it, without the 《》 (also when ``document`` was written with them)."""
        name = self.document.strip()
        if name.startswith("《") and name.endswith("》"):
            name = name[1:-1].strip()
        return name or self.org + self.title

    def goal(self, goal_id: str) -> Goal | None:
        return next((g for g in self.goals if g.id == goal_id), None)

    def goal_of(self, task: Task) -> Goal:
        """The goal a task belongs to (a valid plan always has it)."""
        goal = self.goal(task.goal_id)
        if goal is None:
            raise KeyError(task.goal_id)
        return goal

    def task(self, task_id: str) -> Task | None:
        return self._tasks_by_id.get(task_id)

    @functools.cached_property
    def _tasks_by_id(self) -> dict[str, Task]:
        """Validating a month file asks for a task once per record."""
        by_id: dict[str, Task] = {}
        for t in self.tasks:
            by_id.setdefault(t.id, t)
        return by_id


class Record(NamedTuple):
    """One progress report (进展记录) on one task, as of ``date``."""

    task: str
    date: date
    #: None: a record of a 常态 task, which reports what was done, not a percentage.
    progress: int | None
    by: str
    at: datetime
    note: str = ""
    problem: str = ""
    next: str = ""
    metrics: Mapping[str, float] = MappingProxyType({})

    @property
    def sort_key(self) -> tuple:
        """Later date wins; on the same day the later-recorded one wins."""
        return (self.date, self.at)


def said(record: Record) -> tuple:
    """What a record says (not who recorded it, or when): a likely repeat says the same."""
    return (
        record.task,
        record.date,
        record.progress,
        record.note,
        record.problem,
        record.next,
        tuple(sorted(record.metrics.items())),
    )


class MetricLag(NamedTuple):
    """A 累计 metric with a year target, as of one day: its value against the target's pro-rata share."""

    metric: Metric
    value: float | None  # None: never reported
    expected: float  # the target's share for the part of the year gone by

    @property
    def behind(self) -> float:
        """Points of the target the value is behind the pro-rata share (negative: ahead)."""
        target = self.metric.target or 0
        return (self.expected - (self.value or 0)) / target * 100 if target > 0 else 0.0


class TaskStatus(NamedTuple):
    """A task as of one day: latest progress, 序时进度, light, stale, overdue."""

    task: Task
    latest: Record | None
    progress: float
    expected: float
    light: str
    stale: bool
    overdue: bool
    #: The latest elapsed milestone whose percent the progress has not reached.
    missed: Milestone | None = None
    #: 已销号 as of that day: done, and signed off on or before it.
    closed: bool = False
    #: A 常态 task's targeted 累计 metrics against their pro-rata share of the target.
    lags: tuple[MetricLag, ...] = ()

    @property
    def measured(self) -> bool:
        return self.task.measured

    @property
    def worst_lag(self) -> MetricLag | None:
        return max(self.lags, key=lambda lag: lag.behind, default=None)

    @property
    def behind(self) -> float:
        return self.expected - self.progress

    @property
    def label(self) -> str:
        """已销号 for signed-off tasks, else the light's label."""
        return CLOSED_LABEL if self.closed else LIGHT_LABELS[self.light]


class GoalStatus(NamedTuple):
    """A goal as of one day: weighted progress and light over its tasks."""

    goal: Goal
    progress: float
    expected: float
    light: str
    tasks: tuple[TaskStatus, ...]

    @property
    def measured(self) -> bool:
        """Some task has a completion percentage: the goal's progress means something."""
        return any(ts.measured for ts in self.tasks)

    @property
    def counts(self) -> dict[str, int]:
        counts = {light: 0 for light in LIGHTS} | {"stale": 0, "closed": 0}
        for ts in self.tasks:
            counts[ts.light] += 1
            counts["stale"] += ts.stale
            counts["closed"] += ts.closed
        return counts

    @property
    def last_update(self) -> date | None:
        dates = [ts.latest.date for ts in self.tasks if ts.latest]
        return max(dates) if dates else None


def month_end(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)


def previous_month_end(year: int, month: int) -> date:
    return date(year, month, 1) - timedelta(days=1)


MONTHLY, QUARTERLY, HALF, ANNUAL = "monthly", "quarterly", "half", "annual"
_CN_ORDINALS = "一二三四"


class Period(NamedTuple):
    """A reporting period of one calendar year, both ends included: a month, quarter, half or year."""

    kind: str  # MONTHLY, QUARTERLY, HALF or ANNUAL
    start: date
    end: date
    label: str  # 2024年5月, 2024年第二季度, 2024年上半年, 2024年

    @property
    def year(self) -> int:
        return self.start.year

    @property
    def previous_end(self) -> date:
        """The day before the period: the state it is compared with."""
        return self.start - timedelta(days=1)

    @property
    def months(self) -> list[tuple[int, int]]:
        return [(self.year, m) for m in range(self.start.month, self.end.month + 1)]

    @property
    def key(self) -> str:
        """The period as scripts name it: 2024-05, 2024Q2, 2024H1, 2024."""
        y, first = self.year, self.start.month
        if self.kind == MONTHLY:
            return f"{y:04d}-{first:02d}"
        if self.kind == QUARTERLY:
            return f"{y:04d}Q{(first + 2) // 3}"
        if self.kind == HALF:
            return f"{y:04d}H{(first + 5) // 6}"
        return f"{y:04d}"


def _months_period(kind: str, year: int, first: int, count: int, label: str) -> Period:
    return Period(kind, date(year, first, 1), month_end(year, first + count - 1), label)


def month_period(year: int, month: int) -> Period:
    return _months_period(MONTHLY, year, month, 1, f"{year}年{month}月")


def quarter_period(year: int, quarter: int) -> Period:
    return _months_period(QUARTERLY, year, 3 * quarter - 2, 3, f"{year}年第{_CN_ORDINALS[quarter - 1]}季度")


def half_period(year: int, half: int) -> Period:
    return _months_period(HALF, year, 6 * half - 5, 6, f"{year}年{'上下'[half - 1]}半年")


def year_period(year: int) -> Period:
    return _months_period(ANNUAL, year, 1, 12, f"{year}年")


def problem_cleared(text: str) -> bool:
    """``--problem 无`` (or 已解决): the record says the earlier 存在问题 is gone."""
    return text.strip().rstrip("。.!！") in PROBLEM_CLEARED


class LatestValues(NamedTuple):
    """A task's latest value of each field a record may leave empty: the records that hold them.

    A later record without 存在问题, 下步计划 or a metric does not hide an earlier one.
    ``problem`` is the latest non-empty 存在问题 as written, even 无/已解决 (which ends the
    earlier ones: see ``open_problem``); ``metrics`` maps each metric to the latest
    record that gave it a value.
    """

    problem: Record | None = None
    next: Record | None = None
    metrics: Mapping[str, Record] = MappingProxyType({})

    def with_record(self, r: Record) -> LatestValues:
        """These values once ``r`` is known too (on the same day, the later-recorded one wins)."""

        def newer(current: Record | None) -> bool:
            return current is None or r.sort_key >= current.sort_key

        problem = r if r.problem.strip() and newer(self.problem) else self.problem
        plan = r if r.next.strip() and newer(self.next) else self.next
        metrics = [name for name in r.metrics if newer(self.metrics.get(name))]
        if problem is self.problem and plan is self.next and not metrics:
            return self
        return LatestValues(problem, plan, {**self.metrics, **dict.fromkeys(metrics, r)} if metrics else self.metrics)

    @property
    def open_problem(self) -> Record | None:
        """The latest 存在问题 unless it says the problems are solved (无/已解决)."""
        return None if self.problem is None or problem_cleared(self.problem.problem) else self.problem


NO_VALUES = LatestValues()


# --------------------------------------------------------------------------- changing the plan (pure)


def next_task_id(goal: Goal) -> str:
    """The next free task number in ``goal``: one more than the highest in use."""
    numbers = [int(t.id.rpartition(".")[2]) for t in goal.tasks if t.id.rpartition(".")[2].isdigit()]
    return f"{goal.id}.{max(numbers, default=0) + 1}"


def _with_goal(plan: Plan, goal: Goal) -> Plan:
    return plan._replace(goals=tuple(goal if g.id == goal.id else g for g in plan.goals))


def with_task(plan: Plan, task: Task) -> Plan:
    """``plan`` with ``task`` replacing the task of the same id, or appended to its goal."""
    goal = plan.goal_of(task)
    tasks = goal.tasks if plan.task(task.id) else (*goal.tasks, task)
    return _with_goal(plan, goal._replace(tasks=tuple(task if t.id == task.id else t for t in tasks)))


def without_task(plan: Plan, task: Task) -> Plan:
    goal = plan.goal_of(task)
    return _with_goal(plan, goal._replace(tasks=tuple(t for t in goal.tasks if t.id != task.id)))


def with_goal_title(plan: Plan, goal: Goal, title: str) -> Plan:
    return _with_goal(plan, goal._replace(title=title))


def with_milestone(task: Task, day: date, percent: int | None) -> Task:
    """``task`` with the milestone on ``day`` set to ``percent`` (removed when None), in date order."""
    kept = [m for m in task.milestones if m.date != day]
    if percent is not None:
        kept.append(Milestone(day, percent))
    return task._replace(milestones=tuple(sorted(kept, key=lambda m: m.date)))
