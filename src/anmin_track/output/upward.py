"""The 对上报告 (``report monthly|quarterly``): what the township sends the county — results, substantive
problems and the next period's plan, in about three pages, with the 台账 as its 附件.

Who did not report and the lights by 责任单位 are the township's own business: they are in the 对内通报
(``output.bulletin``), not here. The 序时进度 is stated once (in 一); each task is named at most twice: in 二
when it has news, in 四 when it has a plan (or lags and needs one). 三 states the problems in the words they
were reported in, without naming the tasks again.
"""

from __future__ import annotations

from datetime import date

from anmin_track import model
from anmin_track.output import kinds
from anmin_track.output.document import Block, Document
from anmin_track.output.report_model import MetricValue, PeriodReport, TaskLine
from anmin_track.output.report_words import (
    _against_expected,
    _change_words,
    _day,
    _light,
    _number,
    _outside_plan_year,
    averaged,
    clean,
    cn_number,
    metric_text,
    period_words,
    running_total,
)
from anmin_track.text import cn_date, pct


def attachment_name(r: PeriodReport) -> str:
    """`安民乡2024年重点工作任务推进台账（截至5月31日）`: the 台账 that goes with the report, and its file's name."""
    return f"{r.org}{r.plan_year}年重点工作任务推进台账（截至{_day(r.period_end, r.plan_year)}）"


def upward_body(r: PeriodReport) -> list[Block]:
    """一 to 四 of the report, then 特此报告 and the 附件 line (the caller adds the head and the 落款)."""
    words = period_words(r.period)
    b = [Block("para", f"现将我乡{r.period.label}重点工作推进情况报告如下：")]
    b.append(Block("h1", "总体情况", "一、"))
    b += [Block("para", line) for line in [*_outside_plan_year(r), _overview(r)]]
    b.append(Block("h1", "主要进展", "二、"))
    reported = [(gi, g, [t for t in g.tasks if t.entries]) for gi, g in enumerate(r.goals, 1)]
    if not any(tasks for _, _, tasks in reported):
        b.append(Block("para", f"{words.this}各项重点任务均未报送新进展。"))
    for gi, g, tasks in reported:
        if tasks:  # one paragraph per direction: 一是……。二是……。
            b.append(Block("h2", clean(g.title), f"（{cn_number(gi)}）"))
            b.append(
                Block("para", "".join(f"{cn_number(ti)}是{_progress_text(t, r)}" for ti, t in enumerate(tasks, 1)))
            )
    b.append(Block("h1", "存在问题", "三、"))
    b += [Block("para", text) for text in _problems(r)]
    b.append(Block("h1", words.next, "四、"))
    planned = planned_tasks(r)
    if not planned:
        b.append(Block("para", "各项在办任务均按计划推进。"))
    b += [Block("para", f"{clean(t.title)}：{_plan_text(t)}", f"{i}.") for i, t in enumerate(planned, 1)]
    b.append(Block("closing", "特此报告。"))
    b.append(Block("para", f"附件：{attachment_name(r)}"))
    return b


def upward_document(r: PeriodReport, head: list[Block], signature: list[Block]) -> Document:
    return Document(name=f"{r.org}{r.period.label}重点工作推进情况报告", blocks=(*head, *upward_body(r), *signature))


# --------------------------------------------------------------------------- 一、总体情况


def _overview(r: PeriodReport) -> str:
    """Counts and lights, the average against the previous period and the 序时进度 (its only mention)."""
    c = r.counts
    closed = f"（其中已销号{c['closed']}项）" if c["closed"] else ""
    text = (
        f"{clean(r.plan_title)}共{len(r.goals)}项重点工作、{len(r.tasks)}项重点任务。截至{cn_date(r.period_end)}，"
        f"已完成{c[model.DONE]}项{closed}，亮绿灯{c[model.GREEN]}项、黄灯{c[model.YELLOW]}项、红灯{c[model.RED]}项。"
    )
    if any(t.kind != model.DUTY for t in r.tasks):
        text += (
            f"{averaged(r)}平均完成进度{pct(r.progress)}，{_change_words(r.progress, r.previous, r)}，"
            f"{_against_expected(r.progress, r.expected, r.thresholds)}。"
        )
    return text + f"{period_words(r.period).this}{r.reported_count}项任务报送新进展。"


# --------------------------------------------------------------------------- 二、主要进展


def _progress_text(t: TaskLine, r: PeriodReport) -> str:
    """`高标准建设红色教育基地。5月10日，新增……；5月28日，完成……，红色讲解员23名（2023年为20余名）。完成进度45%，
    较上月末提高15个百分点，亮绿灯。` A 常态 duty says what it did in the period (`本月……`) and its 累计 figures."""
    notes = _latest_notes(t, NOTES_SHOWN[r.period.kind])
    figures = _figures(t, r, " ".join(note for _, note in notes))
    if t.kind == model.DUTY:
        done = "；".join(note for _, note in notes) or "开展相关工作"
        return f"{clean(t.title)}。{period_words(r.period).this}{done}{''.join('，' + f for f in figures)}。{_standing(t, r)}"
    done = "；".join(f"{d.month}月{d.day}日，{note}" for d, note in notes)
    said = "，".join([done, *figures] if done else figures)
    return f"{clean(t.title)}。{said}。{_standing(t, r)}" if said else f"{clean(t.title)}。{_standing(t, r)}"


#: How many of a task's records the report words, the latest distinct ones: a report upward summarises.
NOTES_SHOWN = {model.MONTHLY: 3, model.QUARTERLY: 5}


def _latest_notes(t: TaskLine, limit: int) -> list[tuple[date, str]]:
    """The task's last ``limit`` distinct notes of the period, each with the last day it was reported, in date order."""
    last: dict[str, date] = {}
    for e in reversed(t.entries):
        note = clean(e.note)
        if note:
            last.setdefault(note, e.date)
    return sorted(((d, note) for note, d in last.items()), key=lambda item: item[0])[-limit:]


def _figures(t: TaskLine, r: PeriodReport, notes: str) -> list[str]:
    """Each metric once, at its latest value in the period (not already in the notes' own words); a 常态
    duty's running totals read `累计……`."""
    latest: dict[str, MetricValue] = {}
    for e in t.entries:
        for m in e.metrics:
            latest[m.name] = m
    return [
        running_total(t, m) + metric_text(m, r.plan_year - 1)
        for m in latest.values()
        if f"{_number(m.value)}{m.unit}" not in notes
    ]


def _standing(t: TaskLine, r: PeriodReport) -> str:
    """Where the task stands, in its kind's terms: 常态 what it keeps doing, 创建 the stage, 项目 the percentage."""
    if t.light == model.DONE and t.kind != model.DUTY:
        return f"该项任务已完成{'并销号' if t.closed else ''}。"
    if t.kind == model.DUTY:
        state = kinds.duty_state(t.light, t.lags)
        return "" if state == f"亮{model.LIGHT_LABELS[model.GREEN]}" else f"{state}。"
    if t.kind == model.CREATION:
        light = "" if t.light == model.GREEN and not t.missed else f"，{_light(t)}"
        return f"{kinds.stage_state(t.progress, t.expected)}{light}。"
    light = "" if t.light == model.GREEN and not t.missed else f"，{_light(t)}"  # green is the rule: said in 一
    return f"完成进度{pct(t.progress)}，{_change_words(t.progress, t.previous, r)}{light}。"


# --------------------------------------------------------------------------- 三、存在问题


def lagging(r: PeriodReport) -> list[TaskLine]:
    """Tasks with a completion percentage that are yellow or red against their 序时进度 (or overdue)."""
    return [t for t in r.tasks if t.kind != model.DUTY and t.started and t.light in (model.RED, model.YELLOW)]


def _problems(r: PeriodReport) -> list[str]:
    """`一是部分任务进度滞后……。二是展陈资金缺口约30万元。`: the lag in figures, then each reported problem."""
    items = []
    behind = lagging(r)
    if behind:
        red = sum(t.light == model.RED for t in behind)
        items.append(
            f"部分任务进度滞后，{len(behind)}项任务滞后{_number(r.thresholds[0])}个百分点以上"
            + (f"，其中{red}项亮红灯" if red else "")
        )
    problems = dict.fromkeys(clean(t.problem) for t in r.tasks if t.problem.strip() and t.problem_date)
    items += [p for p in problems if p]
    if not items:
        return [f"{period_words(r.period).this}未发现进度滞后，也未报送存在问题。"]
    return ["".join(f"{cn_number(i)}是{text}。" for i, text in enumerate(items, 1))]


# --------------------------------------------------------------------------- 四、下月工作计划


def planned_tasks(r: PeriodReport) -> list[TaskLine]:
    """The tasks in 四: each open task with a 下步计划 still true for the next period, and each lagging one
    (which gets 【待填写】 when it has none)."""
    lag = {t.id for t in lagging(r)}
    return [t for t in r.tasks if t.light != model.DONE and (t.next_step or t.id in lag)]


def _plan_text(t: TaskLine) -> str:
    text = clean(t.next_step)
    return f"{text}。" if text else t.named_next_step


def unplanned(r: PeriodReport) -> list[TaskLine]:
    """The tasks 四 prints 【待填写】 for: the office writes their plan before sending (listed on stderr)."""
    return [t for t in planned_tasks(r) if not t.next_step]
