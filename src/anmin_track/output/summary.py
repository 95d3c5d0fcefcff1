"""The 半年 and 年度 工作总结 in the township's own voice, shaped as the seed's 2023 总结 is: a lead
(`2024年上半年，安民乡在县委、县政府的坚强领导下，……`), then per direction `一是……。二是……。` — each task's
work in the words of its last record in the period, its figures (the year's against the baseline), and where it
stands — then the problems, then the plans, with 【待填写】 where the data has nothing to say.

Half year: 一、上半年工作开展情况 二、存在的问题 三、下半年工作打算. Year: 一、2024年工作总结
二、存在的问题和不足 三、2025年工作思路要点 (a draft the office writes; the plans recorded are listed for reference).
"""

from __future__ import annotations

from datetime import date

from anmin_track import model
from anmin_track.output import kinds
from anmin_track.output.document import Block, Document
from anmin_track.output.report_model import PLACEHOLDER, GoalLine, MetricValue, PeriodReport, TaskLine
from anmin_track.output.report_words import (
    _number,
    _outside_plan_year,
    averaged,
    baseline_words,
    clean,
    cn_number,
    metric_text,
    period_words,
    running_total,
)
from anmin_track.text import cn_date, pct, quoted


def summary_document(r: PeriodReport, head: list[Block], signature: list[Block]) -> Document:
    annual = r.period.kind == model.ANNUAL
    this = f"{r.year}年" if annual else period_words(r.period).this
    b = [*head, *(Block("para", line) for line in _outside_plan_year(r)), Block("para", _lead(r))]
    b.append(Block("h1", f"{r.year}年工作总结" if annual else f"{this}工作开展情况", "一、"))
    for gi, g in enumerate(r.goals, 1):
        b.append(Block("h2", clean(g.title), f"（{cn_number(gi)}）"))
        b.append(Block("para", _direction(g, r)))
    b.append(Block("h1", "存在的问题和不足" if annual else "存在的问题", "二、"))
    b.append(Block("para", _problems(r)))
    b += _plans(r)
    if r.upward:
        b.append(Block("closing", "特此报告。"))
    b += signature
    return Document(name=r.title, blocks=tuple(b))


# --------------------------------------------------------------------------- the lead


def _lead(r: PeriodReport) -> str:
    """`2024年上半年，安民乡在县委、县政府的坚强领导下，围绕打造好……的目标，扎实推进……。现将……总结如下：`"""
    done, closed = r.counts[model.DONE], r.counts["closed"]
    aim = f"围绕{clean(r.aim)}的目标，" if r.aim.strip() else ""
    average = f"，{averaged(r)}平均完成进度{pct(r.progress)}" if any(t.kind != model.DUTY for t in r.tasks) else ""
    return (
        f"{r.period.label}，{clean(r.org)}在县委、县政府的坚强领导下，{aim}扎实推进《{clean(r.cited)}》确定的"
        f"{len(r.goals)}项重点工作、{len(r.tasks)}项重点任务。截至{cn_date(r.period_end)}，"
        f"已完成{done}项{f'（其中已销号{closed}项）' if closed else ''}{average}。"
        f"现将{r.period.label}工作总结如下："
    )


# --------------------------------------------------------------------------- 一: per direction


def _direction(g: GoalLine, r: PeriodReport) -> str:
    """`围绕……，3项重点任务已完成1项。一是……。二是……。` Tasks without a record in the period are not listed here:
    they are in 二 when they lag."""
    done = sum(t.light == model.DONE for t in g.tasks)
    lead = f"围绕{quoted(clean(g.lead))}，" if g.lead else ""
    if done == len(g.tasks):
        finished = f"{len(g.tasks)}项重点任务均已完成"
    else:
        finished = f"{len(g.tasks)}项重点任务已完成{done}项" if done else f"{len(g.tasks)}项重点任务均在推进中"
    closed = sum(t.closed for t in g.tasks)
    finished += f"，其中已销号{closed}项" if closed else ""
    worked = [t for t in g.tasks if t.entries]
    items = "".join(f"{cn_number(n)}是{_work(t, r)}" for n, t in enumerate(worked, 1))
    if not worked:
        items = (
            f"{period_words(r.period).this}各项任务未报送进展。"
            if r.period.kind != model.ANNUAL
            else "全年各项任务未报送进展。"
        )
    return f"{lead}{finished}。{items}"


def _work(t: TaskLine, r: PeriodReport) -> str:
    """`高标准建设红色教育基地。完成布展招标，红色讲解员23名（2023年为20余名），总体按序时推进。`: the last record's
    words, each metric's latest figure, and an outcome phrase."""
    note = clean(t.entries[-1].note)
    figures = _figures(t, r, note)
    closing = outcome(t, r.period.kind == model.ANNUAL)
    return f"{clean(t.title)}。" + "，".join([*([note] if note else []), *figures, closing]) + "。"


def _figures(t: TaskLine, r: PeriodReport, note: str) -> list[str]:
    latest: dict[str, tuple[date, MetricValue]] = {}
    for e in t.entries:
        for m in e.metrics:
            latest[m.name] = (e.date, m)
    out = []
    for day, m in latest.values():
        if f"{_number(m.value)}{m.unit}" in note:
            continue  # the record's own words say it
        year_end = r.period.kind == model.ANNUAL and day.month == 12
        out.append(running_total(t, m) + versus_baseline(m, r.plan_year - 1, year_end))
    return out


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


def outcome(t: TaskLine, year_over: bool = False) -> str:
    """Where a task stands, as a 总结 says it: `已完成并销号`, `总体按序时推进`, `进度滞后于序时`, `已进入评审阶段`,
    `常态化推进`, at the year's end `年度任务尚未完成` — never a bare percentage."""
    if t.light == model.DONE:
        if t.kind == model.DUTY:
            return "全年常态开展"
        return "已完成并销号" if t.closed else "已完成"
    if t.kind == model.DUTY:
        lag = [w for w in kinds.duty_state(t.light, t.lags).split("，")[1:]]
        return "，".join(["常态化推进", *lag])
    if t.overdue:
        return "已逾期，尚未完成"
    behind = "，进度滞后于序时" if t.light in (model.RED, model.YELLOW) else ""
    if year_over:
        behind = "，年度任务尚未完成"
    if t.kind == model.CREATION:
        stage = model.stage_name(t.progress)
        return (f"已进入{stage}阶段" if t.progress else "尚未申报") + behind
    return behind.lstrip("，") or "总体按序时推进"


# --------------------------------------------------------------------------- 二: problems


def _problems(r: PeriodReport) -> str:
    """`一是部分任务进度滞后，……。二是展陈资金缺口约30万元（高标准建设红色教育基地）。` Substantive problems only:
    who did not report is the bulletin's business."""
    items = []
    lagging = [t for t in r.tasks if t.kind != model.DUTY and t.started and t.light in (model.RED, model.YELLOW)]
    if lagging:
        # quoted, since a title may have its own 、; quoted items in a series take no 、 (GB/T 15834 4.5.3.5)
        names = "".join(quoted(clean(t.title)) for t in lagging)
        many = "等" if len(lagging) > 1 else ""
        if r.period.kind == model.ANNUAL:
            items.append(f"部分任务未完成年度目标，{names}{many}{len(lagging)}项任务尚未完成")
        else:
            items.append(f"部分任务进度滞后，{names}{many}{len(lagging)}项任务落后序时进度")
    items += [f"{clean(t.problem)}（{clean(t.title)}）" for t in r.tasks if t.problem.strip() and t.problem_date]
    if not items:
        return PLACEHOLDER
    return "".join(f"{cn_number(i)}是{text}。" for i, text in enumerate(items, 1))


# --------------------------------------------------------------------------- 三: plans


def _plans(r: PeriodReport) -> list[Block]:
    if r.period.kind == model.ANNUAL:
        return _next_year(r)
    heading = "下半年工作打算" if r.period.start.month == 1 else f"{r.year + 1}年工作打算"
    b = [Block("h1", heading, "三、")]
    for gi, g in enumerate(r.goals, 1):
        steps = [t for t in g.tasks if t.next_step and t.light != model.DONE]
        b.append(Block("h2", clean(g.title), f"（{cn_number(gi)}）"))
        text = "".join(f"{cn_number(n)}是{clean(t.title)}：{clean(t.next_step)}。" for n, t in enumerate(steps, 1))
        b.append(Block("para", text or PLACEHOLDER))
    return b


def _next_year(r: PeriodReport) -> list[Block]:
    b = [
        Block("h1", f"{r.year + 1}年工作思路要点", "三、"),
        Block(
            "para",
            f"{PLACEHOLDER}请结合县委、县政府部署和我乡实际，按重点工作逐项提出{r.year + 1}年工作思路要点，"
            "定稿前删除本段及以下参考内容。",
        ),
    ]
    steps = [t for t in r.tasks if t.next_step and t.light != model.DONE]
    if steps:
        b.append(Block("para", "参考：未完成任务填报的下步计划——"))
        b += [Block("para", f"{clean(t.title)}：{clean(t.next_step)}。", f"{i}.") for i, t in enumerate(steps, 1)]
    return b
