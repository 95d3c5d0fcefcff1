"""督办单 (supervision notices): numbered from the register, issued for red or named tasks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from anmin_track import model, parse, store
from anmin_track.actions.common import _shown
from anmin_track.actions.years import plan_view
from anmin_track.errors import AnminError, InputError, WriteError
from anmin_track.text import cn_date
from anmin_track.tuples import NamedTuple

if TYPE_CHECKING:
    from anmin_track.store.notices import IssuedNotice


# --------------------------------------------------------------------------- 督办单 (supervision notices)

#: The number printed on a 督办单 unless ``[report] notice_number`` says otherwise:
#: ``{n}`` counts within the signing ``{year}``.
NOTICE_NUMBER = "督办〔{year}〕{n}号"
#: Days from the signing date to the reply deadline when ``--reply-by`` is not given.
REPLY_DAYS = 7


class NoticeRequest(NamedTuple):
    """`report notice` as typed: task ids (none: every red task) and the dates, parsed."""

    tasks: tuple[str, ...]
    signed: date  # 成文日期
    as_of: date | None = None  # the day the tasks are evaluated; default the signing date
    reply_by: date | None = None  # 反馈期限; default REPLY_DAYS after the signing date

    @property
    def evaluated(self) -> date:
        return self.as_of or self.signed

    @property
    def deadline(self) -> date:
        return self.reply_by or self.signed + timedelta(days=REPLY_DAYS)


class NoticeSubject(NamedTuple):
    """One task to supervise, as of the day evaluated."""

    status: model.TaskStatus
    goal: model.Goal
    problem: model.Record | None  # its latest non-empty 存在问题 (None: none, or cleared)
    number: int | None = None  # None: a preview, no number taken
    code: str = ""  # 督办〔2024〕3号; in a preview, a gap where the number goes


class Notices(NamedTuple):
    plan: model.Plan
    request: NoticeRequest
    subjects: tuple[NoticeSubject, ...]
    where: str = ""  # the file they were written to ("" for the screen, or not yet delivered)


def notice_code(plan: model.Plan, year: int, number: int | None) -> str:
    pattern = plan.report.notice_number or NOTICE_NUMBER
    return pattern.format(year=year, n=number if number is not None else "\u3000\u3000")


def _check_notice_dates(request: NoticeRequest) -> None:
    if request.evaluated > request.signed:
        raise InputError(
            f"评估日期 {request.evaluated} 晚于成文日期 {request.signed}：督办单只能依据成文日期当天及以前的进展。"
        )
    if request.deadline <= request.signed:
        raise InputError(f"反馈期限 {request.deadline} 应晚于成文日期 {request.signed}（默认为成文日期后 {REPLY_DAYS} 天）。")


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


def _notice_subjects(data: store.DataDir, plan: model.Plan, request: NoticeRequest) -> list[NoticeSubject]:
    """The tasks named (none of them done), or else every red task, as of the day evaluated."""
    as_of = request.evaluated
    latest = store.latest_records(data, plan, as_of)
    status = {t.id: model.task_status(t, latest.get(t.id), as_of, plan.settings) for t in plan.tasks}
    if request.tasks:
        chosen = _named_tasks(plan, request.tasks)
        done = [t for t in chosen if status[t.id].light == model.DONE]
        if done:
            raise InputError(
                f"任务 {done[0].id} {_shown(done[0].title)} 截至{cn_date(as_of)}已完成，无需督办；未生成督办单，没有使用编号。"
            )
    else:
        chosen = [t for t in plan.tasks if status[t.id].light == model.RED]
    texts = store.latest_values(data, plan, as_of) if chosen else {}
    return [
        NoticeSubject(status[t.id], plan.goal_of(t), texts.get(t.id, model.LatestValues()).open_problem) for t in chosen
    ]


def preview_notices(data: store.DataDir, request: NoticeRequest) -> Notices:
    """The notices as they would be issued, without numbers: nothing is taken or written."""
    _check_notice_dates(request)
    data = plan_view(data, day=request.evaluated)
    plan = store.load_plan(data)
    gap = notice_code(plan, request.signed.year, None)
    subjects = tuple(s._replace(code=gap) for s in _notice_subjects(data, plan, request))
    return Notices(plan, request, subjects)


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
    """Number the notices and deliver them: the register's next numbers in the signing year, under the lock.

    ``make`` builds the output from the numbered notices and checks where it goes; if it
    fails, no number is taken. Then the numbers are registered and only then delivered
    (the ``Delivery``'s function): a number on paper is always in the register. When the delivery
    fails after that, the numbers stay used (as in an office's register) and the error
    names them. The register is outside the journal: ``undo`` never gives a number back.
    """
    _check_notice_dates(request)
    from anmin_track.store import notices as register
    from anmin_track.store.safe_io import deferred_interrupt

    with store.locked(data, author.who):
        data = plan_view(data, day=request.evaluated)
        plan = store.load_plan(data)
        issued = register.load_register(data)
        subjects = _notice_subjects(data, plan, request)
        if not subjects:
            return Notices(plan, request, ())
        year = request.signed.year
        first = register.next_number(issued, year)
        numbered = tuple(
            s._replace(number=first + i, code=notice_code(plan, year, first + i)) for i, s in enumerate(subjects)
        )
        notices = Notices(plan, request, numbered)
        where, deliver = make(notices)
        entries = [
            register.IssuedNotice(
                year=year,
                number=s.number or 0,
                code=s.code,
                task=s.status.task.id,
                title=s.status.task.title,
                signed=request.signed,
                as_of=request.evaluated,
                reply_by=request.deadline,
                by=author.who,
                at=now,
                output=where,
            )
            for s in numbered
        ]
        with deferred_interrupt():
            register.append_register(data, entries)
            try:
                deliver()
            except AnminError as exc:
                codes = "、".join(s.code for s in numbered)
                raise WriteError(
                    f"{str(exc).rstrip('。')}。编号 {codes} 已登记为已使用，不会再次使用；"
                    "排除问题后重新生成，将使用新的编号（可在登记簿中注明原编号作废）。"
                ) from None
    return notices._replace(where=where)


def issued_notices(data: store.DataDir) -> list[IssuedNotice]:
    """The register of issued notices, oldest first."""
    from anmin_track.store import notices as register

    return register.load_register(data)
