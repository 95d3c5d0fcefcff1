"""A parsed copy of each large, validated month file: reading the month then costs a JSON load.

Parsing and validating a month file of 570 records takes about 9 ms (TOML dates and times
are slow to parse, even for the compiled tomli); the same records load from JSON in under
1 ms. Months below ``CACHE_FROM`` characters (a township's real months) are parsed as
they are: there the JSON import would cost more than it saves.

Each copy is keyed by the month file's text (two checksums and the length) and by the
plan facts records are validated against (``records.validation_facts``), so it is used
only for the very text it was made from; anything else (a hand edit, a changed plan, a
damaged or foreign cache file) is simply a miss, and the month is parsed and validated
again. Its records carry a checksum, so a copy edited by hand is a miss too: the file is one
line of JSON with the key and the checksum, then the records as JSON, which the checksum
covers byte for byte (decoded once, unlike a JSON string inside JSON). Like the
index, it is derived data: saved quietly by whichever command read the month, never
through the journal. `anmin check` never reads records from it; it compares each copy
with its month (``faithful``) and removes one that says otherwise.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from anmin_track import model
from anmin_track.store.folder import CACHE_DIR, DataDir, read_regular

#: Month texts at least this long are cached (about 120 records).
CACHE_FROM = 32_000
_FORMAT = 3


def cache_key(text: str, facts: str) -> str:
    raw, plan = text.encode("utf-8"), facts.encode("utf-8")
    return f"{_FORMAT}-{len(raw)}-{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}-{zlib.crc32(plan):08x}"


def load(data: DataDir, ym: tuple[int, int], key: str) -> tuple[model.Record, ...] | None:
    """The cached records of month ``ym`` if the cache was made from the text ``key`` names."""
    try:
        same_text, rows = _rows(read_regular(cache_path(data, ym)), key)
        return tuple(_record(row) for row in rows) if same_text and rows is not None else None
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):  # missing, damaged, foreign
        return None


def _rows(content: bytes, key: str) -> tuple[bool, list | None]:
    """Whether a cache file was made from the text ``key`` names, and then its record rows (None when its
    checksum is wrong); ValueError (and the like) when it is not a cache file."""
    import json

    header, _, rows = content.partition(b"\n")
    doc = json.loads(header)
    if not isinstance(doc, dict) or doc.get("key") != key:
        return False, None
    if doc["sum"] != _checksum(rows):
        return True, None
    return True, json.loads(rows)


def faithful(
    data: DataDir,
    ym: tuple[int, int],
    key: str,
    records: Sequence[model.Record] | None = None,
    count: int | None = None,
    present: Sequence[model.Record] = (),
) -> bool:
    """Whether month ``ym``'s copy, if it is the one for the text ``key`` names, has an intact checksum and
    holds ``records`` (its month as parsed), or, where the month is not parsed, ``count`` records (when
    known) among them each of ``present``: a copy for another text is never used, so it is no lie."""
    try:
        same_text, rows = _rows(read_regular(cache_path(data, ym)), key)
        if not same_text:
            return True
        if rows is None:
            return False
        cached = tuple(_record(row) for row in rows)
        if records is not None:
            return cached == tuple(records)
        return (count is None or len(cached) == count) and all(r in cached for r in present)
    except FileNotFoundError:
        return True
    except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        return False


def discard(data: DataDir, ym: tuple[int, int]) -> bool:
    """Remove month ``ym``'s copy, so the next reader parses the month; whether it is gone (not when the
    folder is read-only or a writer holds the lock)."""
    from anmin_track.store.safe_io import remove_derived  # the write paths: not loaded by a command that only reads

    return remove_derived(data, cache_path(data, ym), "删除进展缓存")


def save(data: DataDir, ym: tuple[int, int], key: str, records: Sequence[model.Record]) -> None:
    """Keep ``records`` for the next reader; skipped when the folder is read-only or a writer holds the lock."""
    if not data.keeps_derived:
        return
    import json

    from anmin_track.store.safe_io import save_derived  # the write paths: not loaded by a command that only reads

    rows = json.dumps([_row(r) for r in records], ensure_ascii=False).encode("utf-8")
    content = json.dumps({"key": key, "sum": _checksum(rows)}).encode("utf-8") + b"\n" + rows
    save_derived(data, cache_path(data, ym), content, "保存进展缓存")


def _checksum(rows: bytes) -> str:
    return f"{zlib.crc32(rows):08x}{zlib.adler32(rows):08x}"


def cache_path(data: DataDir, ym: tuple[int, int]) -> Path:
    return data.progress_dir / CACHE_DIR / f"{ym[0]:04d}-{ym[1]:02d}.json"


def _row(r: model.Record) -> list:
    return [r.task, r.date.isoformat(), r.progress, r.by, r.at.isoformat(), r.note, r.problem, r.next, dict(r.metrics)]


def _record(row: list) -> model.Record:
    task, day, progress, by, at, note, problem, next_, metrics = row
    return model.Record(
        task, date.fromisoformat(day), progress, by, datetime.fromisoformat(at), note, problem, next_, metrics
    )
