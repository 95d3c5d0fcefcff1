"""Several PCs, one ledger: ``anmin sync`` (through git), setting it up, and the merge driver git runs.

The git plumbing and every rule of it are in ``store.sync``, under the data folder's lock; it is imported
only by these use cases (it brings ``subprocess`` and the merge code, which no other command needs).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from anmin_track import store

if TYPE_CHECKING:
    from anmin_track.store.merge import Merged
    from anmin_track.store.sync import Synced


def start_sync(data: store.DataDir, remote: str | None, author: store.Author) -> bool:
    """`sync init [REMOTE]` in a data folder; returns whether its repository was made now (else set up again)."""
    from anmin_track.store import sync

    store.require_writable(data, "设置同步")
    return sync.start(data, remote, author)


def clone_data(target: Path, remote: str, author: store.Author) -> store.DataDir:
    """`sync init REMOTE --data 新文件夹`: the data folder of ``remote``, copied into ``target`` (which it makes)."""
    from anmin_track.store import sync

    return sync.clone(target, remote, author)


def sync_folder(data: store.DataDir, author: store.Author, dry_run: bool = False) -> Synced:
    """`anmin sync`: send this PC's changes, take the others', merged record by record."""
    from anmin_track.store import sync as plumbing

    store.require_writable(data, "同步")
    return plumbing.sync(data, author, dry_run)


def merge_driver(base: Path, ours: Path, theirs: Path, path: str) -> Merged:
    """`anmin merge-driver %O %A %B %P`, run by git during a sync."""
    from anmin_track.store import sync

    return sync.run_driver(base, ours, theirs, path)
