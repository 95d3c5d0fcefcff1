"""Reports for a period (月报, 季度报告, 半年工作总结, 年度工作总结) as 公文: ``report_document`` words a
``PeriodReport`` (``report_model``) as a progress report for a month, quarter or half year, or a draft
年度工作总结 in the seed's own shape for a year. ``report_words`` has the wording they share;
``report_text`` (text, Markdown), ``output.docx`` and ``report_json`` lay them out. Headings ``一、`` →
``（一）`` → ``1.`` → ``（1）`` (GB/T 15834), full-width punctuation, dates without leading zeros.

This module is what the CLI calls: it names the builder and the renderers too.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from anmin_track import model
from anmin_track.output import frame, kinds
from anmin_track.output.bulletin import OpenNotice, bulletin_document, bulletin_json
from anmin_track.output.document import Block, Document
from anmin_track.output.report_json import to_json
from anmin_track.output.report_model import PLACEHOLDER, GoalLine, MetricValue, PeriodReport, TaskLine, build_report
from anmin_track.output.report_text import PAGE_RULE, render_markdown, render_text
from anmin_track.output.report_words import (
    _behind_text,
    _day,
    _entry_text,
    _goal_summary,
    _missing_text,
    _next_text,
    _number,
    _outside_plan_year,
    _overview,
    _planned,
    _problems_behind,
    _quiet,
    _reported_problem,
    _silence,
    _task_summary,
    _who,
    baseline_words,
    clean,
    cn_number,
    metric_text,
    period_words,
)
from anmin_track.output.upward import upward_document
from anmin_track.text import cn_date, pct, quoted

# --------------------------------------------------------------------------- the document


def doc_number(pattern: str, year: int, n: int | None) -> str:
    """The 发文字号 from the ``[report]`` pattern; without a number, a gap for the office to fill in."""
    if not pattern:
        return ""
    return pattern.format(year=year, n=n if n is not None else "\u3000\u3000")


def report_document(r: PeriodReport, number: int | None = None) -> Document:
    """The period's document: the 对上报告 for a month or quarter, a draft 年度工作总结 for a year, a 工作总结
    for a half year."""
    if r.period.kind == model.ANNUAL:
        return annual_document(r, number)
    if r.period.kind in (model.MONTHLY, model.QUARTERLY):
        return upward_document(r, _head(r, number), _signature(r))
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


def bulletin(r: PeriodReport, notices: Sequence[OpenNotice]) -> Document:
    """The 对内通报 of the period, with the 督办单 still open at its end."""
    return bulletin_document(r, notices, _signature(r))


# --------------------------------------------------------------------------- the annual summary (年度工作总结)



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

#: What the CLI and the 督办单 use of the reporting modules, named in one place.
__all__ = [
    "PAGE_RULE",
    "PeriodReport",
    "baseline_words",
    "bulletin",
    "bulletin_json",
    "build_report",
    "clean",
    "cn_number",
    "doc_number",
    "render_markdown",
    "render_text",
    "report_document",
    "to_json",
]
