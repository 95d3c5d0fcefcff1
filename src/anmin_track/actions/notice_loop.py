"""The 督办 loop after a 督办单 is issued: each notice's state as of a day, and sign for / reply / close / reopen.

A notice is what the register (``store.notices``, numbers taken) and the state file
(``store.notice_state``, journaled: what became of each) say together. A number in the
register with no state was taken for a document that never went out (the write failed,
the process died between registering and writing, or the issue was undone): it is 作废.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import TYPE_CHECKING

from anmin_track import model, parse, store
from anmin_track.actions.common import _shown
from anmin_track.actions.records import check_progress_drop, kind_progress, progress_words, record_time
from anmin_track.actions.years import plan_view
from anmin_track.errors import AnminError, InputError, NotFoundError
from anmin_track.text import cn_date
from anmin_track.tuples import NamedTuple

if TYPE_CHECKING:
    from anmin_track.store.notice_state import NoticeState, States
    from anmin_track.store.notices import IssuedNotice

#: The states of a 督办单, in the order of the loop.
PENDING, HANDLING, OVERDUE, REPLIED, CLOSED, VOID = model.NOTICE_STATES
OPEN_STATES = (PENDING, HANDLING, OVERDUE)


class NoticeItem(NamedTuple):
    """One 督办单 as of a day: what the register says of it, what became of it, and its state then."""

    year: int
    number: int
    code: str  # 督办〔2024〕3号 (``2024年第3号`` when only the state file knows it)
    task: str
    title: str
    signed: date | None  # 成文日期 (None: the register lost it)
    reply_by: date | None
    status: str  # 待签收 / 办理中 / 逾期未反馈 / 已反馈 / 已销号 / 作废
    state: NoticeState | None  # None: never delivered (作废)
    output: str = ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def to(self) -> str:
        return self.state.to if self.state else ""

    def days_late(self, as_of: date) -> int:
        """Days past the reply deadline (0 when not overdue)."""
        if self.status != OVERDUE or self.reply_by is None:
            return 0
        return (as_of - self.reply_by).days


def notice_status(state: NoticeState | None, reply_by: date | None, as_of: date) -> str:
    """A notice's state on ``as_of`` (pure): void, closed, answered, late, signed for, or waiting to be."""
    if state is None or state.void:
        return VOID
    if state.closed_on is not None and state.closed_on <= as_of:
        return CLOSED
    if state.replied_on is not None and state.replied_on <= as_of:
        return REPLIED
    if reply_by is not None and as_of > reply_by:
        return OVERDUE
    if state.signed_on is not None and state.signed_on <= as_of:
        return HANDLING
    return PENDING


def _items(register: list[IssuedNotice], states: States, as_of: date | None) -> list[NoticeItem]:
    """Every notice issued on or before ``as_of`` (None: all), oldest first; those only the state file knows last."""
    items = []
    for e in register:
        if as_of is not None and e.signed > as_of:
            continue
        state = states.get((e.year, e.number))
        status = notice_status(state, e.reply_by, as_of or date.max)
        items.append(
            NoticeItem(e.year, e.number, e.code, e.task, e.title, e.signed, e.reply_by, status, state, e.output)
        )
    held = {(e.year, e.number) for e in register}
    for key in sorted(set(states) - held):  # a register restored alone, or deleted
        s = states[key]
        status = notice_status(s, None, as_of or date.max)
        items.append(NoticeItem(s.year, s.number, f"{s.year}年第{s.number}号", s.task, "", None, None, status, s))
    return items


def notices_as_of(data: store.DataDir, as_of: date | None = None) -> list[NoticeItem]:
    """Every 督办单 with its state as of ``as_of`` (None: as things stand): for `notice list`, `goals show`,
    `goals due`, the ledger and the 对内通报. Reads without the lock (a view, like `goals list`)."""
    from anmin_track.store.notice_state import load_states
    from anmin_track.store.notices import load_register

    return _items(load_register(data.whole), load_states(data.whole), as_of)


def open_notices_on(data: store.DataDir, day: date) -> list[NoticeItem]:
    """The 督办单 issued by ``day`` and still open then (待签收, 办理中, 逾期未反馈): what the 对内通报 lists and
    the county's roll-up counts. One only the state file knows (its register entry lost) is left out of
    both: when it was issued, and so whether it was out by ``day``, is not known."""
    return [n for n in notices_as_of(data, day) if n.is_open and n.signed is not None and n.reply_by is not None]


def open_by_task(items: list[NoticeItem]) -> dict[str, list[NoticeItem]]:
    """The open notices of each task (待签收, 办理中, 逾期未反馈), oldest first."""
    found: dict[str, list[NoticeItem]] = {}
    for item in items:
        if item.is_open:
            found.setdefault(item.task, []).append(item)
    return found


# --------------------------------------------------------------------------- naming a notice

FULL_REF = re.compile(r"^(\d{4})\s*[-－/年第]\s*(\d{1,6})号?$")


def find_notice(items: list[NoticeItem], ref: str, current_year: int) -> NoticeItem:
    """A notice named by its full number (督办〔2024〕3号), ``2024-3``, or ``3``: in ``current_year`` (the newest
    plan's), else in the latest year that has a number 3 (a plan not yet begun for the signing year)."""
    text = parse.normalize(ref).strip()
    found = FULL_REF.match(text)
    if found:
        key = (int(found.group(1)), int(found.group(2)))
    elif text.isdigit():
        years = [i.year for i in items if i.number == int(text)]
        key = (current_year if current_year in years or not years else max(years), int(text))
    else:
        key = next(((i.year, i.number) for i in items if parse.normalize(i.code) == text), (0, 0))
    for item in items:
        if (item.year, item.number) == key:
            return item
    raise NotFoundError(
        f"没有督办单 {_shown(ref)}：请写完整编号（如 督办〔{current_year}〕3号）、本年度的序号（如 3）或 年度-序号（如 {current_year}-3）。"
    )


# --------------------------------------------------------------------------- the loop's writes


class NoticeChange(NamedTuple):
    item: NoticeItem  # as it was before
    state: NoticeState  # as it is now
    recorded: model.Record | None = None  # the progress record written with a reply


def _under_lock(tx: store.Transaction, ref: str) -> tuple[NoticeItem, States]:
    from anmin_track.store.notice_state import load_states
    from anmin_track.store.notices import load_register

    states = load_states(tx.data.whole)
    items = _items(load_register(tx.data.whole), states, None)
    item = find_notice(items, ref, _newest_year(tx.data))
    if item.state is None or item.status == VOID:
        raise AnminError(f"{item.code} 已作废（编号已登记，但督办单没有发出），不能签收、反馈或销号。")
    return item, states


def _newest_year(data: store.DataDir) -> int:
    return store.load_plan(store.current_view(data.whole)).year


def _check_day(day: date, after: date | None, what: str, today: date) -> None:
    if day > today:
        raise InputError(f"{what}日期 {day} 晚于今天（{today}）。", options=("date",))
    if after is not None and day < after:
        raise InputError(f"{what}日期 {day} 早于{cn_date(after)}，请核对。", options=("date",))


def _save(tx: store.Transaction, states: States, state: NoticeState, summary: str) -> None:
    from anmin_track.store.notice_state import state_document

    tx.write_notice_states(state_document({**states, state.key: state}), summary)


def sign_notice(data: store.DataDir, ref: str, who: str, day: date, author: store.Author, today: date) -> NoticeChange:
    """`notice sign`: who signed for the notice (签收) and when, once."""
    with store.transaction(store.current_view(data.whole), author) as tx:
        item, states = _under_lock(tx, ref)
        state = item.state
        assert state is not None
        if state.signed_on is not None:
            raise AnminError(f"{item.code} 已由{_shown(state.signed_by)}于{cn_date(state.signed_on)}签收，未作修改。")
        _check_day(day, item.signed, "签收", today)
        new = state._replace(signed_by=who, signed_on=day)
        _save(tx, states, new, f"签收督办单 {item.code}（{_shown(who)}，{cn_date(day)}）")
    return NoticeChange(item, new)


class Reply(NamedTuple):
    """`notice reply` as typed: the 办理情况, and the task's progress to record with it."""

    ref: str
    note: str
    day: date
    progress: int | None = None


def reply_notice(data: store.DataDir, reply: Reply, author: store.Author, now: datetime) -> NoticeChange:
    """`notice reply`: the written answer (办理情况反馈); with a progress, also a progress record of the task,
    in the same journaled change (one undo takes back both)."""
    from anmin_track.store.notice_state import state_document

    if not reply.note.strip():
        raise InputError("办理情况不能为空。", options=("note",))
    view = plan_view(data, day=reply.day)
    with store.transaction(view, author) as tx:
        item, states = _under_lock(tx, reply.ref)
        state = item.state
        assert state is not None
        if state.closed_on is not None:
            raise AnminError(
                f"{item.code} 已于{cn_date(state.closed_on)}销号，不再接收反馈；如需继续督办，请先重新打开。"
            )
        if state.signed_on is None:
            raise AnminError(f"{item.code} 尚未签收：请先登记签收人和签收日期，再登记反馈。")
        _check_day(reply.day, state.signed_on, "反馈", now.date())
        new = state._replace(reply=reply.note, replied_on=reply.day)
        summary = f"登记督办单 {item.code} 的办理情况反馈（{cn_date(reply.day)}）"
        if reply.progress is None:
            tx.write_notice_states(state_document({**states, new.key: new}), summary)
            return NoticeChange(item, new)
        record = _reply_record(tx, item, reply, author, now)
        task = tx.plan.task(record.task)
        assert task is not None
        also = {tx.data.notice_state_file: state_document({**states, new.key: new})}
        tx.add_record(record, f"{summary}，记录 {task.id} {progress_words(task, record)}", also=also)
    return NoticeChange(item, new, record)


def _reply_record(
    tx: store.Transaction, item: NoticeItem, reply: Reply, author: store.Author, now: datetime
) -> model.Record:
    """The progress record a reply with ``--progress`` makes, under the rules `goals update` keeps."""
    task = parse.resolve_task(tx.plan, item.task)
    if reply.day < task.start:
        raise InputError(f"日期 {reply.day} 早于任务 {task.id} 的开始日期 {task.start}。", options=("date",))
    progress = kind_progress(task, reply.progress, "", True)
    check_progress_drop(tx.latest_records(reply.day).get(task.id), progress, reply.note, task)
    return model.Record(
        task=task.id,
        date=reply.day,
        progress=progress,
        note=reply.note,
        by=author.who,
        at=record_time(tx.index.latest.get(task.id), now),
    )


def close_notice(
    data: store.DataDir, ref: str, note: str, day: date, author: store.Author, today: date
) -> NoticeChange:
    """`notice close`: 督办销号, once the reply is accepted."""
    with store.transaction(store.current_view(data.whole), author) as tx:
        item, states = _under_lock(tx, ref)
        state = item.state
        assert state is not None
        if state.closed_on is not None:
            raise AnminError(f"{item.code} 已于{cn_date(state.closed_on)}销号，未作修改。")
        if state.replied_on is None:
            raise AnminError(f"{item.code} 还没有办理情况反馈：销号前请先登记反馈。")
        _check_day(day, state.replied_on, "销号", today)
        new = state._replace(closed_on=day, close_note=note, closed_by=author.who)
        _save(tx, states, new, f"督办单 {item.code} 销号（{cn_date(day)}）")
    return NoticeChange(item, new)


def reopen_notice(data: store.DataDir, ref: str, author: store.Author) -> NoticeChange:
    """`notice reopen`: a closed notice open again (the reply was not enough); its reply stays on record."""
    with store.transaction(store.current_view(data.whole), author) as tx:
        item, states = _under_lock(tx, ref)
        state = item.state
        assert state is not None
        if state.closed_on is None:
            raise AnminError(f"{item.code} 没有销号，无需重新打开。")
        new = state._replace(closed_on=None, close_note="", closed_by="")
        _save(tx, states, new, f"重新打开督办单 {item.code}")
    return NoticeChange(item, new)
