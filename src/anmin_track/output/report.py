"""The monthly report (月报): one data structure, rendered as plain text, Markdown or JSON.

Pure: ``build_monthly`` takes the plan, the month's records and each task's latest
record before the month, and evaluates everything as of the month's last day. It reads
no file and no clock, so a past month's report never changes when later months are
recorded. Text follows the layout of a government work report: headings numbered
``一、`` → ``（一）`` → ``1.`` → ``（1）`` (GB/T 15834), full-width punctuation, dates
without leading zeros, body paragraphs indented by two full-width spaces.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from anmin_track import model
from anmin_track.text import cn_date, pct, percent, visible

SCHEMA = "anmin.report.monthly/1"
INDENT = "\u3000\u3000"  # 首行缩进两字
CN_NUMBERS = "一二三四五六七八九十"
_END_PUNCT = tuple("。！？；….!?;")


# --------------------------------------------------------------------------- the structure


@dataclass(frozen=True)
class MetricValue:
    name: str
    unit: str
    value: float
    baseline: float | None


@dataclass(frozen=True)
class RecordLine:
    """One progress record dated in the report's month."""

    date: date
    progress: int
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
    previous: float  # at the end of the previous month
    expected: float
    light: str
    stale: bool
    overdue: bool
    closed: bool  # 已销号 (done and closed after review)
    missed: model.Milestone | None  # the elapsed 时间节点 whose percent is not reached
    last_update: date | None
    problem: str  # 存在问题 of the latest record as of the month's end
    problem_date: date | None
    next_plan: str  # the month's latest non-empty 下步计划
    entries: tuple[RecordLine, ...]

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


@dataclass(frozen=True)
class MonthlyReport:
    org: str
    issuer: str
    plan_title: str
    plan_year: int
    year: int
    month: int
    stale_days: int
    progress: float
    previous: float
    expected: float
    counts: Mapping[str, int]
    goals: tuple[GoalLine, ...]
    problems: tuple[str, ...]  # ids of yellow/red/stale tasks, worst first

    @property
    def period_end(self) -> date:
        return month_end(self.year, self.month)

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
    def title(self) -> str:
        return f"{self.org}{self.plan_title}推进情况月报"

    @property
    def period(self) -> str:
        return f"{self.year}年{self.month}月"

    def task(self, task_id: str) -> TaskLine:
        return next(t for t in self.tasks if t.id == task_id)


# --------------------------------------------------------------------------- building


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def previous_month_end(year: int, month: int) -> date:
    return date(year, month, 1) - timedelta(days=1)


def build_monthly(
    plan: model.Plan, month_records: Iterable[model.Record], before: Mapping[str, model.Record], ym: tuple[int, int]
) -> MonthlyReport:
    """The report for month ``ym``.

    ``month_records``: records dated in the month (others are ignored);
    ``before``: each task's latest record dated before the month.
    """
    year, month = ym
    end, prev_end = month_end(year, month), previous_month_end(year, month)
    mine = sorted(
        (r for r in month_records if (r.date.year, r.date.month) == ym and plan.task(r.task)), key=lambda r: r.sort_key
    )
    before = {tid: r for tid, r in before.items() if r.date <= prev_end}
    latest = model.latest_by_task([*before.values(), *mine], end)
    now = model.plan_status(plan, latest, end)
    then = {gs.goal.id: gs for gs in model.plan_status(plan, before, prev_end)}
    goals = tuple(_goal_line(gs, then[gs.goal.id], mine) for gs in now)
    tasks = [t for g in goals for t in g.tasks]
    weights = {t.id: t.weight for t in plan.tasks}
    return MonthlyReport(
        org=plan.org,
        issuer=plan.issuer or plan.org,
        plan_title=plan.title,
        plan_year=plan.year,
        year=year,
        month=month,
        stale_days=plan.settings.stale_days,
        progress=model.weighted_mean((t.progress, weights[t.id]) for t in tasks),
        previous=model.weighted_mean((t.previous, weights[t.id]) for t in tasks),
        expected=model.weighted_mean((t.expected, weights[t.id]) for t in tasks),
        counts={key: sum(gs.counts[key] for gs in now) for key in (*model.LIGHTS, "stale", "closed")},
        goals=goals,
        problems=tuple(t.id for t in sorted(_problem_tasks(tasks), key=_severity)),
    )


def _goal_line(gs: model.GoalStatus, then: model.GoalStatus, mine: list[model.Record]) -> GoalLine:
    previous = {ts.task.id: ts.progress for ts in then.tasks}
    tasks = tuple(_task_line(ts, previous[ts.task.id], [r for r in mine if r.task == ts.task.id]) for ts in gs.tasks)
    return GoalLine(
        id=gs.goal.id,
        title=gs.goal.title,
        progress=gs.progress,
        previous=then.progress,
        expected=gs.expected,
        light=gs.light,
        tasks=tasks,
    )


def _task_line(ts: model.TaskStatus, previous: float, mine: list[model.Record]) -> TaskLine:
    latest = ts.latest
    plans = [r.next for r in mine if r.next.strip()]
    return TaskLine(
        id=ts.task.id,
        title=ts.task.title,
        progress=ts.progress,
        previous=previous,
        expected=ts.expected,
        light=ts.light,
        stale=ts.stale,
        overdue=ts.overdue,
        closed=ts.closed,
        missed=ts.missed,
        last_update=latest.date if latest else None,
        problem=latest.problem if latest else "",
        problem_date=latest.date if latest and latest.problem.strip() else None,
        next_plan=plans[-1] if plans else "",
        entries=tuple(_record_line(ts.task, r) for r in mine),
    )


def _record_line(task: model.Task, r: model.Record) -> RecordLine:
    metrics = []
    for m in task.metrics:  # in the plan's order
        if m.name in r.metrics:
            metrics.append(MetricValue(name=m.name, unit=m.unit, value=r.metrics[m.name], baseline=m.baseline))
    return RecordLine(
        date=r.date, progress=r.progress, note=r.note, problem=r.problem, next=r.next, by=r.by, metrics=tuple(metrics)
    )


def _problem_tasks(tasks: list[TaskLine]) -> list[TaskLine]:
    return [t for t in tasks if t.light in (model.YELLOW, model.RED) or t.stale]


def _severity(t: TaskLine) -> tuple:
    """Worst first: red, yellow, then lights that are only stale; within, stale and further behind first."""
    return (model.SEVERITY[t.light], not t.stale, -round(t.behind, 6))


# --------------------------------------------------------------------------- wording shared by text and Markdown


def _points(now: float, before: float) -> int:
    """Change in whole percentage points, between the figures as printed."""
    return percent(now) - percent(before)


def _change_words(now: float, before: float) -> str:
    diff = _points(now, before)
    if diff > 0:
        return f"较上月提高{diff}个百分点"
    if diff < 0:
        return f"较上月下降{-diff}个百分点"
    return "与上月持平"


def _number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def metric_text(m: MetricValue, baseline_year: int) -> str:
    """`调解矛盾纠纷21件（2023年为57件）`.

    The 2023 figure is shown beside the value, not subtracted: the plan does not say
    whether a metric is a running total for the year or a stock, and a year-to-date
    count minus a full-year count would read as a fall that did not happen.
    """
    text = f"{m.name}{_number(m.value)}{m.unit}"
    if m.baseline is not None:
        text += f"（{baseline_year}年为{_number(m.baseline)}{m.unit}）"
    return text


def _sentence(text: str) -> str:
    """Data text made safe for a file, trimmed, ending in a full stop."""
    text = visible(text.replace("\r\n", "\n")).strip()
    lines = [line.rstrip() for line in text.split("\n") if line.strip()]
    text = "\n".join(lines)
    return text if not text or text.endswith(_END_PUNCT) else text + "。"


def _stale_words(t: TaskLine, stale_days: int) -> str:
    if t.last_update is None:
        return "尚未报送任何进展"
    return f"最近一次报送为{cn_date(t.last_update)}，已超过{stale_days}天未更新"


def _light_words(t: TaskLine, stale_days: int) -> str:
    words = (model.CLOSED_LABEL if t.closed else model.LIGHT_LABELS[t.light]) + ("（已逾期）" if t.overdue else "")
    words += "（未达到时间节点要求）" if t.missed else ""
    return words + (f"，{_stale_words(t, stale_days)}" if t.stale else "")


def _overview(r: MonthlyReport) -> list[str]:
    c = r.counts
    lines = []
    if not r.in_plan_year:
        lines.append(f"{r.period}不在{r.plan_title}的计划年度（{r.plan_year}年）内，以下情况按该月末评估，仅供参考。")
    closed = f"（其中已销号{c['closed']}项）" if c["closed"] else ""
    lines.append(
        f"{r.plan_title}共{len(r.goals)}项重点工作、{len(r.tasks)}项重点任务。截至{cn_date(r.period_end)}，"
        f"已完成{c[model.DONE]}项{closed}，绿灯{c[model.GREEN]}项，黄灯{c[model.YELLOW]}项，红灯{c[model.RED]}项；"
        f"超过{r.stale_days}天未更新进展的{c['stale']}项。"
    )
    behind = percent(r.expected) - percent(r.progress)
    gap = f"落后序时进度{behind}个百分点" if behind > 0 else "达到序时进度要求"
    lines.append(f"总体进度{pct(r.progress)}，{_change_words(r.progress, r.previous)}；序时进度{pct(r.expected)}，{gap}。")
    if r.entry_count:
        lines.append(f"本月共有{r.reported_count}项任务报送进展记录{r.entry_count}条。")
    else:
        lines.append("本月各项任务均未报送进展。")
    return lines


def _goal_summary(g: GoalLine) -> str:
    return (
        f"进度{pct(g.progress)}，{_change_words(g.progress, g.previous)}，序时进度{pct(g.expected)}，"
        f"{model.LIGHT_LABELS[g.light]}。"
    )


def _task_summary(t: TaskLine, stale_days: int) -> str:
    return (
        f"进度{pct(t.progress)}，{_change_words(t.progress, t.previous)}，序时进度{pct(t.expected)}，"
        f"{_light_words(t, stale_days)}。"
    )


def _entry_text(e: RecordLine, baseline_year: int) -> str:
    """`5月28日，进度45%。完成……。红色现场教学点10处（2023年为9处）。`"""
    note = _sentence(e.note) or "未填写进展情况。"
    metrics = "，".join(metric_text(m, baseline_year) for m in e.metrics)
    return f"{e.date.month}月{e.date.day}日，进度{e.progress}%。{note}" + (f"{metrics}。" if metrics else "")


def _problem_text(t: TaskLine, r: MonthlyReport) -> str:
    behind = percent(t.expected) - percent(t.progress)
    state = [model.LIGHT_LABELS[t.light] + ("（已逾期）" if t.overdue else ""), f"进度{pct(t.progress)}"]
    if behind > 0:
        state.append(f"落后序时进度{behind}个百分点")
    if t.stale:
        state.append(_stale_words(t, r.stale_days))
    problem = _sentence(t.problem)
    if t.last_update is None:
        said = ""
    elif not problem:
        said = "未填报存在问题。"
    elif t.problem_date and (t.problem_date.year, t.problem_date.month) != (r.year, r.month):
        said = f"存在问题（{cn_date(t.problem_date)}报送）：{problem}"
    else:
        said = f"存在问题：{problem}"
    return "，".join(state) + "。" + said


def _planned(r: MonthlyReport) -> list[tuple[GoalLine, list[TaskLine]]]:
    """Goals with this month's 下步计划, numbered anew in 四 (goals without plans are left out)."""
    planned = [(g, [t for t in g.tasks if t.next_plan.strip()]) for g in r.goals]
    return [(g, tasks) for g, tasks in planned if tasks]


# --------------------------------------------------------------------------- plain text


def _paragraph(text: str, first: str = "", hang: str = INDENT * 2) -> list[str]:
    """A body paragraph: first line indented two characters, later lines of multi-line data text further."""
    lines = text.split("\n")
    return [INDENT + first + lines[0], *(hang + line for line in lines[1:])]


def render_text(r: MonthlyReport) -> str:
    out = [r.title, f"（{r.period}）", ""]
    out.append(INDENT + "一、总体情况")
    for line in _overview(r):
        out += _paragraph(line)
    out += ["", INDENT + "二、分项推进情况"]
    for gi, g in enumerate(r.goals):
        out.append(f"{INDENT}（{CN_NUMBERS[gi]}）{g.title}")
        out += _paragraph(_goal_summary(g))
        for ti, t in enumerate(g.tasks, 1):
            out.append(f"{INDENT}{ti}.{t.title}")
            out += _paragraph(_task_summary(t, r.stale_days))
            if not t.entries:
                out += _paragraph("本月未报送进展。")
            for ei, e in enumerate(t.entries, 1):
                out += _paragraph(_entry_text(e, r.plan_year - 1), first=f"（{ei}）")
    out += ["", INDENT + "三、存在问题"]
    if not r.problems:
        out += _paragraph("本月各项任务均无黄灯、红灯或未更新情况。")
    for pi, tid in enumerate(r.problems, 1):
        t = r.task(tid)
        out += _paragraph(f"{t.title}：{_problem_text(t, r)}", first=f"{pi}.")
    out += ["", INDENT + "四、下月工作计划"]
    planned = _planned(r)
    if not planned:
        out += _paragraph("本月各项任务均未报送下步计划。")
    for gi, (g, tasks) in enumerate(planned):
        out.append(f"{INDENT}（{CN_NUMBERS[gi]}）{g.title}")
        for ti, t in enumerate(tasks, 1):
            out += _paragraph(f"{t.title}：{_sentence(t.next_plan)}", first=f"{ti}.")
    out += ["", r.issuer, cn_date(r.period_end)]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- Markdown

_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|~&])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")


def md_escape(text: str) -> str:
    """Data text shown literally in Markdown: markup characters are backslash-escaped."""
    lines = []
    for line in text.split("\n"):
        line = _MD_INLINE.sub(r"\\\1", line)
        lines.append(_MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line))
    return "\n".join(lines)


def _md_paragraph(text: str, prefix: str = "") -> list[str]:
    """One list item or paragraph; the lines of multi-line data text are kept apart by hard breaks."""
    lines = text.split("\n")
    hang = " " * len(prefix)
    return [prefix + "\\\n".join([lines[0], *(hang + line for line in lines[1:])])]


def render_markdown(r: MonthlyReport) -> str:
    e = md_escape
    out = [f"# {e(r.title)}", "", f"（{r.period}）", "", "## 一、总体情况", ""]
    for line in _overview(r):
        out += [e(line), ""]
    out += ["## 二、分项推进情况", ""]
    for gi, g in enumerate(r.goals):
        out += [f"### （{CN_NUMBERS[gi]}）{e(g.title)}", "", e(_goal_summary(g)), ""]
        for ti, t in enumerate(g.tasks, 1):
            out += [f"#### {ti}. {e(t.title)}", "", e(_task_summary(t, r.stale_days)), ""]
            if not t.entries:
                out += ["本月未报送进展。", ""]
                continue
            for ei, entry in enumerate(t.entries, 1):
                out += _md_paragraph(e(_entry_text(entry, r.plan_year - 1)), f"- （{ei}）")
            out.append("")
    out += ["## 三、存在问题", ""]
    if not r.problems:
        out += ["本月各项任务均无黄灯、红灯或未更新情况。", ""]
    for pi, tid in enumerate(r.problems, 1):
        t = r.task(tid)
        out += _md_paragraph(f"**{e(t.title)}**：{e(_problem_text(t, r))}", f"{pi}. ")
    if r.problems:
        out.append("")
    out += ["## 四、下月工作计划", ""]
    planned = _planned(r)
    if not planned:
        out += ["本月各项任务均未报送下步计划。", ""]
    for gi, (g, tasks) in enumerate(planned):
        out += [f"### （{CN_NUMBERS[gi]}）{e(g.title)}", ""]
        for ti, t in enumerate(tasks, 1):
            out += _md_paragraph(f"**{e(t.title)}**：{e(_sentence(t.next_plan))}", f"{ti}. ")
        out.append("")
    out += [e(r.issuer) + "\\", cn_date(r.period_end)]
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


def to_json(r: MonthlyReport) -> dict:
    """The report's data for scripts; text as stored (not escaped), figures rounded to one decimal."""
    return {
        "schema": SCHEMA,
        "plan": {"org": r.org, "issuer": r.issuer, "title": r.plan_title, "year": r.plan_year},
        "title": r.title,
        "month": f"{r.year:04d}-{r.month:02d}",
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
                "tasks": [_task_json(t) for t in g.tasks],
            }
            for g in r.goals
        ],
        "problems": list(r.problems),
        "next_month": [
            {"goal": g.id, "tasks": [{"id": t.id, "next_plan": t.next_plan} for t in tasks]} for g, tasks in _planned(r)
        ],
        "issued_by": r.issuer,
        "date": r.period_end.isoformat(),
    }
