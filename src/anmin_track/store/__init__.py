"""The data folder: finding it, reading and validating its files, and writing them safely.

Prints nothing and knows no CLI. Modules, from the bottom up (each imports only those
above it in this list):

- ``folder``     the layout of a data folder and how one is found
- ``tomlcheck``  TOML with problems named by file and line; values checked against ``fields``
- ``hand_edits`` what hand edits may have lost (mis-named files, shrunk files): warnings
- ``lock``       the lock: one writer at a time (and the folder permissions it shares with ``safe_io``)
- ``safe_io``    atomic writes, output files
- ``profile``    the user's own settings outside any data folder: the name they sign with
- ``notices``    .notices.toml: the register of issued 督办单 numbers, outside the journal
                 (not re-exported: only the 督办 use cases and ``check`` load it)
- ``notice_state`` .notices-state.toml: what became of each 督办单 (journaled; not re-exported either)
- ``plan_file``  goals.toml: read, validate, write back (keeping comments)
- ``years``      many years in one folder: plans/YYYY.toml, the plan each record belongs to, a view per plan
- ``records``    progress/YYYY-MM.toml: read, validate, append
- ``index``      progress/index.toml (a validated digest of the files) and the "latest record as of a day" queries
- ``entries``    the journal as read: its entries, damaged or stray ones set apart
- ``journal``    before-images of every write, ``log`` and the mechanics of ``undo``
- ``writes``     the write paths that combine them: a transaction (a record, a plan edit, a new year's plan), init
- ``undo``       ``anmin undo``: the newest journal entry reverted, checked plan by plan
- ``check``      ``anmin check``
- ``backup``     ``anmin backup``: the folder as a zip, without derived files (not re-exported)
- ``county``     the county's reading of township folders (read-only) and its own cache (not re-exported)
- ``merge``, ``merge_plan``  three-way merges of the data files, pure (under ``records``; not re-exported)
- ``git``        the git program and this clone's repository (not re-exported)
- ``sync``       ``anmin sync``: commit, fetch, merge in a scratch checkout, check, take, push (not re-exported)

This package re-exports what the layers above it (``actions``, ``cli``) use.
"""

from anmin_track.store.check import check_all
from anmin_track.store.entries import strays
from anmin_track.store.folder import (
    DATA_ENV,
    HISTORY_DIR,
    LOCK_FILE,
    PLAN_FILE,
    PROGRESS_DIR,
    DataDir,
    bundled_plan_file,
    data_dir_below,
    find_data_dir,
    go_into,
    read_named,
    require_writable,
)
from anmin_track.store.hand_edits import losses, warnings
from anmin_track.store.index import (
    Index,
    hand_edited,
    latest_records,
    latest_values,
    load_index,
    rebuild_index,
    report_records,
    task_history,
)
from anmin_track.store.journal import HISTORY_KEEP, Author, JournalEntry, history, is_synced, last_entry
from anmin_track.store.lock import LOCK_TIMEOUT_ENV, lock_timeout, locked
from anmin_track.store.plan_file import dump_plan, load_plan, plan_from_toml
from anmin_track.store.records import load_month, month_files, record_to_toml
from anmin_track.store.safe_io import atomic_write, output_target, write_output
from anmin_track.store.tomlcheck import Problem, dump_toml, text_of
from anmin_track.store.undo import synced_refusal, undo
from anmin_track.store.writes import (
    Transaction,
    add_record,
    init_data_dir,
    retried,
    save_index_if_stale,
    transaction,
    write_notice_states,
)
from anmin_track.store.years import current_view, plan_years, view_of_year, view_owning, views

__all__ = [
    "is_synced",
    "synced_refusal",
    "DATA_ENV",
    "HISTORY_DIR",
    "HISTORY_KEEP",
    "Index",
    "LOCK_FILE",
    "LOCK_TIMEOUT_ENV",
    "PLAN_FILE",
    "PROGRESS_DIR",
    "Author",
    "DataDir",
    "JournalEntry",
    "Problem",
    "Transaction",
    "add_record",
    "atomic_write",
    "bundled_plan_file",
    "data_dir_below",
    "go_into",
    "check_all",
    "current_view",
    "dump_plan",
    "dump_toml",
    "find_data_dir",
    "hand_edited",
    "history",
    "init_data_dir",
    "last_entry",
    "latest_records",
    "latest_values",
    "load_index",
    "load_month",
    "load_plan",
    "losses",
    "lock_timeout",
    "locked",
    "month_files",
    "output_target",
    "plan_years",
    "plan_from_toml",
    "rebuild_index",
    "report_records",
    "read_named",
    "record_to_toml",
    "require_writable",
    "retried",
    "save_index_if_stale",
    "strays",
    "task_history",
    "text_of",
    "transaction",
    "undo",
    "view_of_year",
    "view_owning",
    "views",
    "warnings",
    "write_notice_states",
    "write_output",
]
