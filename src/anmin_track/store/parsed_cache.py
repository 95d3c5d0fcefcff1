"""A parsed copy of each plan file and each index, so that a command need not parse TOML at all.

Every command reads the plan, and most the index. Parsing both with the compiled tomli takes
about 1 ms in a folder of many years' records, and importing tomli 1.3 ms more (its module-level
regexes): together some 4 % of a ~60 ms `goals list`. A copy is the TOML document as Python
values, written with ``marshal`` (built in, nothing to import; read back with its dates in
0.1–0.2 ms).

A copy is used only for the very text it was made from: its first line names that text (length
and two checksums) and carries a checksum of the rest, which is decoded only into what TOML has
(tables, arrays, strings, numbers, booleans, dates and times). Anything else (another text, a
damaged or foreign file) is a miss, and the text is parsed as before. A writer keeps the copy of
each plan or index it writes (``keep``), under its lock; a reader that had to parse saves one
quietly (skipped when the folder is read-only or a writer holds the lock). Derived data like the
index: never through the journal, not synced, not backed up, written without fsync (a copy cut
short by a power cut fails its checksum); ``anmin check`` parses each file itself, compares its
copy with it and makes anew one that says otherwise (the rest of the check reads what it parsed).

``marshal`` is not meant to read data from strangers. A copy is read only from the data folder's
own progress/.cache (never synced: git ignores it), which is no more open than goals.toml beside it,
and only once its checksum holds; what it holds is then checked value by value.
"""

from __future__ import annotations

import contextlib
import marshal
import zlib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from anmin_track.errors import AnminError
from anmin_track.store.folder import CACHE_DIR, INDEX_NAME, PLAN_FILE, PLANS_DIR, PROGRESS_DIR, DataDir, read_regular
from anmin_track.store.tomlcheck import (
    Problem,
    is_parsed,
    parse_afresh,
    parse_toml,
    read_text,
    remember_parsed,
    text_of,
)

_MAGIC = b"anmin-parsed"
_FORMAT = b"1"
#: Copies ``problem`` found lying and could not make anew: never read again by this process (``anmin check``
#: reads many plans and indexes; the documents ``parse_toml`` keeps are only the last few).
_DISBELIEVED: set[Path] = set()


def parsed_text(data: DataDir, path: Path, label: str) -> str:
    """The text of ``path`` (as ``read_text`` gives it), its TOML document ready for ``parse_toml``:
    from the copy kept of it, else parsed now (DataError when it is not TOML) and kept for the next command."""
    text = read_text(path, label)
    if is_parsed(text):
        return text  # this process has its document already (``anmin check`` parsed it, not believing the copy)
    key = _text_key(text)
    doc = None if cache_path(data, path) in _DISBELIEVED else _load(data, path, key)
    if doc is not None:
        remember_parsed(text, doc)
    elif data.keeps_derived:
        _save_quietly(data, path, key, parse_toml(text, label))
    return text


def keep(data: DataDir, written: dict[Path, bytes], docs: dict[Path, dict]) -> None:
    """Keep the parsed copy of each plan or index just ``written`` (file: content) by the caller, who
    holds the lock: the document in ``docs`` (an index's, as built), else the one parsing it gave
    (``parse_toml`` remembers it). Best effort: a copy that cannot be written is simply not there."""
    from anmin_track.store.safe_io import write_derived  # the write paths

    for path, content in written.items():
        if not _kept_kind(data, path):
            continue  # a month file, the 督办单 states
        with contextlib.suppress(Exception):  # after the journal: nothing here may fail the command
            text = text_of(content, path.name)
            doc = docs.get(path)
            doc = parse_toml(text, path.name) if doc is None else doc
            remember_parsed(text, doc)
            write_derived(data, cache_path(data, path), _content(_text_key(text), doc), durable=False)


def _kept_kind(data: DataDir, path: Path) -> bool:
    """Whether ``path`` is a plan (goals.toml, plans/YYYY.toml) or an index: the files a copy is kept of."""
    rel = path.relative_to(data.path).parts
    return rel == (PLAN_FILE,) or (
        len(rel) == 2 and (rel[0] == PLANS_DIR or (rel[0] == PROGRESS_DIR and bool(INDEX_NAME.match(rel[1]))))
    )


def cache_path(data: DataDir, path: Path) -> Path:
    """Where the copy of ``path`` (a file of the data folder) is kept: progress/.cache/goals.toml.parsed and the like."""
    return data.progress_dir / CACHE_DIR / ("_".join(path.relative_to(data.path).parts) + ".parsed")


def problem(data: DataDir, path: Path) -> Problem | None:
    """For ``anmin check``: the copy kept of ``path`` when, made for its text as it is now, it holds anything
    but that text's document (or cannot be read back). Whatever it held, the copy is then made anew from the
    text, when it can be; a copy for another text is never used, and is made anew too."""
    try:
        text = read_text(path, data.label(path))
        truth = parse_afresh(text, data.label(path))
    except AnminError:
        return None  # the text itself is reported where it is checked
    remember_parsed(text, truth)  # what the rest of the check reads, whatever the copy says
    key = _text_key(text)
    try:
        kept = _load(data, path, key, strict=True)
    except Exception:  # a copy that cannot be read back is lying too
        lying = True
    else:
        if kept == truth:
            return None
        lying = kept is not None  # else there was none for this text
    remade = data.keeps_derived and _save_quietly(data, path, key, truth)
    if not lying:
        return None
    if not remade:
        _DISBELIEVED.add(cache_path(data, path))  # for the rest of this process: it says other than its file
    done = "已按该文件重建" if remade else "请删除它（可随时删除，会自动重建）"
    return Problem(
        data.label(cache_path(data, path)),
        None,
        f"解析缓存与 {data.label(path)} 的内容不符（被改动过），{done}；以该文件为准",
    )


def _text_key(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    return b"%d-%08x%08x" % (len(raw), zlib.crc32(raw), zlib.adler32(raw))


def _content(key: bytes, doc: dict) -> bytes:
    body = marshal.dumps(_encoded(doc), 4)
    return b" ".join((_MAGIC, _FORMAT, key, _checksum(body))) + b"\n" + body


def _load(data: DataDir, path: Path, key: bytes, strict: bool = False) -> dict | None:
    """The document kept for the text ``key`` names; None when there is none for that text. A damaged
    or foreign copy is a miss too, unless ``strict`` (then the exception reading it raised)."""
    try:
        content = read_regular(cache_path(data, path))
    except OSError:  # none kept, or not ours to read
        return None
    try:
        header, _, body = content.partition(b"\n")
        magic, form, made_from, checksum = header.split(b" ")
        if magic != _MAGIC or form != _FORMAT or made_from != key:
            return None
        if checksum != _checksum(body):
            raise ValueError("checksum")
        doc = _decoded(marshal.loads(body))
        if not isinstance(doc, dict):
            raise ValueError("not a table")
        return doc
    except Exception:  # whatever a damaged copy makes marshal or a date do (OverflowError, RecursionError…)
        if strict:
            raise
        return None


def _save_quietly(data: DataDir, path: Path, key: bytes, doc: dict) -> bool:
    """Keep ``doc`` for the next reader; skipped when a writer holds the lock (it keeps its own). Whether it was kept."""
    from anmin_track.store.safe_io import save_derived  # the write paths: not loaded by a command that only reads

    return save_derived(data, cache_path(data, path), _content(key, doc), "保存解析缓存", durable=False)


def _checksum(body: bytes) -> bytes:
    return b"%08x%08x" % (zlib.crc32(body), zlib.adler32(body))


# A TOML document holds no tuples: in a copy, a tuple is a date or a time, tagged.
def _encoded(value: object) -> Any:
    if isinstance(value, dict):
        return {k: _encoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encoded(v) for v in value]
    if isinstance(value, datetime):
        return ("t", value.isoformat())
    if isinstance(value, date):
        return ("d", value.toordinal())
    if isinstance(value, time):
        return ("h", value.isoformat())
    return value


def _decoded(value: object) -> object:
    """``value`` as ``_encoded`` made it, back; ValueError for anything a TOML document cannot hold."""
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError("a key that is not text")
        return {k: _decoded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decoded(v) for v in value]
    if isinstance(value, tuple) and len(value) == 2:
        tag, raw = value
        if tag == "d" and isinstance(raw, int):
            return date.fromordinal(raw)
        if tag == "t" and isinstance(raw, str):
            return datetime.fromisoformat(raw)
        if tag == "h" and isinstance(raw, str):
            return time.fromisoformat(raw)
    if isinstance(value, str | int | float):  # bool is an int
        return value
    raise ValueError(f"a {type(value).__name__}, which TOML has not")
