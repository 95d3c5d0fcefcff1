"""The 督办单 (supervision notice): a one-page form per task, in the same 公文 frame as the reports.

Pure: the caller (``actions``) has chosen the tasks, evaluated them as of one day,
decided whom each goes to and taken their numbers; this lays each notice out as a
``Document`` that ``output.report``'s text and Markdown renderers and ``output.docx`` lay
out. Several notices are one document, each in a section of its own (its pages numbered
from 1). A notice reads::

    关于加快推进“加大反电信诈骗工作力度”任务的督办单
    督办编号 督办〔2024〕3号        成文日期 2024年6月3日
    督办事项 “…”（任务编号2.2），《安民乡2024年工作思路要点》：（依据原文）
    责任领导 …                      责任单位 …
    责任人   …                      办理时限 …
    督办等级 红色                   反馈期限 …
    推进情况 / 存在问题 / 督办要求（一栏一行）
    办理情况反馈（空白，由责任单位填写）
    签收人   （空白）               签收时间 　　年　　月　　日
    领导签批（空白）
    联系人   …                      联系电话 …
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

#: Written by hand on the printed form: left blank.
BLANK = ""
DATE_BLANK = "\u3000\u3000年\u3000\u3000月\u3000\u3000日"


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

    @property
    def to(self) -> str: ...  # 主送: the 责任单位, or a person (…同志), or ``--to``

    @property
    def level(self) -> str: ...  # 督办等级: 黄色 / 红色


class NoticeFrame(NamedTuple):
    """What every notice of one run shares."""

    plan: model.Plan
    signed: date  # 成文日期
    as_of: date  # the day the tasks were evaluated
    reply_by: date  # 反馈期限


def notices_document(frame: NoticeFrame, notices: Sequence[NoticeFacts]) -> Document:
    """All notices of one run, each in a section of its own (a new page, its pages numbered from 1)."""
    blocks: list[Block] = []
    for n, facts in enumerate(notices):
        if n:
            blocks.append(Block("section_break"))
        blocks += notice_blocks(frame, facts)
    return Document(name=f"{frame.plan.org}督办单", blocks=tuple(blocks))


def _pair(label: str, text: str, label2: str, text2: str) -> list[Block]:
    return [Block("field_half", text, label), Block("field_half", text2, label2)]


def notice_blocks(frame: NoticeFrame, facts: NoticeFacts) -> list[Block]:
    task, report = facts.status.task, frame.plan.report
    title = clean(task.title)
    return [
        Block("title", title_lines(("关于加快推进", quoted(title), "任务的督办单"))),  # fmt: skip
        *_pair("督办编号", facts.code, "成文日期", cn_date(frame.signed)),
        Block("field", _matter(frame, facts), "督办事项"),
        *_pair("责任领导", clean(task.lead) or "尚未明确", "责任单位", _units(task)),
        *_pair("责任人", clean(task.owner) or "尚未明确", "办理时限", cn_date(task.due)),
        *_pair("督办等级", facts.level, "反馈期限", cn_date(frame.reply_by)),
        Block("field", _progress(frame, facts.status), "推进情况"),
        Block("field", _problem(frame, facts.problem), "存在问题"),
        Block("field", _requirements(frame, facts), "督办要求"),
        Block("field", BLANK, "办理情况反馈"),
        *_pair("签收人", BLANK, "签收时间", DATE_BLANK),
        Block("field", BLANK, "领导签批"),
        *_pair("联系人", clean(report.contact), "联系电话", clean(report.phone)),
        Block("issuer", clean(frame.plan.issuer or frame.plan.org)),
        Block("date", cn_date(frame.signed)),
    ]


def _matter(frame: NoticeFrame, facts: NoticeFacts) -> str:
    """督办事项: the task, the plan it is from, its source's words, and why it is supervised."""
    plan, task = frame.plan, facts.status.task
    why = (
        f"截至{cn_date(frame.as_of)}，该项任务推进滞后，现予督办。"
        if _behind(facts.status)
        else "现就该项任务有关事项予以督办。"
    )
    source = f"（原文：{quoted(clean(task.source))}）" if task.source.strip() else ""
    return f"{quoted(clean(task.title))}（任务编号{task.id}）是《{clean(plan.cited)}》确定的重点任务{source}。{why}"


def _units(task: model.Task) -> str:
    unit = clean(task.unit) or "尚未明确"
    if task.partners:
        return f"{unit}（配合单位：{'、'.join(clean(p) for p in task.partners)}）"
    return unit


def _behind(status: model.TaskStatus) -> bool:
    return status.light in (model.RED, model.YELLOW) or status.overdue or status.missed is not None


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
        return "未填报。"
    return f"{clean(problem.problem)}（{_day(problem.date, frame.signed.year)}报送）。"


def _requirements(frame: NoticeFrame, facts: NoticeFacts) -> str:
    task = facts.status.task
    named = (("牵头领导", task.lead), ("责任单位", task.unit), ("责任人", task.owner))
    missing = [label for label, value in named if not value.strip()]
    ask = f"尽快明确{'、'.join(missing)}，" if missing else ""
    if _behind(facts.status):
        act = "认真分析进度滞后原因，明确整改措施和完成时间，加快推进"
    else:
        act = "针对上述情况，明确解决措施和完成时间，抓好落实"
    reply_to = clean(frame.plan.report.reply_to) or clean(frame.plan.issuer or frame.plan.org)
    return f"请{clean(facts.to)}{ask}{act}，并于{cn_date(frame.reply_by)}前将办理情况书面反馈{reply_to}。"
