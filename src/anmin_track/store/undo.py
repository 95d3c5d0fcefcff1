"""``anmin undo``: the newest journal entry reverted, once the state it would leave is known to read back.

A revert may change which plans the folder has (undoing ``plan new`` takes plans/YYYY.toml
away and puts the old goals.toml back), so the state it would leave is checked plan by
plan, as the folder will be seen after it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from anmin_track.errors import AnminError, DataError, Step, WriteError
from anmin_track.store import journal
from anmin_track.store.folder import INDEX_NAME, MONTH_FILE, DataDir
from anmin_track.store.index import (
    Index,
    contents_match,
    dump_index,
    file_stamps,
    misfit_since,
    rebuild_stale,
    saved_index,
)
from anmin_track.store.lock import locked
from anmin_track.store.plan_file import load_plan, plan_from_toml
from anmin_track.store.records import month_files, records_from_toml
from anmin_track.store.safe_io import atomic_write, deferred_interrupt, require_own_path
from anmin_track.store.tomlcheck import read_text, text_of
from anmin_track.store.writes import retried
from anmin_track.store.years import ARCHIVED_NAME, plans_folder_entries, views, views_of


@retried
def revert_entry(data: DataDir, entry_id: str, author: journal.Author, shown: str = "") -> bool:
    """Revert the journal entry with id ``entry_id``, which must still be the newest, and drop it.

    ``shown`` names that entry as the user saw it (``#6``), for the refusal. The state
    the revert would leave is validated first (each restored plan against the records
    there are now, and so on): if it would not read back cleanly, nothing is written.
    Undo is not itself journaled: running it again reverts the next older change.
    Returns whether a data file was restored: False when the files already were as before
    the change (an undo whose record could not be removed, a write cut short before its
    first file): then only its record goes.
    """
    data = data.whole
    with locked(data, author.who):
        require_own_path(data, data.history_dir, folder=True)  # a linked .history: never delete through it
        entry = journal.last_entry(data)
        if entry.id != entry_id:
            raise WriteError(_moved_on(data, entry_id, shown or "这次修改", entry), steps=(Step("undo"),))
        if journal.is_synced(data, entry):
            raise WriteError(synced_refusal(shown or f"#{entry.seq}"), steps=(Step("amend"), Step("retract")))
        restores = dict(journal.planned_restores(data, entry))
        before = views(data)
        for view in _views_after(data, restores):
            current = saved_index(view, file_stamps(view)) if view in before else None
            _check_restored(view, restores, current if current and contents_match(view, current) else None)
        reverted = any(not _derived(data, path) for path in restores)
        with deferred_interrupt():
            journal.restore_files(list(restores.items()))
            for view in views(data):
                if view.index_file.exists():
                    _refresh_index(view)
            journal.discard(entry)
            journal.WRITTEN.append(f"撤销 #{entry.seq}：{entry.summary}")
    return reverted


def synced_refusal(shown: str) -> str:
    return (
        f"{shown} 已同步到其他电脑，不能再撤销（撤销会在下次同步时把其他电脑上的数据也改回去），未撤销任何内容。"
        "记错的进展请更正或撤回那条记录，再同步。"
    )


def _derived(data: DataDir, path: Path) -> bool:
    """An index (of any year's plan): rebuilt whenever it disagrees, so restoring it alone reverts nothing."""
    return path.parent == data.progress_dir and INDEX_NAME.match(path.name) is not None


def _moved_on(data: DataDir, entry_id: str, shown: str, newest: journal.JournalEntry) -> str:
    still_there = any(isinstance(e, journal.JournalEntry) and e.id == entry_id for e in journal.history(data))
    if still_there:
        why = f"在您确认期间又有新的修改（现在最近一次是 #{newest.seq}），它已不是最近一次修改"
    else:
        why = "在您确认期间它已被撤销（可能是其他人撤销的）"
    return f"您确认撤销的修改 {shown} {why}，未撤销任何内容。如仍需撤销，请重新查看现在最近一次修改。"


def _text(data: DataDir, path: Path, restores: dict[Path, bytes | None]) -> str:
    label = data.label(path)
    if path not in restores:
        return read_text(path, label)
    return text_of(restores[path] or b"", label)


def _views_after(data: DataDir, restores: dict[Path, bytes | None]) -> list[DataDir]:
    """The folder's plans as the revert would leave them: plans/ with the restored files, goals.toml's year as restored."""
    years = set(plans_folder_entries(data)[0])
    for path, content in restores.items():
        found = ARCHIVED_NAME.match(path.name)
        if path.parent == data.plans_dir and found:
            (years.add if content is not None else years.discard)(int(found.group(1)))

    def current() -> int | None:
        with contextlib.suppress(DataError):
            plan = plan_from_toml(_text(data, data.plan_file, restores), data.label(data.plan_file))[0]
            return plan.year if plan is not None else None
        return None

    return views_of(data, sorted(years), current)


def _check_restored(data: DataDir, restores: dict[Path, bytes | None], current: Index | None) -> None:
    """The plan of ``data`` and its month files as the revert would leave them must read back cleanly.

    The months the revert restores are read in full. The others are as ``current`` (the
    index, if it matches the files) knows them: only those from the first month that may
    not fit the plan as restored are read (``misfit_since``); without it, all of them.
    """
    plan_label = data.label(data.plan_file)
    plan, problems = plan_from_toml(_text(data, data.plan_file, restores), plan_label)
    months = {path: ym for ym, path in month_files(data).items()}
    for path, content in restores.items():
        found = MONTH_FILE.match(path.name)
        if path.parent == data.progress_dir and found and data.owns_year(int(found.group(1))):
            if content is None:
                months.pop(path, None)
            else:
                months[path] = (int(found.group(1)), int(found.group(2)))
    if plan is not None and not problems:
        since = misfit_since(current.digest, plan) if current else min(months.values(), default=None)
        for path, ym in sorted(months.items(), key=lambda item: item[1]):
            if path in restores or (since is not None and ym >= since):
                problems += records_from_toml(_text(data, path, restores), data.label(path), plan, ym)[1]
    if problems:
        raise DataError(
            f"撤销后数据将不一致：{problems[0]}。未撤销任何内容。"
            "可先修改计划或进展记录使其与撤销后的状态相符，或检查全部数据。",
            problems,
            steps=(Step("check"),),
        )


def _refresh_index(data: DataDir) -> None:
    """Match the derived index of ``data``'s plan to the files as the revert left them.

    Restored files carry a new modification time. The index the revert put back (the one
    from before the reverted write) knows their content by its digests, so it is taken
    with the new times without reading a month; when it does not describe them (a month
    edited by hand since), it is rebuilt from every month file.
    """
    with contextlib.suppress(AnminError, OSError):
        index = saved_index(data, file_stamps(data)) or rebuild_stale(data, load_plan(data))
        atomic_write(data.index_file, dump_index(index))
