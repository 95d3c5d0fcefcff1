"""督办单 (supervision notices): numbered from the register, issued for red or named tasks."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from anmin_track import assess, model, parse, store
from anmin_track.actions.common import _shown
from anmin_track.actions.notice_loop import NoticeItem, _items, notices_as_of, open_by_task
from anmin_track.actions.years import plan_view
from anmin_track.errors import AnminError, InputError, WriteError
from anmin_track.text import cn_date
from anmin_track.tuples import NamedTuple

if TYPE_CHECKING:
    from anmin_track.store.notice_state import States
    from anmin_track.store.notices import IssuedNotice


# --------------------------------------------------------------------------- 督办单 (supervision notices)

#: The number printed on a 督办单 unless ``[report] notice_number`` says otherwise:
#: ``{n}`` counts within the signing ``{year}``.
NOTICE_NUMBER = "督办〔{year}〕{n}号"
#: Working days from the signing date to the reply deadline when ``--reply-by`` is not given
#: (Saturdays, Sundays and the plan's ``[settings] holidays`` skipped; ``--reply-by`` says otherwise).
REPLY_DAYS = 5
#: A signing date further than this from today, or before the task's start, is asked about first:
#: a number once taken can never be returned.
DATE_DOUBT_DAYS = 30
#: 督办等级: from the task's light (red: 红色, else 黄色), or ``--level``.
LEVELS = ("黄色", "红色")


class NoticeRequest(NamedTuple):
    """`report notice` as typed: task ids (none: every red task) and the dates, parsed."""

    tasks: tuple[str, ...]
    signed: date  # 成文日期
    as_of: date | None = None  # the day the tasks are evaluated; default the signing date
    reply_by: date | None = None  # 反馈期限; default REPLY_DAYS working days after the signing date
    to: str = ""  # 主送 of a task that names no 责任单位, 牵头领导 or 责任人 (``--to``)
    level: str = ""  # 督办等级 (``--level``); default by the light
    again: bool = False  # issue even while the task's earlier notice is open and not yet due
    #: Every red task, but only those of these ids (the list the clerk was shown and confirmed).
    only: tuple[str, ...] = ()

    @property
    def evaluated(self) -> date:
        return self.as_of or self.signed


def working_days_after(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The ``days``-th working day after ``start``: Saturdays, Sundays and ``holidays`` skipped."""
    day, left = start, days
    while left:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            left -= 1
    return day


class NoticeSubject(NamedTuple):
    """One task to supervise, as of the day evaluated."""

    status: model.TaskStatus
    goal: model.Goal
    problem: model.Record | None  # its latest non-empty 存在问题 (None: none, or cleared)
    number: int | None = None  # None: a preview, no number taken
    code: str = ""  # 督办〔2024〕3号; in a preview, a gap where the number goes
    to: str = ""  # 主送: the 责任单位, else the 牵头领导 or 责任人 by name, else ``--to``
    level: str = ""  # 督办等级: 黄色 / 红色


class Skipped(NamedTuple):
    task: model.Task
    why: str


class Notices(NamedTuple):
    plan: model.Plan
    request: NoticeRequest
    subjects: tuple[NoticeSubject, ...]
    where: str = ""  # the file they were written to ("" for the screen, or not yet delivered)
    skipped: tuple[Skipped, ...] = ()  # tasks chosen but given no notice, and why

    @property
    def reply_by(self) -> date:
        """``--reply-by``, else REPLY_DAYS working days after signing (the plan's ``[settings] holidays`` skipped)."""
        request = self.request
        return request.reply_by or working_days_after(request.signed, REPLY_DAYS, set(self.plan.settings.holidays))


def notice_code(plan: model.Plan, year: int, number: int | None) -> str:
    pattern = plan.report.notice_number or NOTICE_NUMBER
    return pattern.format(year=year, n=number if number is not None else "\u3000\u3000")


def _check_notice_dates(request: NoticeRequest) -> None:
    if request.evaluated > request.signed:
        raise InputError(
            f"评估日期 {request.evaluated} 晚于成文日期 {request.signed}：督办单只能依据成文日期当天及以前的进展。"
        )
    if request.reply_by is not None and request.reply_by <= request.signed:
        raise InputError(
            f"反馈期限 {request.reply_by} 应晚于成文日期 {request.signed}（默认为成文日期后 {REPLY_DAYS} 个工作日）。"
        )
    if request.level and request.level not in LEVELS:
        raise InputError(f"督办等级 {request.level!r} 不对，应为 {' 或 '.join(LEVELS)}。", options=("level",))


def date_doubts(request: NoticeRequest, subjects: tuple[NoticeSubject, ...], today: date) -> list[str]:
    """Why the signing date may be a slip, to ask before numbering: far from today, or before a task began."""
    doubts = []
    if abs((request.signed - today).days) > DATE_DOUBT_DAYS:
        doubts.append(f"成文日期{cn_date(request.signed)}距今天（{cn_date(today)}）超过 {DATE_DOUBT_DAYS} 天")
    doubts += [
        f"成文日期早于任务 {s.status.task.id} 的开始日期（{cn_date(s.status.task.start)}）"
        for s in subjects
        if request.signed < s.status.task.start
    ]
    return doubts


def recipient(task: model.Task, to: str = "") -> str:
    """Who a notice is sent to: the 责任单位, else the 牵头领导 or 责任人 by name, else ``to`` (``--to``, for a
    task that names nobody); "" when there is no one."""
    if task.unit.strip():
        return task.unit.strip()
    person = next((f"{p.strip()}同志" for p in (task.lead, task.owner) if p.strip()), "")
    return person or to.strip()


def _named_tasks(plan: model.Plan, refs: tuple[str, ...]) -> list[model.Task]:
    chosen: list[model.Task] = []
    for ref in refs:
        found = parse.resolve_id(plan, ref)
        if isinstance(found, model.Goal):
            ids = "、".join(t.id for t in found.tasks)
            raise InputError(f"{found.id} 是重点工作，督办单针对具体任务（可选任务：{ids}）。")
        if found not in chosen:
            chosen.append(found)
    return chosen


def _notice_subjects(
    data: store.DataDir, plan: model.Plan, request: NoticeRequest, still_open: dict[str, list[NoticeItem]]
) -> tuple[list[NoticeSubject], list[Skipped]]:
    """The tasks named (none of them done), or else every red task, as of the day evaluated; those with no
    one to send to, or with an open notice not yet due (unless ``again``), set apart with why."""
    as_of = request.evaluated
    latest = store.latest_records(data, plan, as_of)
    status = {t.id: assess.task_status(t, latest.get(t.id), as_of, plan.settings) for t in plan.tasks}
    if request.tasks:
        chosen = _named_tasks(plan, request.tasks)
        done = [t for t in chosen if status[t.id].light == model.DONE]
        if done:
            raise InputError(
                f"任务 {done[0].id} {_shown(done[0].title)} 截至{cn_date(as_of)}已完成，无需督办；未生成督办单，没有使用编号。"
            )
    else:
        chosen = [
            t for t in plan.tasks if status[t.id].light == model.RED and (not request.only or t.id in request.only)
        ]
    texts = store.latest_values(data, plan, as_of) if chosen else {}
    subjects, skipped = [], []
    for t in chosen:
        why = _why_not(t, request, still_open.get(t.id, []))
        if why:
            skipped.append(Skipped(t, why))
            continue
        level = request.level or ("红色" if status[t.id].light == model.RED else "黄色")
        problem = texts.get(t.id, model.LatestValues()).open_problem
        subjects.append(NoticeSubject(status[t.id], plan.goal_of(t), problem, to=recipient(t, request.to), level=level))
    if len(request.tasks) == 1 and skipped:
        refused = f"任务 {skipped[0].task.id} {skipped[0].why}，未生成督办单，没有使用编号。"
        if skipped[0].why == NOBODY:
            raise AnminError(refused + "如需发出，请指定主送单位。", options=("to",))
        raise AnminError(refused + "如确需再次督办，请注明再发一份。", options=("again",))
    return subjects, skipped


#: Why a chosen task gets no notice, as said in the list of those skipped.
NOBODY = "未明确责任单位、牵头领导和责任人，督办单无从送达"


def _why_not(task: model.Task, request: NoticeRequest, still_open: list[NoticeItem]) -> str:
    if not recipient(task, request.to):
        return NOBODY
    pending = [i for i in still_open if i.reply_by is None or i.reply_by >= request.signed]
    if pending and not request.again:
        item = pending[-1]
        due = f"，反馈期限{cn_date(item.reply_by)}" if item.reply_by else ""
        return f"已有督办单 {item.code} 尚未反馈{due}"
    return ""


def preview_notices(data: store.DataDir, request: NoticeRequest) -> Notices:
    """The notices as they would be issued, without numbers: nothing is taken or written."""
    _check_notice_dates(request)
    still_open = open_by_task(notices_as_of(data, request.signed))
    data = plan_view(data, day=request.evaluated)
    plan = store.load_plan(data)
    gap = notice_code(plan, request.signed.year, None)
    subjects, skipped = _notice_subjects(data, plan, request, still_open)
    return Notices(plan, request, tuple(s._replace(code=gap) for s in subjects), skipped=tuple(skipped))


#: Where numbered notices go: the file to be written ("" for the screen), and the function that
#: writes them there (a tuple, not a class: every class here costs every command's start-up).
Delivery = tuple[str, Callable[[], object]]


def issue_notices(
    data: store.DataDir,
    request: NoticeRequest,
    author: store.Author,
    now: datetime,
    make: Callable[[Notices], Delivery],
) -> Notices:
    """Number the notices and deliver them: the next numbers in the signing year, under the lock.

    ``make`` builds the output from the numbered notices and checks where it goes; if it
    fails, no number is taken. Then the numbers are registered and only then delivered
    (the ``Delivery``'s function): a number on paper is always in the register. Last, each
    notice's state (sent, to whom) is written through the journal. When the delivery fails,
    or the process dies before the state is written, the numbers stay used (as in an office's
    register) and are listed as 作废. The register is outside the journal: ``undo`` never gives
    a number back (undoing an issue leaves its numbers void). The next number is one past the
    highest the register or the state file knows: a register restored alone never repeats one.
    """
    _check_notice_dates(request)
    from anmin_track.store import notices as register
    from anmin_track.store.notice_state import highest_numbers, load_states
    from anmin_track.store.safe_io import deferred_interrupt

    with store.locked(data, author.who):
        issued, states = register.load_register(data.whole), load_states(data.whole)
        still_open = open_by_task(_items(issued, states, request.signed))
        data = plan_view(data, day=request.evaluated)
        plan = store.load_plan(data)
        subjects, skipped = _notice_subjects(data, plan, request, still_open)
        if not subjects:
            return Notices(plan, request, (), skipped=tuple(skipped))
        year = request.signed.year
        first = register.next_number(issued, year, highest_numbers(states).get(year, 0))
        numbered = tuple(
            s._replace(number=first + i, code=notice_code(plan, year, first + i)) for i, s in enumerate(subjects)
        )
        notices = Notices(plan, request, numbered, skipped=tuple(skipped))
        where, deliver = make(notices)
        with deferred_interrupt():
            register.append_register(data, _entries(notices, author, now, where))
            try:
                deliver()
            except AnminError as exc:
                _record_sent(data, author, states, notices, now, void=str(exc))
                codes = "、".join(s.code for s in numbered)
                raise WriteError(
                    f"{str(exc).rstrip('。')}。编号 {codes} 已登记为已使用，作废，不会再次使用；"
                    "排除问题后重新生成，将使用新的编号。"
                ) from None
            _record_sent(data, author, states, notices, now)
    return notices._replace(where=where)


def _entries(notices: Notices, author: store.Author, now: datetime, where: str) -> list[IssuedNotice]:
    from anmin_track.store.notices import IssuedNotice

    request = notices.request
    return [
        IssuedNotice(
            year=request.signed.year,
            number=s.number or 0,
            code=s.code,
            task=s.status.task.id,
            title=s.status.task.title,
            signed=request.signed,
            as_of=request.evaluated,
            reply_by=notices.reply_by,
            by=author.who,
            at=now,
            output=where,
        )
        for s in notices.subjects
    ]


def _record_sent(
    data: store.DataDir, author: store.Author, states: States, notices: Notices, now: datetime, void: str = ""
) -> None:
    """Each numbered notice's state, through the journal: sent to whom at what level, or void and why."""
    from anmin_track.store.notice_state import NoticeState, state_document

    added = {
        (s.number or 0): NoticeState(
            year=notices.request.signed.year,
            number=s.number or 0,
            task=s.status.task.id,
            to=s.to,
            level=s.level,
            sent_at=None if void else now,
            void=bool(void),
            void_note=void,
        )
        for s in notices.subjects
    }
    new = {**states, **{(state.year, state.number): state for state in added.values()}}
    codes = "、".join(s.code for s in notices.subjects)
    summary = f"督办单 {codes} 未能写出，作废" if void else f"发出督办单 {codes}"
    try:
        store.write_notice_states(data, state_document(new), author, summary)
    except AnminError as exc:
        if not void:
            reason = re.sub("[，。]?(数据)?未作任何修改。?", "", str(exc)).rstrip("。")  # the notice itself went out
            raise WriteError(
                f"督办单 {codes} 已写出，但未能记下它们已发出（{reason}）。编号已登记为已使用，"
                "督办单列表中将显示为作废；排除问题后重新生成，将使用新的编号。"
            ) from None


def issued_notices(data: store.DataDir) -> list[IssuedNotice]:
    """The register of issued notices, oldest first."""
    from anmin_track.store import notices as register

    return register.load_register(data)
