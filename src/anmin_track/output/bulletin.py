"""The 对内通报 (``report bulletin``): the township's own account of a month or quarter — lights counted and
ranked by 责任单位 and by 牵头领导, the red and yellow tasks with what is behind, who did not report, overdue
tasks and open 督办单. Sent inward (to the 村 and the township's offices), so no 字号 or 签发人.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from anmin_track import model
from anmin_track.output import frame, kinds
from anmin_track.output.document import Block, Document
from anmin_track.output.report_model import PeriodReport, TaskLine
from anmin_track.output.report_words import (
    _against_expected,
    _change_words,
    _day,
    _light,
    _silence,
    _who,
    averaged,
    clean,
    cn_number,
    gap_points,
    period_words,
)
from anmin_track.text import cn_date, pct

ADDRESSEE = "各村、乡属各单位"
UNASSIGNED = "未明确"


@dataclass(frozen=True)
class OpenNotice:
    """A 督办单 not yet settled as of the bulletin's day (``actions.notices_as_of``)."""

    code: str
    task: str
    title: str
    signed: date
    reply_by: date
    status: str  # 待签收 / 办理中 / 逾期未反馈, as of the bulletin's day

    @property
    def overdue(self) -> bool:
        return self.status == model.NOTICE_OVERDUE


@dataclass(frozen=True)
class Tally:
    """One 责任单位's or 牵头领导's tasks by light."""

    name: str
    tasks: int
    done: int
    green: int
    yellow: int
    red: int
    missing: int  # 未按时报送

    @property
    def rank_key(self) -> tuple:
        return (-self.red, -self.yellow, -self.missing, -(self.done + self.green))


def tallies(tasks: Sequence[TaskLine], who: str) -> list[Tally]:
    """Tasks counted by ``who`` (``unit`` or ``lead``), worst first: most red, then yellow, then not reported."""
    groups: dict[str, list[TaskLine]] = {}
    for t in tasks:
        groups.setdefault(clean(getattr(t, who)) or UNASSIGNED, []).append(t)
    lines = []
    for name, mine in groups.items():
        lights = [t.light for t in mine]
        lines.append(
            Tally(
                name,
                len(mine),
                lights.count(model.DONE),
                lights.count(model.GREEN),
                lights.count(model.YELLOW),
                lights.count(model.RED),
                sum(t.missing for t in mine),
            )
        )
    return sorted(lines, key=lambda line: line.rank_key)  # stable: plan order among equals


def _tally_text(line: Tally, this: str) -> str:
    parts = [
        f"{label}{n}项"
        for label, n in (("红灯", line.red), ("黄灯", line.yellow), ("绿灯", line.green), ("已完成", line.done))
        if n
    ]
    missing = f"，{this}未报送进展{line.missing}项" if line.missing else ""
    return f"{line.name}：共{line.tasks}项，{'、'.join(parts)}{missing}。"


def _behind(t: TaskLine, r: PeriodReport) -> str:
    """`加快农村生活污水终端提升（责任单位：乡建设办）：亮红灯，完成进度0%，落后序时进度42个百分点，尚未报送过进展；存在问题：……。`"""
    if t.kind == model.DUTY:
        state = [f"常态工作，{kinds.duty_state(t.light, t.lags)}"]
    elif t.kind == model.CREATION:
        state = [_light(t), kinds.stage_state(t.progress, t.expected)]
    else:
        state = [_light(t), f"完成进度{pct(t.progress)}"]
        gap = gap_points(t.progress, t.expected, r.thresholds)
        if float(gap) > 0:
            state.append(f"落后序时进度{gap}个百分点")
    if t.stale or t.missing:
        state.append(_silence(t, r))
    problem = (
        f"；存在问题：{clean(t.problem)}（{_day(t.problem_date, r.year)}报送）" if t.problem and t.problem_date else ""
    )
    return f"{clean(t.title)}{_who(t)}：{'，'.join(state)}{problem}。"


def _notice_text(n: OpenNotice, r: PeriodReport) -> str:
    state = n.status if n.overdue else f"{n.status}，反馈期限{_day(n.reply_by, r.year)}"
    return f"{clean(n.code)}（{clean(n.title)}，{_day(n.signed, r.year)}发出）：{state}。"


def red_and_yellow(r: PeriodReport) -> list[TaskLine]:
    return [r.task(tid) for tid in r.problems if r.task(tid).light in (model.RED, model.YELLOW)]


def overdue(r: PeriodReport) -> list[TaskLine]:
    return [t for t in r.tasks if t.overdue and t.light != model.DONE]


def bulletin_words(r: PeriodReport) -> tuple[str, ...]:
    return (r.org, "关于", r.period.label, "重点工作", "推进情况", "的通报")


def bulletin_document(r: PeriodReport, notices: Sequence[OpenNotice], signature: list[Block]) -> Document:
    """标题, 主送, 一 总体情况 … 六 督办单办理情况, the request to the offices, 落款."""
    this = period_words(r.period).this
    b = [Block("title", frame.title_lines(bulletin_words(r))), Block("addressee", f"{ADDRESSEE}：")]
    b.append(Block("para", f"现将{r.period.label}重点工作推进情况通报如下："))
    sections: list[tuple[str, list[Block]]] = [
        ("总体情况", [Block("para", _overview(r))]),
        ("亮灯情况", _lights(r, this)),
        ("红灯、黄灯任务", _numbered([_behind(t, r) for t in red_and_yellow(r)], "无亮红灯、黄灯的任务。")),
        (
            "未按时报送",
            _numbered(
                [f"{clean(t.title)}{_who(t)}：{_silence(t, r)}。" for t in r.missing],
                f"各项在办任务{this}均已报送进展。",
            ),
        ),
        ("逾期未完成", _numbered([_behind(t, r) for t in overdue(r)], "无逾期未完成的任务。")),
        ("督办单办理情况", _numbered([_notice_text(n, r) for n in notices], "无在办的督办单。")),
    ]
    for i, (heading, blocks) in enumerate(sections, 1):
        b.append(Block("h1", heading, f"{cn_number(i)}、"))
        b += blocks
    b.append(
        Block(
            "closing",
            "请各责任单位对照通报，红灯、黄灯任务逐项分析原因、明确措施，未按时报送的及时补报进展，"
            "督办事项按期反馈办理情况。",
        )
    )
    b.append(Block("closing", "特此通报。"))
    b += signature
    return Document(name="".join(bulletin_words(r)), blocks=tuple(b))


def _numbered(items: list[str], none: str) -> list[Block]:
    if not items:
        return [Block("para", none)]
    return [Block("para", text, f"{i}.") for i, text in enumerate(items, 1)]


def _overview(r: PeriodReport) -> str:
    c = r.counts
    closed = f"（其中已销号{c['closed']}项）" if c["closed"] else ""
    this = period_words(r.period).this
    return (
        f"{clean(r.plan_title)}共{len(r.goals)}项重点工作、{len(r.tasks)}项重点任务。截至{cn_date(r.period_end)}，"
        f"已完成{c[model.DONE]}项{closed}，亮绿灯{c[model.GREEN]}项、黄灯{c[model.YELLOW]}项、红灯{c[model.RED]}项。"
        f"{averaged(r)}平均完成进度{pct(r.progress)}，{_change_words(r.progress, r.previous, r)}，"
        f"{_against_expected(r.progress, r.expected, r.thresholds)}。"
        f"{this}{r.reported_count}项任务报送进展，{len(r.missing)}项未按时报送。"
    )


def _lights(r: PeriodReport, this: str) -> list[Block]:
    b = [Block("para", "以下按红灯、黄灯、未报送项数从多到少排列。")]
    for i, (who, label) in enumerate((("unit", "按责任单位"), ("lead", "按牵头领导")), 1):
        b.append(Block("h2", label, f"（{cn_number(i)}）"))
        b += [Block("para", _tally_text(line, this), f"{n}.") for n, line in enumerate(tallies(r.tasks, who), 1)]
    return b


def bulletin_json(r: PeriodReport, notices: Sequence[OpenNotice]) -> dict:
    """The bulletin's data for scripts: the report's JSON with the tallies, lists and 督办单."""
    from anmin_track.output.report_json import to_json

    def tally(line: Tally) -> dict:
        return {k: getattr(line, k) for k in ("name", "tasks", "done", "green", "yellow", "red", "missing")}

    return {
        **to_json(r),
        "schema": f"anmin.bulletin.{r.period.kind}/1",
        "title": "".join(bulletin_words(r)),
        "by_unit": [tally(line) for line in tallies(r.tasks, "unit")],
        "by_lead": [tally(line) for line in tallies(r.tasks, "lead")],
        "red_yellow": [t.id for t in red_and_yellow(r)],
        "missing": [t.id for t in r.missing],
        "overdue": [t.id for t in overdue(r)],
        "notices": [
            {
                "code": n.code,
                "task": n.task,
                "signed": n.signed.isoformat(),
                "reply_by": n.reply_by.isoformat(),
                "status": n.status,
                "overdue": n.overdue,
            }
            for n in notices
        ],
    }
