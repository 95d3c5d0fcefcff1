"""``anmin undo``: the change it would revert, and reverting it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from anmin_track import store
from anmin_track.errors import Step, WriteError
from anmin_track.tuples import NamedTuple

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- undo


def undo_candidate(data: store.DataDir) -> store.JournalEntry:
    """The change `undo` would revert (shown to the user before asking)."""
    store.require_writable(data, "撤销修改")
    entry = store.last_entry(data)
    if store.is_synced(data.whole, entry):  # said before asking; checked again under the lock
        raise WriteError(store.synced_refusal(f"#{entry.seq}"), steps=(Step("amend"), Step("retract")))
    return entry


class Undone(NamedTuple):
    left: int  # older changes that remain
    reverted: bool  # False: the files were as before the change already; only its record went


def undo_entry(data: store.DataDir, entry: store.JournalEntry, author: store.Author) -> Undone:
    """Revert ``entry`` (as shown to the user), which must still be the newest change.

    Confirmed on the entry's id, never reused: if it was undone meanwhile and a new
    change took its number, the new change is not touched.
    """
    reverted = store.revert_entry(data, entry.id, author, shown=f"#{entry.seq}")
    return Undone(len(store.history(data)), reverted)
