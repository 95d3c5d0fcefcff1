"""The use cases: every "may I?" rule, checked under the lock against the data as it is now.

Each function takes what the user asked for (ids and text as typed, already-parsed
values), opens one ``store.transaction``, checks its rules against the plan and records
read under the lock, makes one write and returns what happened. None prints; the CLI
(or any other caller) says it. Messages name things in words and spell no command or
option: errors carry ``steps`` and ``options`` (``errors.Step``) for each caller to say its own way.

Modules (each imports only those before it in this list):

- ``common``   what they share: text shown in one line, plan values in a summary
- ``years``    which year's plan a command works on; a new year's plan (结转, ``plan import``), ``init``
- ``records``  progress records: record, correct, withdraw, and the rules a record meets
- ``plan``     the plan (台账): edit, claim, add, remove, milestones, 销号
- ``ledger``   an edited 台账 read back (``anmin import``)
- ``undo``     ``anmin undo``
- ``reading``  the state as of a day, a task's detail, a period, ``check``, who did not report
- ``notice_loop`` each 督办单's state as of a day; sign for, reply, close, reopen
- ``notices``  督办单: issue them (numbered from the register)
- ``county``   the county's roll-up of township folders (read-only), ``anmin county report``: not
               re-exported (only that command loads it, and it alone needs ``rollup``)
- ``sync``     several PCs: ``anmin sync`` through git, setting it up, the merge driver

This package is what the CLI calls: every use case is named here, and imported on first use
(``anmin_track.lazy``): a command loads only the use cases it runs.
"""

# ruff: noqa: F401 - the imports below are this package's names for mypy; ``_HOME`` serves them at run time
from __future__ import annotations

from typing import TYPE_CHECKING

from anmin_track import store
from anmin_track.lazy import lazy_attribute

if TYPE_CHECKING:  # what mypy and readers see; at run time each name is imported on first use (``__getattr__``)
    from anmin_track.actions.ledger import (
        LedgerChange,
        LedgerConflict,
        import_ledger,
        ledger_changes,
        preview_import,
        unit_suggestion,
    )
    from anmin_track.actions.notice_loop import (
        CLOSED,
        HANDLING,
        OPEN_STATES,
        OVERDUE,
        PENDING,
        REPLIED,
        VOID,
        NoticeChange,
        NoticeItem,
        Reply,
        close_notice,
        notice_status,
        notices_as_of,
        open_by_task,
        open_notices_on,
        reopen_notice,
        reply_notice,
        sign_notice,
    )
    from anmin_track.actions.notices import (
        LEVELS,
        NOBODY,
        NOTICE_NUMBER,
        REPLY_DAYS,
        Delivery,
        NoticeRequest,
        Notices,
        NoticeSubject,
        Skipped,
        date_doubts,
        issue_notices,
        issued_notices,
        notice_code,
        preview_notices,
        working_days_after,
    )
    from anmin_track.actions.plan import (
        Claimed,
        Edited,
        add_task,
        claim_task,
        close_task,
        edit_item,
        remove_task,
        reopen_task,
        set_milestone,
    )
    from anmin_track.actions.reading import (
        Checked,
        Detail,
        Ledger,
        Overview,
        PeriodData,
        Unreported,
        check,
        current_plan,
        detail,
        ledger_as_of,
        overview,
        period_data,
        unreported,
    )
    from anmin_track.actions.records import (
        CORRECTABLE,
        Corrected,
        Correction,
        ProgressRequest,
        Recorded,
        Retracted,
        amend_record,
        check_not_repeat,
        check_progress_drop,
        check_record_day,
        kind_progress,
        progress_words,
        record_progress,
        record_time,
        retract_record,
    )
    from anmin_track.actions.sync import clone_data, merge_driver, start_sync, sync_folder
    from anmin_track.actions.undo import Undone, undo_candidate, undo_entry
    from anmin_track.actions.years import (
        DRAFT_SOURCE_MAX,
        PLAN_AHEAD,
        Carried,
        NewYear,
        Year,
        begin_year,
        draft_year,
        evaluation_day,
        follow_carry,
        init_folder,
        plan_view,
        preview_year,
        read_draft,
        record_day,
    )

#: The module each name lives in (the same as the imports above: ``tests/test_architecture.py``).
_HOME = {
    "import_ledger": "ledger",
    "ledger_changes": "ledger",
    "LedgerChange": "ledger",
    "LedgerConflict": "ledger",
    "preview_import": "ledger",
    "unit_suggestion": "ledger",
    "close_notice": "notice_loop",
    "CLOSED": "notice_loop",
    "HANDLING": "notice_loop",
    "notice_status": "notice_loop",
    "NoticeChange": "notice_loop",
    "NoticeItem": "notice_loop",
    "notices_as_of": "notice_loop",
    "open_notices_on": "notice_loop",
    "open_by_task": "notice_loop",
    "OPEN_STATES": "notice_loop",
    "OVERDUE": "notice_loop",
    "PENDING": "notice_loop",
    "reopen_notice": "notice_loop",
    "REPLIED": "notice_loop",
    "Reply": "notice_loop",
    "reply_notice": "notice_loop",
    "sign_notice": "notice_loop",
    "VOID": "notice_loop",
    "date_doubts": "notices",
    "Delivery": "notices",
    "issue_notices": "notices",
    "issued_notices": "notices",
    "LEVELS": "notices",
    "NOBODY": "notices",
    "notice_code": "notices",
    "NOTICE_NUMBER": "notices",
    "NoticeRequest": "notices",
    "Notices": "notices",
    "NoticeSubject": "notices",
    "preview_notices": "notices",
    "REPLY_DAYS": "notices",
    "Skipped": "notices",
    "working_days_after": "notices",
    "add_task": "plan",
    "claim_task": "plan",
    "Claimed": "plan",
    "close_task": "plan",
    "edit_item": "plan",
    "Edited": "plan",
    "remove_task": "plan",
    "reopen_task": "plan",
    "set_milestone": "plan",
    "check": "reading",
    "Checked": "reading",
    "current_plan": "reading",
    "Detail": "reading",
    "detail": "reading",
    "Ledger": "reading",
    "ledger_as_of": "reading",
    "Overview": "reading",
    "overview": "reading",
    "period_data": "reading",
    "PeriodData": "reading",
    "Unreported": "reading",
    "unreported": "reading",
    "amend_record": "records",
    "check_not_repeat": "records",
    "check_progress_drop": "records",
    "check_record_day": "records",
    "CORRECTABLE": "records",
    "Corrected": "records",
    "Correction": "records",
    "kind_progress": "records",
    "progress_words": "records",
    "ProgressRequest": "records",
    "record_progress": "records",
    "record_time": "records",
    "Recorded": "records",
    "retract_record": "records",
    "Retracted": "records",
    "clone_data": "sync",
    "merge_driver": "sync",
    "start_sync": "sync",
    "sync_folder": "sync",
    "undo_entry": "undo",
    "undo_candidate": "undo",
    "Undone": "undo",
    "begin_year": "years",
    "Carried": "years",
    "DRAFT_SOURCE_MAX": "years",
    "draft_year": "years",
    "evaluation_day": "years",
    "follow_carry": "years",
    "init_folder": "years",
    "NewYear": "years",
    "PLAN_AHEAD": "years",
    "plan_view": "years",
    "preview_year": "years",
    "read_draft": "years",
    "record_day": "years",
    "Year": "years",
}

#: The writes among them, run again while their lock was lost: a writer whose lock file was deleted or replaced
#: under it (where the folder itself cannot be locked) gives up before it replaces a file (``store.LockLost``) and
#: runs again, its rules checked afresh, under the lock as it is now (``store.retried``).
_RETRIED = frozenset(
    {
        "add_task",
        "amend_record",
        "begin_year",
        "claim_task",
        "close_notice",
        "close_task",
        "edit_item",
        "import_ledger",
        "issue_notices",
        "record_progress",
        "remove_task",
        "reopen_notice",
        "reopen_task",
        "reply_notice",
        "retract_record",
        "set_milestone",
        "sign_notice",
    }
)


def __getattr__(name: str) -> object:
    """Import ``name`` from its module on first use (PEP 562), a write wrapped to run again (``_RETRIED``)."""
    value = lazy_attribute(globals(), __name__, _HOME, name)
    if name in _RETRIED:
        value = globals()[name] = store.retried(value)
    return value
