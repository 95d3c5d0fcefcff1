"""A parsed copy of each large, validated month file: reading the month then costs a JSON load.

Parsing and validating a month file of 570 records takes about 9 ms (TOML dates and times
are slow to parse, even for the compiled tomli); the same records load from JSON in under
1 ms. Months below ``CACHE_FROM`` characters (a township's real months) are parsed as
they are: there the JSON import would cost more than it saves.

Each copy is keyed by the month file's text (two checksums and the length) and by the
plan facts records are validated against (``records.validation_facts``), so it is used
only for the very text it was made from; anything else (a hand edit, a changed plan, a
damaged or foreign cache file) is simply a miss, and the month is parsed and validated
again. Like the index, it is derived data: saved quietly by whichever command read the
month, never through the journal, and `anmin check` never uses it.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from anmin_track import model
from anmin_track.errors import AnminError
from anmin_track.store.folder import DataDir, read_regular
from anmin_track.store.lock import locked
from anmin_track.store.safe_io import atomic_write, require_own_path

CACHE_DIR = ".cache"
#: Month texts at least this long are cached (about 120 records).
CACHE_FROM = 32_000
_FORMAT = 1


def cache_key(text: str, facts: str) -> str:
    raw, plan = text.encode("utf-8"), facts.encode("utf-8")
    return f"{_FORMAT}-{len(raw)}-{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}-{zlib.crc32(plan):08x}"


def load(data: DataDir, ym: tuple[int, int], key: str) -> tuple[model.Record, ...] | None:
    """The cached records of month ``ym`` if the cache was made from the text ``key`` names."""
    import json

    try:
        doc = json.loads(read_regular(_path(data, ym)))
        if doc["key"] != key:
            return None
        return tuple(_record(row) for row in doc["records"])
    except (OSError, ValueError, KeyError, TypeError, IndexError):  # missing, damaged, foreign: a miss
        return None


def save(data: DataDir, ym: tuple[int, int], key: str, records: Sequence[model.Record]) -> None:
    """Keep ``records`` for the next reader; skipped when the folder is read-only or a writer holds the lock."""
    if not data.keeps_derived:
        return
    import json

    content = json.dumps({"key": key, "records": [_row(r) for r in records]}, ensure_ascii=False)
    path = _path(data, ym)
    with contextlib.suppress(AnminError, OSError), locked(data, "保存进展缓存", timeout=0):
        require_own_path(data, path)  # no symlink on the way: never write outside the data folder
        atomic_write(path, content.encode("utf-8"))


def _path(data: DataDir, ym: tuple[int, int]) -> Path:
    return data.progress_dir / CACHE_DIR / f"{ym[0]:04d}-{ym[1]:02d}.json"


def _row(r: model.Record) -> list:
    return [r.task, r.date.isoformat(), r.progress, r.by, r.at.isoformat(), r.note, r.problem, r.next, dict(r.metrics)]


def _record(row: list) -> model.Record:
    task, day, progress, by, at, note, problem, next_, metrics = row
    return model.Record(
        task, date.fromisoformat(day), progress, by, datetime.fromisoformat(at), note, problem, next_, metrics
    )
