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

This package is what the CLI calls: every use case is named here.
"""

from __future__ import annotations

from anmin_track import store
from anmin_track.actions.ledger import (
    LedgerChange,
    LedgerConflict,
    ledger_changes,
    preview_import,
    unit_suggestion,
)
from anmin_track.actions.ledger import (
    import_ledger as _import_ledger,
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
    notice_status,
    notices_as_of,
    open_by_task,
)
from anmin_track.actions.notice_loop import (
    close_notice as _close_notice,
)
from anmin_track.actions.notice_loop import (
    reopen_notice as _reopen_notice,
)
from anmin_track.actions.notice_loop import (
    reply_notice as _reply_notice,
)
from anmin_track.actions.notice_loop import (
    sign_notice as _sign_notice,
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
    issued_notices,
    notice_code,
    preview_notices,
    working_days_after,
)
from anmin_track.actions.notices import (
    issue_notices as _issue_notices,
)
from anmin_track.actions.plan import (
    Claimed,
    Edited,
)
from anmin_track.actions.plan import (
    add_task as _add_task,
)
from anmin_track.actions.plan import (
    claim_task as _claim_task,
)
from anmin_track.actions.plan import (
    close_task as _close_task,
)
from anmin_track.actions.plan import (
    edit_item as _edit_item,
)
from anmin_track.actions.plan import (
    remove_task as _remove_task,
)
from anmin_track.actions.plan import (
    reopen_task as _reopen_task,
)
from anmin_track.actions.plan import (
    set_milestone as _set_milestone,
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
    ledger,
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
    check_not_repeat,
    check_progress_drop,
    check_record_day,
    kind_progress,
    progress_words,
    record_time,
)
from anmin_track.actions.records import (
    amend_record as _amend_record,
)
from anmin_track.actions.records import (
    record_progress as _record_progress,
)
from anmin_track.actions.records import (
    retract_record as _retract_record,
)
from anmin_track.actions.sync import clone_data, merge_driver, start_sync, sync
from anmin_track.actions.undo import (
    Undone,
    undo,
    undo_candidate,
)
from anmin_track.actions.years import (
    DRAFT_SOURCE_MAX,
    PLAN_AHEAD,
    Carried,
    NewYear,
    Year,
    draft_year,
    evaluation_day,
    follow_carry,
    init_folder,
    plan_view,
    preview_year,
    read_draft,
    record_day,
)
from anmin_track.actions.years import (
    begin_year as _begin_year,
)

# Every write runs again if its lock was lost: a writer whose lock file was deleted or replaced under it gives up
# before it replaces a file (``store.LockLost``) and runs again, its rules checked afresh, under the lock as it is now.
record_progress = store.retried(_record_progress)
amend_record = store.retried(_amend_record)
retract_record = store.retried(_retract_record)
edit_item = store.retried(_edit_item)
claim_task = store.retried(_claim_task)
add_task = store.retried(_add_task)
remove_task = store.retried(_remove_task)
set_milestone = store.retried(_set_milestone)
close_task = store.retried(_close_task)
reopen_task = store.retried(_reopen_task)
import_ledger = store.retried(_import_ledger)
issue_notices = store.retried(_issue_notices)
sign_notice = store.retried(_sign_notice)
reply_notice = store.retried(_reply_notice)
close_notice = store.retried(_close_notice)
reopen_notice = store.retried(_reopen_notice)
begin_year = store.retried(_begin_year)

__all__ = [
    "CLOSED",
    "close_notice",
    "date_doubts",
    "HANDLING",
    "LEVELS",
    "NOBODY",
    "NoticeChange",
    "NoticeItem",
    "notice_status",
    "notices_as_of",
    "open_by_task",
    "OPEN_STATES",
    "OVERDUE",
    "PENDING",
    "REPLIED",
    "reopen_notice",
    "Reply",
    "reply_notice",
    "sign_notice",
    "Skipped",
    "VOID",
    "working_days_after",
    "add_task",
    "amend_record",
    "begin_year",
    "Carried",
    "check",
    "check_not_repeat",
    "check_progress_drop",
    "check_record_day",
    "Checked",
    "claim_task",
    "Claimed",
    "close_task",
    "CORRECTABLE",
    "Corrected",
    "Correction",
    "current_plan",
    "Delivery",
    "detail",
    "Detail",
    "DRAFT_SOURCE_MAX",
    "draft_year",
    "edit_item",
    "Edited",
    "evaluation_day",
    "follow_carry",
    "import_ledger",
    "init_folder",
    "issue_notices",
    "issued_notices",
    "kind_progress",
    "Ledger",
    "ledger",
    "ledger_changes",
    "LedgerChange",
    "LedgerConflict",
    "NewYear",
    "notice_code",
    "NOTICE_NUMBER",
    "NoticeRequest",
    "Notices",
    "NoticeSubject",
    "Overview",
    "overview",
    "period_data",
    "PeriodData",
    "PLAN_AHEAD",
    "plan_view",
    "preview_import",
    "preview_notices",
    "preview_year",
    "progress_words",
    "ProgressRequest",
    "read_draft",
    "record_day",
    "record_progress",
    "record_time",
    "Recorded",
    "remove_task",
    "reopen_task",
    "REPLY_DAYS",
    "retract_record",
    "Retracted",
    "set_milestone",
    "start_sync",
    "sync",
    "clone_data",
    "merge_driver",
    "undo",
    "undo_candidate",
    "Undone",
    "unit_suggestion",
    "unreported",
    "Unreported",
    "Year",
]
