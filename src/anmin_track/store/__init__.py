"""The data folder: finding it, reading and validating its files, and writing them safely.

Prints nothing and knows no CLI. Modules, from the bottom up (each imports only those
above it in this list: ``tests/test_architecture.py`` checks the same ladder):

- ``folder``     the layout of a data folder and how one is found
- ``tomlcheck``  TOML with problems named by file and line; values checked against ``fields``
- ``lock``       the lock: one writer at a time (and the folder permissions it shares with ``safe_io``)
- ``safe_io``    atomic writes, output files
- ``parsed_cache`` a parsed copy of each plan and index (progress/.cache), so that a command need not parse TOML
                 (not re-exported: ``plan_file``, ``index`` and the writes use it)
- ``git``        the git program and this clone's repository (not re-exported)
- ``profile``    the user's own settings outside any data folder: the name they sign with
- ``notices``    .notices.toml: the register of issued 督办单 numbers, outside the journal
                 (not re-exported: only the 督办 use cases and ``check`` load it)
- ``notice_state`` .notices-state.toml: what became of each 督办单 (journaled; not re-exported either)
- ``plan_file``  goals.toml (and plans/YYYY.toml): read and validate
- ``plan_write`` a plan written back: regenerated whole, or edited in place keeping comments (the write paths only)
- ``years``      many years in one folder: plans/YYYY.toml, the plan each record belongs to, a view per plan
- ``month_cache`` a parsed (JSON) copy of each large month file (progress/.cache), read back without parsing TOML
- ``records``    progress/YYYY-MM.toml: read, validate, append
- ``merge``, ``merge_plan``  three-way merges of the data files, pure (not re-exported)
- ``index``      progress/index.toml: a validated digest of the files, kept, checked and rebuilt
- ``queries``    what the index answers, reading month files where it cannot alone: the latest record and values
                 as of a day, a report's records, a task's history, the records around one
- ``hand_edits`` what hand edits may have lost (mis-named files, shrunk files): warnings
- ``entries``    the journal as read: its entries, damaged or stray ones set apart
- ``journal``    before-images of every write, ``log`` and the mechanics of ``undo``
- ``writes``     the write paths that combine them: a transaction (a record, a plan edit, a new year's plan), init
- ``undo``       ``anmin undo``: the newest journal entry reverted, checked plan by plan
- ``check``      ``anmin check``
- ``backup``     ``anmin backup``: the folder as a zip, without derived files (not re-exported)
- ``county``     the county's reading of township folders (read-only) and its own cache (not re-exported)
- ``sync``       ``anmin sync``: commit, fetch, merge in a scratch checkout, check, take, push (not re-exported)

This package re-exports what the layers above it (``actions``, ``cli``) use, each name imported
on first use (``anmin_track.lazy``): a command that only reads loads none of the write paths.
"""

# ruff: noqa: F401 - the imports below are this package's names for mypy; ``_HOME`` serves them at run time
from __future__ import annotations

from typing import TYPE_CHECKING

from anmin_track.lazy import lazy_attribute

if TYPE_CHECKING:  # what mypy and readers see; at run time each name is imported on first use (``__getattr__``)
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
    from anmin_track.store.index import Index, hand_edited, load_index, rebuild_index
    from anmin_track.store.journal import HISTORY_KEEP, Author, JournalEntry, history, is_synced, last_entry
    from anmin_track.store.lock import LOCK_TIMEOUT_ENV, lock_timeout, locked
    from anmin_track.store.plan_file import load_plan, plan_from_toml
    from anmin_track.store.plan_write import dump_plan
    from anmin_track.store.queries import latest_records, latest_values, report_records, task_history
    from anmin_track.store.records import load_month, month_files, record_to_toml
    from anmin_track.store.safe_io import atomic_write, output_target, write_output
    from anmin_track.store.tomlcheck import Problem, dump_toml, text_of
    from anmin_track.store.undo import revert_entry, synced_refusal
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

#: The module each name lives in (the same as the imports above: ``tests/test_architecture.py``).
_HOME = {
    "check_all": "check",
    "strays": "entries",
    "bundled_plan_file": "folder",
    "data_dir_below": "folder",
    "DATA_ENV": "folder",
    "DataDir": "folder",
    "find_data_dir": "folder",
    "go_into": "folder",
    "HISTORY_DIR": "folder",
    "LOCK_FILE": "folder",
    "PLAN_FILE": "folder",
    "PROGRESS_DIR": "folder",
    "read_named": "folder",
    "require_writable": "folder",
    "losses": "hand_edits",
    "warnings": "hand_edits",
    "hand_edited": "index",
    "Index": "index",
    "latest_records": "queries",
    "latest_values": "queries",
    "load_index": "index",
    "rebuild_index": "index",
    "report_records": "queries",
    "task_history": "queries",
    "Author": "journal",
    "history": "journal",
    "HISTORY_KEEP": "journal",
    "is_synced": "journal",
    "JournalEntry": "journal",
    "last_entry": "journal",
    "lock_timeout": "lock",
    "LOCK_TIMEOUT_ENV": "lock",
    "locked": "lock",
    "dump_plan": "plan_write",
    "load_plan": "plan_file",
    "plan_from_toml": "plan_file",
    "load_month": "records",
    "month_files": "records",
    "record_to_toml": "records",
    "atomic_write": "safe_io",
    "output_target": "safe_io",
    "write_output": "safe_io",
    "dump_toml": "tomlcheck",
    "Problem": "tomlcheck",
    "text_of": "tomlcheck",
    "synced_refusal": "undo",
    "revert_entry": "undo",
    "add_record": "writes",
    "init_data_dir": "writes",
    "retried": "writes",
    "save_index_if_stale": "writes",
    "Transaction": "writes",
    "transaction": "writes",
    "write_notice_states": "writes",
    "current_view": "years",
    "plan_years": "years",
    "view_of_year": "years",
    "view_owning": "years",
    "views": "years",
}


def __getattr__(name: str) -> object:
    """Import ``name`` from its module on first use (PEP 562); a submodule's name imports that submodule."""
    return lazy_attribute(globals(), __name__, _HOME, name)
