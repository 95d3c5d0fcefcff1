"""The 督办单 (supervision notice): one page per task in the same 公文 frame as the reports.

Pure: the caller (``actions``) has chosen the tasks, evaluated them as of one day and
taken their numbers; this words each notice as a ``Document`` that ``output.report``'s
text and Markdown renderers and ``output.docx`` lay out. Several notices are one
document with a page break between them.

A notice reads::

    督办〔2024〕3号
    关于加快推进“加大反电信诈骗工作力度”任务的督办单
    乡综治办：
        “加大反电信诈骗工作力度”（任务编号2.2）是《…》确定的重点任务，…现予督办。
        责任分工：…  推进情况：…  存在问题：…  办理要求：…（每项一段）
    安民乡人民政府
    2024年6月3日
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from anmin_track import model
from anmin_track.output import kinds
from anmin_track.output.document import Block, Document
from anmin_track.output.frame import title_lines
from anmin_track.output.report_words import _against_expected, _day, clean
from anmin_track.text import cn_date, pct, quoted
from anmin_track.tuples import NamedTuple


class NoticeFacts(Protocol):
    """What one notice says, as the caller found it (``actions.NoticeSubject`` has these)."""

    @property
    def code(self) -> str: ...  # 督办〔2024〕3号 (a gap for the number in a preview)

    @property
    def status(self) -> model.TaskStatus: ...  # as of the day evaluated

    @property
    def goal(self) -> model.Goal: ...

    @property
    def problem(self) -> model.Record | None: ...  # the latest non-empty 存在问题 (None: none, or cleared)


class NoticeFrame(NamedTuple):
    """What every notice of one run shares."""

    plan: model.Plan
    signed: date  # 成文日期
    as_of: date  # the day the tasks were evaluated
    reply_by: date  # 反馈期限


def notices_document(frame: NoticeFrame, notices: Sequence[NoticeFacts]) -> Document:
    """All notices of one run, each starting on a new page."""
    blocks: list[Block] = []
    for n, facts in enumerate(notices):
        if n:
            blocks.append(Block("page_break"))
        blocks += notice_blocks(frame, facts)
    return Document(name=f"{frame.plan.org}督办单", blocks=tuple(blocks))


def notice_blocks(frame: NoticeFrame, facts: NoticeFacts) -> list[Block]:
    task = facts.status.task
    title = clean(task.title)
    b = [Block("doc_number", facts.code), Block("title", title_lines(("关于加快推进", quoted(title), "任务的督办单")))]
    to = addressee(task)
    if to:
        b.append(Block("addressee", to + "："))
    b.append(Block("para", _opening(frame, facts)))
    b.append(Block("para", _duties(task), "责任分工："))
    b.append(Block("para", _progress(frame, facts.status), "推进情况："))
    b.append(Block("para", _problem(frame, facts.problem), "存在问题："))
    b.append(Block("para", _requirements(frame, facts, to), "办理要求："))
    b.append(Block("issuer", clean(frame.plan.issuer or frame.plan.org)))
    b.append(Block("date", cn_date(frame.signed)))
    return b


def addressee(task: model.Task) -> str:
    """Who the notice is sent to: the 责任单位, else the 牵头领导 or 责任人 by name ("" when none is set)."""
    if task.unit.strip():
        return clean(task.unit)
    for person in (task.lead, task.owner):
        if person.strip():
            return f"{clean(person)}同志"
    return ""


def _behind(status: model.TaskStatus) -> bool:
    return status.light in (model.RED, model.YELLOW) or status.overdue or status.missed is not None


def _opening(frame: NoticeFrame, facts: NoticeFacts) -> str:
    plan, task = frame.plan, facts.status.task
    why = "推进滞后，现予督办" if _behind(facts.status) else "现就有关事项予以督办"
    return (
        f"{quoted(clean(task.title))}（任务编号{task.id}）是《{clean(plan.org + plan.title)}》确定的重点任务，"
        f"完成时限为{cn_date(task.due)}。截至{cn_date(frame.as_of)}，该项任务{why}。"
    )


def _named_duties(task: model.Task) -> list[tuple[str, str]]:
    return [
        (label, clean(value))
        for label, value in (("牵头领导", task.lead), ("责任单位", task.unit), ("责任人", task.owner))
    ]


def _missing_duties(task: model.Task) -> list[str]:
    return [label for label, value in _named_duties(task) if not value]


def _duties(task: model.Task) -> str:
    given = [f"{label}{value}" for label, value in _named_duties(task) if value]
    missing = _missing_duties(task)
    text = "；".join(given)
    if task.partners:
        text += f"{'；' if text else ''}配合单位{'、'.join(clean(p) for p in task.partners)}"
    if missing:
        text += f"{'；' if text else ''}{'、'.join(missing)}{'均' if len(missing) > 1 else ''}尚未明确"
    return text + "。"


def _standing(status: model.TaskStatus) -> str:
    """Where the task stands, in its kind's terms: a project by its percent, a 创建 task by its stage, a 常态
    duty by its light and any targeted metric behind (a county never scores a duty in percent)."""
    kind = status.task.kind
    if kind == model.DUTY:
        return f"{kinds.kind_words(kind)}，{kinds.duty_state(status.light, status.lags)}"
    light = model.LIGHT_LABELS[status.light]
    if kind == model.CREATION:
        return f"{kinds.kind_words(kind)}，{kinds.stage_state(status.progress, status.expected)}，亮{light}"
    return f"当前进度{pct(status.progress)}，{_against_expected(status.progress, status.expected)}，亮{light}"


def _progress(frame: NoticeFrame, status: model.TaskStatus) -> str:
    year = frame.signed.year
    parts = [_standing(status)]
    if status.overdue:
        parts.append(f"已超过完成时限（{cn_date(status.task.due)}）")
    if status.missed is not None:
        by = _day(status.missed.date, year)
        if status.task.kind == model.CREATION:
            parts.append(f"未达到阶段期限要求（{by}前应进入{model.stage_name(status.missed.percent)}阶段）")
        else:
            parts.append(f"未达到时间节点要求（{by}前达到{status.missed.percent}%）")
    latest = status.latest
    if latest is None:
        parts.append("本年度尚未报送进展" if status.task.carried_from else "尚未报送过进展")
    elif status.stale:
        parts.append(f"自{_day(latest.date, year)}以来未报送进展")
    else:
        parts.append(f"最近一次于{_day(latest.date, year)}报送进展")
    return "，".join(parts) + "。"


def _problem(frame: NoticeFrame, problem: model.Record | None) -> str:
    if problem is None:
        return "未报送。"
    return f"{clean(problem.problem)}（{_day(problem.date, frame.signed.year)}报送）。"


def _requirements(frame: NoticeFrame, facts: NoticeFacts, to: str) -> str:
    task = facts.status.task
    missing = _missing_duties(task)
    who = to if task.unit.strip() else ""
    ask = f"尽快明确{'、'.join(missing)}，" if missing else ""
    if _behind(facts.status):
        act = "认真分析进度滞后原因，明确整改措施和完成时间，加快推进"
    else:
        act = "针对上述情况，明确解决措施和完成时间，抓好落实"
    issuer = clean(frame.plan.issuer or frame.plan.org)
    return f"请{who}{ask}{act}，并于{cn_date(frame.reply_by)}前将办理情况书面反馈{issuer}。"
