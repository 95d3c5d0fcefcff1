"""How a report words things: periods, changes against the previous period and the 序时进度, metrics and
their baselines, lights, silences, problems and plans; text from the data made fit for a document."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from anmin_track import model
from anmin_track.output import kinds
from anmin_track.output.report_model import MetricValue, PeriodReport, TaskLine
from anmin_track.text import cn_date, document_text, pct, percent

CN_NUMBERS = "一二三四五六七八九十"


# --------------------------------------------------------------------------- wording


def cn_number(n: int) -> str:
    """Chinese numerals, generated: 一, 十, 十二, 二十一, 一百零五, 一千零一十; Arabic digits from 10000 on."""
    if not 0 < n < 10000:
        return str(n)
    digits = "零" + CN_NUMBERS[:9]
    text, zero = "", False
    for power, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // power % 10
        if digit:
            text += ("零" if zero and text else "") + ("" if (power == 10 and n < 20) else digits[digit]) + unit
            zero = False
        elif text:
            zero = True
    return text


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


def gap_points(progress: float, expected: float, thresholds: tuple[float, ...] = ()) -> str:
    """How far ``progress`` is behind ``expected``, in points as printed: the difference of the two printed
    percentages, except where that sits on a light threshold the real gap does not (`9.7` under a 10-point
    rule: `10` beside a green light would read as yellow); then one decimal of the real gap. Negative: ahead."""
    shown = percent(expected) - percent(progress)
    real = expected - progress
    if abs(shown) in thresholds and abs(abs(real) - abs(shown)) > 1e-9:
        return f"{real:.1f}"
    return str(shown)


def _against_expected(progress: float, expected: float, thresholds: tuple[float, ...] = ()) -> str:
    """`低于序时进度（46%）13个百分点` / 高于 / 与序时进度（46%）持平."""
    gap = gap_points(progress, expected, thresholds)
    if gap == "0":
        return f"与序时进度（{pct(expected)}）持平"
    if not gap.startswith("-"):
        return f"低于序时进度（{pct(expected)}）{gap}个百分点"
    return f"高于序时进度（{pct(expected)}）{gap[1:]}个百分点"


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


def running_total(t: TaskLine, m: MetricValue) -> str:
    """`累计` before a 常态 duty's running count (not before a rate, nor a figure set against a target, which
    ``metric_text`` words itself)."""
    return "累计" if t.kind == model.DUTY and m.basis == model.CUMULATIVE and not m.target and m.unit != "%" else ""


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


def _outside_plan_year(r: PeriodReport) -> list[str]:
    if r.in_plan_year:
        return []
    return [
        f"{r.period.label}不在{r.plan_title}的计划年度（{r.plan_year}年）内，"
        f"以下情况按{cn_date(r.period_end)}评估，仅供参考。"
    ]


def averaged(r: PeriodReport) -> str:
    """Whose average the report states: every task's, or only those with a completion percentage
    (常态 duties have none): `重点任务` / `有完成进度的12项重点任务`."""
    measured = sum(t.kind != model.DUTY for t in r.tasks)
    return "重点任务" if measured == len(r.tasks) else f"有完成进度的{measured}项重点任务"
