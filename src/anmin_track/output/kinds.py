"""The report's words for what is not a project: 常态 duties (what was done, never a percentage),
创建 stages, and metrics by their 口径 (累计 or 当期) and year target.

report.py keeps the wording of projects; it asks here wherever a task's kind or a metric's basis
changes what is said. Pure: text from values.
"""

from __future__ import annotations

from anmin_track import model
from anmin_track.text import pct


def progress_part(kind: str, progress: int | None) -> str:
    """The close of a record's sentence: `进度达到45%`, `进入评审阶段`, or nothing for a 常态 duty."""
    if progress is None or kind == model.DUTY:
        return ""
    if kind == model.CREATION:
        return f"进入{model.stage_name(progress)}阶段" if progress else "尚未申报"
    return f"进度达到{progress}%"


def number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.2f}".rstrip("0").rstrip(".")


def basis_prefix(basis: str, target: float | None) -> str:
    """`本月` before a month's figure; `累计` before a running total set against a target; else nothing
    (a plain 累计 figure reads as it always has)."""
    if basis == model.PERIODIC:
        return "本月"
    return "累计" if target else ""


def target_words(value: float, target: float | None, basis: str) -> str:
    """`，为全年目标的63%` for a running total with a year target."""
    if not target or basis != model.CUMULATIVE:
        return ""
    return f"，为全年目标的{pct(value / target * 100)}"


def duty_state(light: str, lags: tuple[model.MetricLag, ...]) -> str:
    """A 常态 duty's standing: its light, and a targeted metric behind its pro-rata share."""
    words = [f"亮{model.LIGHT_LABELS[light]}" if light != model.DONE else "全年常态开展"]
    for lag in lags:
        if lag.behind > 0:
            unit = lag.metric.unit
            value = number(lag.value or 0)
            words.append(f"{lag.metric.name}{value}{unit}，按序时应达{number(round(lag.expected, 1))}{unit}")
    return "，".join(words)


def stage_state(progress: float, expected: float) -> str:
    """A 创建 task's standing: `处于评审阶段（按阶段期限应达命名）`."""
    now, due = model.stage_name(progress), model.stage_name(expected)
    return f"处于{now}阶段" + ("" if due == now or expected <= progress else f"（按阶段期限应达{due}阶段）")


def kind_words(kind: str) -> str:
    return {model.DUTY: "常态工作", model.CREATION: "创建任务"}.get(kind, "")
