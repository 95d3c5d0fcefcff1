"""Reports for a period (月报, 季度报告, 半年工作总结, 年度工作总结): the data (``PeriodReport``)
and one document (``report_document``).

Pure: ``build_report`` takes the plan, the period's records, each task's latest record
before the period and each task's latest 存在问题/下步计划 up to the period's end, and
evaluates everything as of the period's last day. It reads no file and no clock (the
signing date is passed in), so a past period's report never changes when later months
are recorded. ``report_document`` words it as a 公文 (a ``Document``): a progress report
for a month, quarter or half year, a draft 年度工作总结 in the seed's own shape for a year.
``render_text``, ``render_markdown`` and ``output.docx.render_docx`` lay it out; ``to_json``
gives the data. Headings ``一、`` → ``（一）`` → ``1.`` → ``（1）`` (GB/T 15834),
full-width punctuation, dates without leading zeros.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from anmin_track import model
from anmin_track.output import frame, kinds
from anmin_track.output.document import Block, Document
from anmin_track.text import cn_date, document_text, pct, percent, quoted

SCHEMA_VERSION = 2  # JSON schema: anmin.report.<kind>/2
INDENT = "\u3000\u3000"  # 首行缩进两字
PAGE_RULE = "-" * 20 + "（另页）" + "-" * 20  # a page break in plain text
RECORD_RULE = "─" * 28  # the rules of the 版记, one 版心 wide
LINE_CHARS = 28
CN_NUMBERS = "一二三四五六七八九十"
_END_PUNCT = tuple("。！？；….!?;")


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
    signed: date | None = None  # 成文日期 (default: the period's last day)
    aim: str = ""  # the plan's aim ([plan] aim)
    frame: model.ReportSettings = model.ReportSettings()  # [report]: 主送, 字号, 签发人, 版记…

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
    latest = model.latest_by_task([*before.values(), *mine], end)
    if texts is None:
        texts = model.latest_values([*before.values(), *mine], end)
    now = model.plan_status(plan, latest, end, texts)
    then = {gs.goal.id: gs for gs in model.plan_status(plan, before, prev_end)}
    goals = tuple(_goal_line(gs, then[gs.goal.id], mine, texts, end) for gs in now)
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
        progress=model.weighted_mean((t.progress, weights[t.id]) for t in measured),
        previous=model.weighted_mean((t.previous, weights[t.id]) for t in measured),
        expected=model.weighted_mean((t.expected, weights[t.id]) for t in measured),
        counts={key: sum(gs.counts[key] for gs in now) for key in (*model.LIGHTS, "stale", "closed")},
        goals=goals,
        problems=tuple(t.id for t in sorted(_problem_tasks(tasks), key=_severity)),
        signed=signed,
        aim=plan.aim,
        frame=plan.report,
    )


def _goal_line(
    gs: model.GoalStatus,
    then: model.GoalStatus,
    mine: list[model.Record],
    texts: Mapping[str, model.LatestValues],
    end: date,
) -> GoalLine:
    previous = {ts.task.id: ts for ts in then.tasks}
    tasks = tuple(
        _task_line(ts, previous[ts.task.id], [r for r in mine if r.task == ts.task.id], texts.get(ts.task.id), end)
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
    ts: model.TaskStatus, then: model.TaskStatus, mine: list[model.Record], texts: model.LatestValues | None, end: date
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
        started=ts.task.start <= end,
        done_before=then.light == model.DONE,
        carried=bool(ts.task.carried_from),
        kind=ts.task.kind,
        lags=ts.lags,
    )


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


# --------------------------------------------------------------------------- wording


@dataclass(frozen=True)
class Words:
    """How a report names its period: 本月 / 较上月末 / 下月工作计划, and so on."""

    this: str  # 本月, 本季度, 上半年, 本年度
    since: str  # the previous period's end: 上月末, 上季度末, 上年末, 上半年末
    next: str  # the heading of 四
    summary: bool  # a 工作总结 (half year, year): 总结如下, no 特此报告


def period_words(p: model.Period) -> Words:
    first_half = p.start.month == 1
    if p.kind == model.MONTHLY:
        return Words("本月", "上月末", "下月工作计划", False)
    if p.kind == model.QUARTERLY:
        return Words("本季度", "上季度末", "下季度工作计划", False)
    if p.kind == model.HALF:
        return Words(
            "上半年" if first_half else "下半年",
            "上年末" if first_half else "上半年末",
            "下半年工作计划" if first_half else "下步工作计划",
            True,
        )
    return Words("本年度", "上年末", "下步工作计划", True)


def _points(now: float, before: float) -> int:
    """Change in whole percentage points, between the figures as printed."""
    return percent(now) - percent(before)


def _change_words(now: float, before: float, r: PeriodReport) -> str:
    diff, since = _points(now, before), period_words(r.period).since
    if diff > 0:
        return f"较{since}提高{diff}个百分点"
    if diff < 0:
        return f"较{since}下降{-diff}个百分点"
    return f"与{since}持平"


def _against_expected(progress: float, expected: float) -> str:
    """`低于序时进度（46%）13个百分点` / 高于 / 与序时进度（46%）持平."""
    diff = percent(progress) - percent(expected)
    if diff < 0:
        return f"低于序时进度（{pct(expected)}）{-diff}个百分点"
    if diff > 0:
        return f"高于序时进度（{pct(expected)}）{diff}个百分点"
    return f"与序时进度（{pct(expected)}）持平"


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


_BASELINE_PREFIXES = ("约", "近", "超过", "逾")


def baseline_words(m: MetricValue | model.Metric) -> str:
    """The 2023 figure as the seed states it: `20余名` when the seed says 20余名, else `20名`."""
    if m.baseline is None:
        return ""
    figure, text = _number(m.baseline), m.baseline_text
    # the first `(约|近|超过|逾)?{figure}(余|多)?{unit}` in the text, found without a regex: a
    # pattern per metric cost a report about 1 ms of compiling in every run
    at = text.find(figure)
    while at != -1:
        end = at + len(figure) + (text[at + len(figure) : at + len(figure) + 1] in ("余", "多"))
        if text.startswith(m.unit, end):
            start = next((at - len(p) for p in _BASELINE_PREFIXES if text.endswith(p, 0, at)), at)
            return text[start : end + len(m.unit)]
        at = text.find(figure, at + 1)
    return f"{figure}{m.unit}"


def metric_text(m: MetricValue, baseline_year: int) -> str:
    """`调解矛盾纠纷21件（2023年为57件）`.

    The 2023 figure is shown beside the value, not subtracted: the plan does not say
    whether a metric is a running total for the year or a stock, and a year-to-date
    count minus a full-year count would read as a fall that did not happen.
    """
    text = f"{kinds.basis_prefix(m.basis, m.target)}{m.name}{_number(m.value)}{m.unit}"
    text += kinds.target_words(m.value, m.target, m.basis)
    if m.baseline is not None:
        same = "同期" if m.basis == model.PERIODIC else ""  # a month's figure beside last year's same month
        text += f"（{baseline_year}年{same}为{baseline_words(m)}）"
    return text


def clean(text: str) -> str:
    """Data text in one line of a document: control characters removed, lines joined with
    full-width punctuation, no end punctuation (the caller adds what the sentence needs)."""
    lines = [line.strip() for line in document_text(text).split("\n") if line.strip()]
    joined = ""
    for line in lines:
        if joined and not joined.endswith(_JOINERS):
            joined += "，"
        joined += line
    return joined.rstrip("。；，,;.").strip()


_JOINERS = tuple("。；，：！？、")


def _sentence(text: str) -> str:
    """Data text as a sentence ending in a full stop (``""`` stays empty)."""
    text = clean(text)
    return text if not text or text.endswith(_END_PUNCT) else text + "。"


def _day(d: date, period_year: int) -> str:
    return f"{d.month}月{d.day}日" if d.year == period_year else cn_date(d)


def _who(t: TaskLine) -> str:
    """`（责任单位：乡综治办；牵头领导：张三）`, or nothing when the plan names neither."""
    parts = [
        f"{label}：{clean(value)}" for label, value in (("责任单位", t.unit), ("牵头领导", t.lead)) if value.strip()
    ]
    return f"（{'；'.join(parts)}）" if parts else ""


def _silence(t: TaskLine, r: PeriodReport) -> str:
    """Why a task has nothing in the period: never reported, or since when."""
    if t.last_update is None:
        return NEVER_THIS_YEAR if t.carried else NEVER
    return f"自{_day(t.last_update, r.year)}以来未报送进展"


#: A task with no record at all; one carried over from last year has its records in last year's plan.
NEVER, NEVER_THIS_YEAR = "尚未报送过进展", "本年度尚未报送进展"


def _light(t: TaskLine) -> str:
    if t.closed:
        return model.CLOSED_LABEL
    if t.light == model.DONE:
        return "已完成"
    words = "亮" + model.LIGHT_LABELS[t.light] + ("（已逾期）" if t.overdue else "")
    return words + ("（未达到时间节点要求）" if t.missed else "")


def _counts(r: PeriodReport) -> str:
    c = r.counts
    closed = f"（其中已销号{c['closed']}项）" if c["closed"] else ""
    text = f"已完成{c[model.DONE]}项{closed}，亮绿灯{c[model.GREEN]}项、黄灯{c[model.YELLOW]}项、红灯{c[model.RED]}项"
    stale = [t for t in r.tasks if t.stale]
    never = [t for t in stale if t.never_reported]
    stopped = len(stale) - len(never)
    parts = []
    if never:
        parts.append(f"{NEVER_THIS_YEAR if any(t.carried for t in never) else NEVER}的{len(never)}项")
    if stopped:
        parts.append(f"超过{r.stale_days}天未报送进展的{stopped}项")
    if parts:
        text += f"；其中{'，'.join(parts)}（已计入上述亮灯数）"
    return text + "。"


def _outside_plan_year(r: PeriodReport) -> list[str]:
    if r.in_plan_year:
        return []
    return [
        f"{r.period.label}不在{r.plan_title}的计划年度（{r.plan_year}年）内，"
        f"以下情况按{cn_date(r.period_end)}评估，仅供参考。"
    ]


def _overview(r: PeriodReport) -> list[str]:
    this = period_words(r.period).this
    lines = _outside_plan_year(r)
    lines.append(
        f"{clean(r.plan_title)}共{len(r.goals)}项重点工作、{len(r.tasks)}项重点任务。"
        f"截至{cn_date(r.period_end)}，{_counts(r)}"
    )
    lines.append(
        f"重点任务平均完成进度{pct(r.progress)}，{_change_words(r.progress, r.previous, r)}，"
        f"{_against_expected(r.progress, r.expected)}。"
    )
    missing = r.missing
    if missing:
        names = "；".join(f"{clean(t.title)}{_who(t)}" for t in missing)
        lines.append(f"{this}未报送进展的任务{len(missing)}项：{names}。")
    else:
        lines.append(f"{this}各项在办任务均已报送进展。")
    return lines


def _goal_summary(g: GoalLine, r: PeriodReport) -> str:
    light = "已全部完成" if g.light == model.DONE else "亮" + model.LIGHT_LABELS[g.light]
    if all(t.kind == model.DUTY for t in g.tasks):
        return f"均为常态工作，{light}。"
    return (
        f"平均完成进度{pct(g.progress)}，{_change_words(g.progress, g.previous, r)}，"
        f"{_against_expected(g.progress, g.expected)}，{light}。"
    )


def _task_summary(t: TaskLine, r: PeriodReport) -> str:
    if t.kind == model.DUTY:
        done = f"{period_words(r.period).this}开展工作如下" if t.entries else _silence(t, r)
        return f"{_who(t)}常态工作，{kinds.duty_state(t.light, t.lags)}，{done}。".lstrip()
    if t.kind == model.CREATION and t.light != model.DONE:
        return f"{_who(t)}{kinds.stage_state(t.progress, t.expected)}，{_light(t)}。".lstrip()
    if t.light == model.DONE and t.last_update is not None:
        closed = "，已销号" if t.closed else ""
        return f"{_who(t)}该项任务已于{_day(t.last_update, r.year)}完成{closed}。".lstrip()
    return (
        f"{_who(t)}完成进度{pct(t.progress)}，{_change_words(t.progress, t.previous, r)}，"
        f"{_against_expected(t.progress, t.expected)}，{_light(t)}。"
    )


def _entry_text(e: RecordLine, baseline_year: int, kind: str = model.PROJECT) -> str:
    """One record as one sentence: `5月28日，完成……，红色讲解员23名（2023年为20余名），进度达到45%。`"""
    note = clean(e.note)
    metrics = [
        metric_text(m, baseline_year)
        for m in e.metrics
        if f"{_number(m.value)}{m.unit}" not in note  # the note already says it
    ]
    close = kinds.progress_part(kind, e.progress)
    parts = [f"{e.date.month}月{e.date.day}日", *([note] if note else []), *metrics, *([close] if close else [])]
    return "，".join(parts) + "。"


def _quiet(g: GoalLine, r: PeriodReport) -> str:
    """One sentence for the goal's tasks with nothing in the period; a shared 序时进度 is said once."""
    quiet = [t for t in g.tasks if not t.entries]
    ongoing = [t for t in quiet if t.light != model.DONE and t.started and t.kind == model.PROJECT]
    shared = len(ongoing) > 1 and len({percent(t.expected) for t in ongoing}) == 1
    items = []
    for t in quiet:
        title = clean(t.title)
        if t.light == model.DONE:
            items.append(f"{title}已于{_day(t.last_update, r.year)}完成" if t.last_update else f"{title}已完成")
        elif not t.started:
            items.append(f"{title}尚未到开始时间，{_light(t)}")
        elif t.kind == model.DUTY:
            items.append(f"{title}{_who(t)}（常态工作）{_light(t)}，{_silence(t, r)}")
        elif t.kind == model.CREATION:
            items.append(f"{title}{_who(t)}{kinds.stage_state(t.progress, t.expected)}，{_light(t)}，{_silence(t, r)}")
        else:
            expected = "" if shared else f"，序时进度{pct(t.expected)}"
            items.append(f"{title}{_who(t)}完成进度{pct(t.progress)}{expected}，{_light(t)}，{_silence(t, r)}")
    tail = f"以上任务序时进度均为{pct(ongoing[0].expected)}。" if shared else ""
    return f"{period_words(r.period).this}无新进展：" + "；".join(items) + "。" + tail


def _problems_behind(r: PeriodReport) -> list[TaskLine]:
    return [r.task(tid) for tid in r.problems if r.task(tid).light in (model.RED, model.YELLOW)]


def _behind_text(t: TaskLine, r: PeriodReport) -> str:
    behind = percent(t.expected) - percent(t.progress)
    state = [_light(t), f"完成进度{pct(t.progress)}"]
    if t.kind == model.DUTY:
        state, behind = [f"常态工作，{kinds.duty_state(t.light, t.lags)}"], 0
    if behind > 0:
        state.append(f"落后序时进度{behind}个百分点")
    if t.stale:
        state.append(_silence(t, r))
    return f"{clean(t.title)}{_who(t)}：" + "，".join(state) + "。"


def _reported_problem(t: TaskLine, r: PeriodReport) -> str:
    assert t.problem_date is not None
    return f"{clean(t.title)}：{clean(t.problem)}（{_day(t.problem_date, r.year)}报送）。"


def _missing_text(t: TaskLine, r: PeriodReport) -> str:
    return f"{clean(t.title)}{_who(t)}：{_silence(t, r)}。"


def _next_text(t: TaskLine, r: PeriodReport, dated: bool = False) -> str:
    """`title：下步计划。`, with the day it was reported when that is before the period (or ``dated``)."""
    if not t.next_plan.strip() or t.next_date is None:
        return f"{clean(t.title)}：（未填报下步计划）"
    when = f"（{_day(t.next_date, r.year)}报送）" if dated or t.next_date < r.period.start else ""
    return f"{clean(t.title)}：{clean(t.next_plan)}{when}。"


def _planned(r: PeriodReport) -> list[tuple[GoalLine, list[TaskLine]]]:
    """Per goal, the tasks in 四: open tasks with a 下步计划, and every red or yellow task (numbered anew)."""
    planned = [
        (
            g,
            [
                t
                for t in g.tasks
                if t.light in (model.RED, model.YELLOW) or (t.light != model.DONE and t.next_plan.strip())
            ],
        )
        for g in r.goals
    ]
    return [(g, tasks) for g, tasks in planned if tasks]


# --------------------------------------------------------------------------- the document


def doc_number(pattern: str, year: int, n: int | None) -> str:
    """The 发文字号 from the ``[report]`` pattern; without a number, a gap for the office to fill in."""
    if not pattern:
        return ""
    return pattern.format(year=year, n=n if n is not None else "\u3000\u3000")


def report_document(r: PeriodReport, number: int | None = None) -> Document:
    """The period's document: a draft 年度工作总结 for a year, else a progress report (半年: 工作总结)."""
    if r.period.kind == model.ANNUAL:
        return annual_document(r, number)
    return progress_document(r, number)


def _head(r: PeriodReport, number: int | None) -> list[Block]:
    """发文字号 (and 签发人), 标题 in balanced lines, 主送机关."""
    b = frame.head(doc_number(r.doc_number, r.signing_date.year, number), clean(r.frame.signer) if r.upward else "")
    b.append(Block("title", frame.title_lines([clean(word) for word in r.title_words])))
    if r.addressee.strip():
        b.append(Block("addressee", clean(r.addressee).rstrip("：:") + "："))
    return b


def _signature(r: PeriodReport) -> list[Block]:
    """落款, then the 版记 (抄送, 印发机关 and 印发日期 = 成文日期) when [report] has them."""
    settings = r.frame._replace(cc=clean(r.frame.cc), printer=clean(r.frame.printer))
    return [
        Block("issuer", clean(r.issuer)),
        Block("date", cn_date(r.signing_date)),
        *frame.record(settings, frame.printed_on(r.signing_date)),
    ]


def progress_document(r: PeriodReport, number: int | None = None) -> Document:
    """A month's, quarter's or half year's report as a 公文: 标题, 主送机关, 正文 (一 to 四), 特此报告。, 落款."""
    words = period_words(r.period)
    b = _head(r, number)
    b.append(Block("para", f"现将我乡{r.period.label}重点工作推进情况{'总结' if words.summary else '报告'}如下："))
    b.append(Block("h1", "总体情况", "一、"))
    b += [Block("para", line) for line in _overview(r)]
    b.append(Block("h1", "分项推进情况", "二、"))
    for gi, g in enumerate(r.goals):
        b.append(Block("h2", clean(g.title), f"（{cn_number(gi + 1)}）"))
        b.append(Block("para", _goal_summary(g, r)))
        reported = [t for t in g.tasks if t.entries]
        for ti, t in enumerate(reported, 1):
            b.append(Block("h3", clean(t.title), f"{ti}."))
            b.append(Block("para", _task_summary(t, r)))
            b += [Block("para", _entry_text(e, r.plan_year - 1, t.kind), f"（{ei}）") for ei, e in enumerate(t.entries, 1)]
        if len(reported) < len(g.tasks):
            b.append(Block("para", _quiet(g, r)))
    b.append(Block("h1", "存在问题", "三、"))
    sections = [
        ("进度滞后", [_behind_text(t, r) for t in _problems_behind(r)]),
        ("报送的问题", [_reported_problem(t, r) for t in r.tasks if t.problem.strip() and t.problem_date]),
        ("未按时报送", [_missing_text(t, r) for t in r.missing]),
    ]
    sections = [(name, items) for name, items in sections if items]
    if not sections:
        b.append(Block("para", f"{words.this}无进度滞后、报送问题或未按时报送的情况。"))
    for si, (name, items) in enumerate(sections):
        b.append(Block("h2", name, f"（{cn_number(si + 1)}）"))
        b += [Block("para", text, f"{i}.") for i, text in enumerate(items, 1)]
    b.append(Block("h1", words.next, "四、"))
    planned = _planned(r)
    if not planned:
        b.append(Block("para", "各项在办任务均未报送下步计划。"))
    for gi, (g, tasks) in enumerate(planned):
        b.append(Block("h2", clean(g.title), f"（{cn_number(gi + 1)}）"))
        b += [Block("para", _next_text(t, r), f"{ti}.") for ti, t in enumerate(tasks, 1)]
    if not words.summary or r.upward:
        b.append(Block("closing", "特此报告。"))
    b += _signature(r)
    name = r.title if words.summary else f"{r.org}{r.period.label}重点工作推进情况报告"
    return Document(name=name, blocks=tuple(b))


# --------------------------------------------------------------------------- the annual summary (年度工作总结)

PLACEHOLDER = "【待填写】"


def cn_number(n: int) -> str:
    """Chinese numerals, generated: 一, 十, 十二, 二十一, 一百零五, 一千零一十; Arabic digits from 10000 on."""
    if not 0 < n < 10000:
        return str(n)
    digits = "零" + CN_NUMBERS[:9]
    text, zero = "", False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // power % 10
        if digit:
            text += ("零" if zero and text else "") + (
                "" if (power == 10 and n < 20) else digits[digit]
            ) + unit
            zero = False
        elif text:
            zero = True
    return text


def versus_baseline(m: MetricValue, baseline_year: int, year_end: bool) -> str:
    """`调解矛盾纠纷61件，较2023年增加4件` for a figure of the year's end (``year_end``) and an exact
    baseline. A figure from earlier in the year, or an approximate baseline (`20余名`), is set beside
    the baseline instead (`metric_text`): part of a year minus a whole year is no change."""
    if m.baseline is None or not year_end or m.basis == model.PERIODIC:
        return metric_text(m, baseline_year)
    if baseline_words(m) != f"{_number(m.baseline)}{m.unit}":
        return metric_text(m, baseline_year)
    text = f"{m.name}{_number(m.value)}{m.unit}"
    diff = m.value - m.baseline
    up, down, unit = ("提高", "下降", "个百分点") if m.unit == "%" else ("增加", "减少", m.unit)
    if diff == 0:
        return f"{text}，与{baseline_year}年持平"
    return f"{text}，较{baseline_year}年{up if diff > 0 else down}{_number(abs(diff))}{unit}"


def _latest_metrics(t: TaskLine) -> list[tuple[date, MetricValue]]:
    """Each metric's latest value in the period with its date."""
    latest: dict[str, tuple[date, MetricValue]] = {}
    for e in t.entries:  # in date order: a later value replaces an earlier one, keeping its place
        for m in e.metrics:
            latest[m.name] = (e.date, m)
    return list(latest.values())


def _year_work(t: TaskLine, r: PeriodReport, n: int) -> str:
    """`一是高标准建设红色教育基地。完成……；新增……。截至5月28日，红色讲解员23名（2023年为20余名）。完成进度45%。`"""
    text = f"{cn_number(n)}是{clean(t.title)}。"
    notes = list(dict.fromkeys(clean(e.note) for e in t.entries if clean(e.note)))
    if notes:
        text += "；".join(notes) + "。"
    by_day: dict[date, list[str]] = {}
    for day, m in _latest_metrics(t):
        year_end = day >= date(r.period_end.year, 12, 1)
        by_day.setdefault(day, []).append(versus_baseline(m, r.plan_year - 1, year_end))
    text += "".join(f"截至{_day(day, r.year)}，{'；'.join(items)}。" for day, items in sorted(by_day.items()))
    if t.kind == model.DUTY:  # an ongoing duty is described, never given a percentage
        return text + ("全年常态开展。" if t.light == model.DONE else f"{kinds.duty_state(t.light, t.lags)}。")
    if t.light == model.DONE and t.last_update is not None:
        return text + f"该项任务已于{_day(t.last_update, r.year)}完成{'，已销号' if t.closed else ''}。"
    if t.kind == model.CREATION:
        return text + f"截至年底{kinds.stage_state(t.progress, t.expected)}。"
    return text + f"截至年底完成进度{pct(t.progress)}。"


def _goal_year(g: GoalLine, r: PeriodReport) -> list[str]:
    """A goal in 一: its progress, then 一是、二是…… per task with records, then the silent ones in one sentence."""
    done = [t for t in g.tasks if t.light == model.DONE]
    closed = sum(t.closed for t in done)
    lead = f"围绕{quoted(clean(g.lead))}，" if g.lead else ""
    if len(done) == len(g.tasks):
        finished = f"{len(g.tasks)}项重点任务均已完成"
    else:
        finished = f"{len(g.tasks)}项重点任务已完成{len(done)}项" if done else f"{len(g.tasks)}项重点任务均未完成"
    closing = f"，其中已销号{closed}项" if closed else ""
    average = "" if all(t.kind == model.DUTY for t in g.tasks) else f"全年平均完成进度{pct(g.progress)}，"
    lines = [f"{lead}{average}{finished}{closing}。"]
    reported = [t for t in g.tasks if t.entries]
    lines += [_year_work(t, r, n) for n, t in enumerate(reported, 1)]
    silent = [t for t in g.tasks if not t.entries and t.light != model.DONE]
    if silent:
        lines.append(f"{'、'.join(clean(t.title) for t in silent)}全年未报送进展。")
    return lines


def _not_done_text(t: TaskLine, r: PeriodReport) -> str:
    """What was not done and why: `……：完成进度45%；存在问题：展陈资金缺口约30万元（4月15日报送）。`"""
    why = []
    if t.problem.strip() and t.problem_date:
        why.append(f"存在问题：{clean(t.problem)}（{_day(t.problem_date, r.year)}报送）")
    if t.stale or t.never_reported:
        why.append(_silence(t, r))
    if not why:
        why.append("（未填报未完成原因）")
    overdue = "，已逾期" if t.overdue else ""
    if t.kind == model.DUTY:
        state = kinds.duty_state(t.light, t.lags)
    elif t.kind == model.CREATION:
        state = kinds.stage_state(t.progress, t.expected)
    else:
        state = f"完成进度{pct(t.progress)}"
    return f"{clean(t.title)}{_who(t)}：{state}{overdue}；" + "；".join(why) + "。"


def _annual_opening(r: PeriodReport) -> str:
    done = r.counts[model.DONE]
    closed = f"（其中已销号{r.counts['closed']}项）" if r.counts["closed"] else ""
    aim = f"以{clean(r.aim)}为目标，" if r.aim.strip() else ""
    return (
        f"{r.year}年，我乡{aim}围绕《{clean(r.plan_title)}》确定的{len(r.goals)}项重点工作、{len(r.tasks)}项重点任务"
        f"推进各项工作。截至{cn_date(r.period_end)}，已完成{done}项{closed}，未完成{len(r.tasks) - done}项，"
        f"重点任务平均完成进度{pct(r.progress)}。现将{r.year}年工作总结如下："
    )


def annual_document(r: PeriodReport, number: int | None = None) -> Document:
    """A draft 年度工作总结 in the seed's shape: 一、年度工作总结 per goal (一是、二是……), 二、存在的问题和不足
    (what was not done and why), 三、next year's 工作思路要点 left for staff to write, 落款."""
    b = _head(r, number)
    b += [Block("para", line) for line in _outside_plan_year(r)]
    b.append(Block("para", _annual_opening(r)))
    b.append(Block("h1", f"{r.year}年工作总结", "一、"))
    for gi, g in enumerate(r.goals):
        b.append(Block("h2", clean(g.title), f"（{cn_number(gi + 1)}）"))
        b += [Block("para", line) for line in _goal_year(g, r)]
    b.append(Block("h1", "存在的问题和不足", "二、"))
    not_done = [t for t in r.tasks if t.light != model.DONE and t.started]
    if not not_done:
        b.append(Block("para", "各项重点任务均已完成。"))
    b += [Block("para", _not_done_text(t, r), f"{i}.") for i, t in enumerate(not_done, 1)]
    b.append(Block("h1", f"{r.year + 1}年工作思路要点", "三、"))
    b.append(
        Block(
            "para",
            f"{PLACEHOLDER}请结合县委、县政府部署和我乡实际，按重点工作逐项提出{r.year + 1}年工作思路要点，"
            "定稿前删除本段及以下参考内容。",
        )
    )
    if not_done:
        b.append(Block("para", "参考：未完成任务最近填报的下步计划——"))
        b += [Block("para", _next_text(t, r, dated=True), f"{i}.") for i, t in enumerate(not_done, 1)]
    b += _signature(r)
    return Document(name=r.title, blocks=tuple(b))


# --------------------------------------------------------------------------- plain text and Markdown of a Document


def render_text(doc: Document) -> str:
    """Plain text to paste into WPS/Word: headings and paragraphs indented two full-width spaces."""
    out: list[str] = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        text = block.label + block.text
        signer = blocks[i + 1] if block.kind == "doc_number" and i + 1 < len(blocks) else None
        if signer is not None and signer.kind == "signer":
            name = signer.label + signer.text
            gap = max(1.0, LINE_CHARS - 2 - frame.width(block.text) - frame.width(name))  # 居左、居右各空一字
            out += ["\u3000" + block.text + "\u3000" * int(gap) + " " * round(2 * (gap % 1)) + name, ""]
        elif block.kind == "signer":
            continue  # on its 字号's line
        elif block.kind == "title":
            out += [*text.split("\n"), ""]
        elif block.kind in ("subtitle", "doc_number"):
            out += [text, ""]
        elif block.kind in ("cc", "printed"):
            if block.kind == "cc" or not out or out[-1] != RECORD_RULE:
                out += ["", RECORD_RULE]
            line = text if block.kind == "cc" else block.text + "\u3000" * 2 + block.label
            out += ["\u3000" + line, RECORD_RULE]
        elif block.kind == "addressee":
            out.append(text)
        elif block.kind == "h1":
            out += ["", INDENT + text]
        elif block.kind == "issuer":
            out += ["", text]
        elif block.kind == "date":
            out.append(text)
        elif block.kind == "page_break":
            out += ["", PAGE_RULE, ""]  # visible on screen and when pasted (a form feed is neither)
        else:
            out.append(INDENT + text)
    return "\n".join(out) + "\n"


_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|~&])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")


def md_escape(text: str) -> str:
    """Data text shown literally in Markdown: markup characters are backslash-escaped."""
    lines = []
    for line in text.split("\n"):
        line = _MD_INLINE.sub(r"\\\1", line)
        lines.append(_MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line))
    return "\n".join(lines)


_MD_HEADING = {"title": "# ", "h1": "## ", "h2": "### ", "h3": "#### ", "h4": "##### "}


def render_markdown(doc: Document) -> str:
    e = md_escape
    out: list[str] = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if block.kind in _MD_HEADING:
            label = block.label + (" " if block.label.endswith(".") else "")  # our numbering: not escaped
            joint = "" if block.kind == "title" else " "  # a title's lines are one title, broken for print
            out += [_MD_HEADING[block.kind] + label + e(block.text).replace("\n", joint), ""]
        elif block.kind == "issuer" and i + 1 < len(blocks) and blocks[i + 1].kind == "date":
            out.append(e(block.text) + "\\")
        elif block.kind == "page_break":
            out += ["---", ""]
        elif block.kind == "signer":
            out[-2] = out[-2] + "\u3000\u3000" + block.label + e(block.text)  # on its 字号's line
        elif block.kind in ("cc", "printed"):
            lead = ["---", ""] if block.kind == "cc" or not out or out[-2:] != ["---", ""] else []
            line = block.label + e(block.text) if block.kind == "cc" else e(block.text) + "\u3000\u3000" + block.label
            out += [*lead, line, "", "---", ""]
        elif block.label:
            out += [block.label + e(block.text), ""]  # `1.推进…`: no space, so not a Markdown list
        else:
            out += [e(block.text), ""]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- JSON


def _task_json(t: TaskLine) -> dict:
    return {
        "id": t.id,
        "title": t.title,
        "progress": round(t.progress, 1),
        "previous": round(t.previous, 1),
        "change": _points(t.progress, t.previous),
        "expected": round(t.expected, 1),
        "light": t.light,
        "light_label": model.LIGHT_LABELS[t.light],
        "stale": t.stale,
        "overdue": t.overdue,
        "closed": t.closed,
        "missed": {"date": t.missed.date.isoformat(), "percent": t.missed.percent} if t.missed else None,
        "last_update": t.last_update.isoformat() if t.last_update else None,
        "problem": t.problem,
        "problem_date": t.problem_date.isoformat() if t.problem_date else None,
        "next_plan": t.next_plan,
        "next_date": t.next_date.isoformat() if t.next_date else None,
        "lead": t.lead,
        "unit": t.unit,
        "owner": t.owner,
        "missing": t.missing,
        "entries": [
            {
                "date": e.date.isoformat(),
                "progress": e.progress,
                "note": e.note,
                "problem": e.problem,
                "next": e.next,
                "by": e.by,
                "metrics": [
                    {"name": m.name, "unit": m.unit, "value": m.value, "baseline": m.baseline} for m in e.metrics
                ],
            }
            for e in t.entries
        ],
    }


def to_json(r: PeriodReport) -> dict:
    """The report's data for scripts; text as stored (not escaped), figures rounded to one decimal."""
    return {
        "schema": f"anmin.report.{r.period.kind}/{SCHEMA_VERSION}",
        "plan": {"org": r.org, "issuer": r.issuer, "title": r.plan_title, "year": r.plan_year, "aim": r.aim},
        "title": r.title,
        **({"month": r.period.key} if r.period.kind == model.MONTHLY else {}),
        "period": {
            "kind": r.period.kind,
            "key": r.period.key,
            "label": r.period.label,
            "start": r.period.start.isoformat(),
            "end": r.period.end.isoformat(),
        },
        "as_of": r.period_end.isoformat(),
        "in_plan_year": r.in_plan_year,
        "overview": {
            "goals": len(r.goals),
            "tasks": len(r.tasks),
            "counts": dict(r.counts),
            "progress": round(r.progress, 1),
            "previous": round(r.previous, 1),
            "change": _points(r.progress, r.previous),
            "expected": round(r.expected, 1),
            "reported_tasks": r.reported_count,
            "entries": r.entry_count,
            "missing": [t.id for t in r.missing],
            "never_reported": [t.id for t in r.tasks if t.stale and t.never_reported],
        },
        "goals": [
            {
                "id": g.id,
                "title": g.title,
                "progress": round(g.progress, 1),
                "previous": round(g.previous, 1),
                "change": _points(g.progress, g.previous),
                "expected": round(g.expected, 1),
                "light": g.light,
                "light_label": model.LIGHT_LABELS[g.light],
                "lead": g.lead,
                "tasks": [_task_json(t) for t in g.tasks],
            }
            for g in r.goals
        ],
        "problems": list(r.problems),
        "next_month": [
            {"goal": g.id, "tasks": [{"id": t.id, "next_plan": t.next_plan} for t in tasks]} for g, tasks in _planned(r)
        ],
        "addressee": r.addressee,
        "issued_by": r.issuer,
        "date": r.signing_date.isoformat(),
    }
