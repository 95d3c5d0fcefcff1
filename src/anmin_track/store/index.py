"""progress/index.toml: each task's latest record, its latest before that month and its latest values,
with the stamps of the files they were read from; kept, checked against the files, rebuilt.

The queries it answers (with the month files where it cannot alone) are in ``queries``.
"""

from __future__ import annotations

import contextlib
import time
from datetime import date
from pathlib import Path

from anmin_track import assess, fields, model
from anmin_track.errors import AnminError, DataError
from anmin_track.store.folder import DataDir, content_hash, read_regular
from anmin_track.store.parsed_cache import parsed_text
from anmin_track.store.records import (
    RULES,
    MonthFile,
    month_files,
    read_month,
    record_to_toml,
    records_from_toml,
    records_of,
)
from anmin_track.store.tomlcheck import Checker, LineIndex, dump_toml, parse_toml, read_text


class Digest:
    """One task's records, as much as a plan change needs to know of them (see ``misfit_since``).

    Kept up to date as records come and go; after a record is taken out, ``first`` and
    ``metrics`` may still count it: they only ever say too much, which costs a plan change
    a reading of some months, never a wrong answer.
    """

    __slots__ = ("records", "first", "metrics")  # a plain class: a dataclass costs start-up time

    def __init__(self, records: int, first: date, metrics: set[str]):
        self.records = records
        self.first = first  # the earliest record's date
        self.metrics = metrics  # every metric named by any of its records

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Digest) and (self.records, self.first, self.metrics) == (
            other.records,
            other.first,
            other.metrics,
        )


class Index:
    """What the month files say, kept small enough to read on every command.

    ``stamps``: size and modification time of goals.toml and of every month file, as
    they were when the index was saved. While they match the files, every month file is
    known to be valid against the plan (nothing is saved from files that did not
    validate), so writers need not parse a month again before appending to it.

    (A plain class: a dataclass costs every command ~0.4 ms to make at import.)
    """

    def __init__(
        self,
        stamps: dict[str, list[int]],
        plan_checked: bool,
        appendable: set[str],
        latest: dict[str, model.Record],
        earlier: dict[str, model.Record],
        values: dict[str, model.LatestValues] | None = None,
        hashes: dict[str, str] | None = None,
        restamped: bool = False,
        digest: dict[str, Digest] | None = None,
        baseline: dict | None = None,
    ) -> None:
        self.stamps = stamps  # file key (see ``file_stamps``) → [size, mtime_ns]
        #: goals.toml is as it was when the months were last validated against it. Readers
        #: do not need it (a plan edited by hand is checked by ``hand_edits`` and ``check``);
        #: a writer appends without re-validating the month only when it holds.
        self.plan_checked = plan_checked
        #: Months whose file has the shape this program writes (every record under its own
        #: ``[[records]]`` header): a new record can be appended to the text as it is.
        self.appendable = appendable
        self.latest = latest  # each task's newest record
        #: Each task's newest record dated before the month of its newest: with it, "as of
        #: the end of last month" (the monthly report) is answered without reading a month.
        self.earlier = earlier
        #: Each task's latest 存在问题, 下步计划 and metric values: what show, export and the
        #: report need "now", answered without reading a month.
        self.values: dict[str, model.LatestValues] = {} if values is None else values
        #: A digest of each stamped file's content, to tell a copy (new times) from an edit.
        self.hashes: dict[str, str] = {} if hashes is None else hashes
        #: Read from an index whose times no longer matched the files but whose content did
        #: (a folder restored from a copy): saved again with the new times.
        self.restamped = restamped
        #: Each task's records in brief: a plan change is checked against it, not against every record.
        self.digest: dict[str, Digest] = {} if digest is None else digest
        #: ``files``, ``hashes`` and ``records`` of the last index saved before files were edited
        #: by hand: what ``hand_edits`` compares with, kept until ``anmin check`` accepts the edit.
        self.baseline = baseline

    def add(self, record: model.Record) -> None:
        """Take a new record into ``latest``, ``earlier``, ``values`` and ``digest``."""
        tid, current = record.task, self.latest.get(record.task)
        self.values[tid] = self.values.get(tid, model.NO_VALUES).with_record(record)
        digest = self.digest.get(tid)
        if digest is None:
            self.digest[tid] = Digest(1, record.date, set(record.metrics))
        else:
            digest.records += 1
            digest.first = min(digest.first, record.date)
            digest.metrics.update(record.metrics)
        if current is None or record.sort_key >= current.sort_key:
            if current is not None and month_of(current) < month_of(record):
                self.earlier[tid] = current
            self.latest[tid] = record
        elif month_of(record) < month_of(current):
            before = self.earlier.get(tid)
            if before is None or record.sort_key >= before.sort_key:
                self.earlier[tid] = record

    def add_month(self, ym: tuple[int, int], month: MonthFile) -> None:
        """Take in a whole month file, validated (and the hash of the content it was read from)."""
        self.hashes[month_key(ym)] = month.hash
        if month.appendable:
            self.appendable.add(month_key(ym))
        for record in month.records:
            self.add(record)

    def answer(self, task_id: str, as_of: date) -> tuple[bool, model.Record | None]:
        """(known, record): the task's newest record as of ``as_of``, if the index can tell."""
        latest = self.latest.get(task_id)
        if latest is None:
            return True, None
        if latest.date <= as_of:
            return True, latest
        if as_of < date(*month_of(latest), 1):  # no record between ``earlier`` and latest's month
            before = self.earlier.get(task_id)
            if before is None or before.date <= as_of:
                return True, before
        return False, None

    def stamp(self, key: str, content: bytes, mtime_ns: int) -> None:
        """Note the file ``key`` as this program writes it: ``content`` at ``mtime_ns``."""
        self.stamps[key] = [len(content), mtime_ns]
        self.hashes[key] = content_hash(content)


def month_of(record: model.Record) -> tuple[int, int]:
    return record.date.year, record.date.month


PLAN_STAMP = "goals.toml"


def month_key(ym: tuple[int, int]) -> str:
    return f"{ym[0]:04d}-{ym[1]:02d}"


def _stamped_files(data: DataDir) -> dict[str, Path]:
    return {PLAN_STAMP: data.plan_file, **{month_key(ym): p for ym, p in month_files(data).items()}}


def file_stamps(data: DataDir) -> dict[str, list[int]]:
    """Size and modification time of goals.toml and every month file: an edit changes at least the time."""
    return {key: stamp_of(path) for key, path in _stamped_files(data).items()}


def stamp_of(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_size, info.st_mtime_ns]


def empty_index(data: DataDir, stamps: dict[str, list[int]] | None = None) -> Index:
    """An index of no records yet, stamped with the files as they are (``stamps``, taken first:
    a file changed while the records are taken in will not match them). A month's content
    hash comes with its records (``add_month``): both from the one reading that validated them."""
    stamps = file_stamps(data) if stamps is None else stamps
    plan_hash = _file_hash(data.plan_file) if PLAN_STAMP in stamps else None
    hashes = {PLAN_STAMP: plan_hash} if plan_hash is not None else {}
    return Index(stamps=stamps, plan_checked=True, appendable=set(), latest={}, earlier={}, hashes=hashes)


def contents_match(data: DataDir, index: Index) -> bool:
    """Every month file has the content ``index`` holds the hash of.

    Matching stamps say so, except for a file whose content changed and whose size and time
    did not (a tool that keeps times, a 2-second clock). What the digest tells a plan change
    must not be taken from such an index: hashing the months costs far less than reading them.
    """
    return all(index.hashes.get(month_key(ym)) == _file_hash(path) for ym, path in month_files(data).items())


def _file_hash(path: Path) -> str | None:
    try:
        return content_hash(read_regular(path))
    except OSError:
        return None


def changed_files(data: DataDir, saved: dict, hashes: dict, now: dict[str, list[int]]) -> set[str]:
    """The files (keys as in ``file_stamps``) that are not as they were when ``saved`` was taken.

    Size and time are compared first. Only a file of the same size but another time is
    read, and counted unchanged when its content has the digest saved with the stamps:
    a folder restored from a copy (``cp -r``: new times, same content) is no edit.
    """
    changed = set(saved.keys() ^ now.keys())
    for key in saved.keys() & now.keys():
        old, new = saved[key], now[key]
        if isinstance(old, list) and old[:2] == new:
            continue
        same_size = isinstance(old, list) and old[:1] == new[:1]
        if not (same_size and key in hashes and hashes[key] == _file_hash(_stamped_files(data)[key])):
            changed.add(key)
    return changed


def _months(stamps: dict) -> dict:
    return {key: value for key, value in stamps.items() if key != PLAN_STAMP}


def write_stamp() -> int:
    """A modification time for files this program writes, recorded in the index.

    Whole even seconds, so that file systems with coarse clocks (FAT keeps 2 s) store
    it exactly; any later edit by another program gets a different time.
    """
    return time.time_ns() // 2_000_000_000 * 2_000_000_000


def load_index(data: DataDir, plan: model.Plan) -> Index:
    """The index; when it no longer matches the files, rebuilt from them and saved (when it can be)."""
    stamps = file_stamps(data)
    found = saved_index(data, stamps)
    if found is None:
        found = rebuild_stale(data, plan, stamps)
        _save_quietly(data, found)
    elif found.restamped:
        _save_quietly(data, found)
    return found


def index_is_stale(data: DataDir) -> bool:
    """The saved index is to be replaced: it is missing or does not match the files, was not
    checked against the plan as it is, keeps what a hand edit lost, or has old file times."""
    saved = saved_index(data, file_stamps(data))
    return saved is None or not saved.plan_checked or saved.baseline is not None or saved.restamped


def rebuild_stale(data: DataDir, plan: model.Plan, stamps: dict[str, list[int]] | None = None) -> Index:
    """``rebuild_index``, to replace a saved index that no longer matches: keeps its ``baseline``."""
    index = rebuild_index(data, plan, stamps)
    index.baseline = unaccepted(data, index.stamps)
    return index


def saved_index(data: DataDir, stamps: dict[str, list[int]], path: Path | None = None) -> Index | None:
    """The index file (or an index of ``data`` kept at ``path``: the county's copy), if it is readable
    and was built from the files as they are."""
    path = data.index_file if path is None else path
    if not path.exists():
        return None
    with contextlib.suppress(DataError):
        label = path.name
        text = parsed_text(data, path, label) if path == data.index_file else read_text(path, label)
        records, problems, doc = records_from_toml(text, label, None, None, index=True)
        files, hashes = doc.get("files"), doc.get("hashes", {})
        if problems or not isinstance(files, dict):
            return None
        changed = changed_files(data, files, hashes, stamps)
        if changed - {PLAN_STAMP}:
            return None
        check = Checker(label, LineIndex(text))
        earlier = records_of(doc, "earlier", check, None, None)
        held = records_of(doc, "values", check, None, None)
        digest = _digest_of(doc["digest"], check)
        latest = {r.task: r for r in records}
        if not check.problems and digest.keys() == latest.keys():
            plan_checked = PLAN_STAMP not in changed
            return Index(
                stamps=stamps if plan_checked else _months(stamps),
                plan_checked=plan_checked,
                appendable=set(doc.get("appendable", [])),
                latest=latest,
                earlier={r.task: r for r in earlier},
                values=assess.latest_values([*held, *latest.values()], date.max),
                hashes={k: v for k, v in hashes.items() if k in stamps and k not in changed},
                restamped=any(files[k][:2] != stamps[k] for k in stamps if k not in changed),
                digest=digest,
                baseline=doc.get("baseline"),
            )
    return None


def _digest_of(raw: dict, check: Checker) -> dict[str, Digest]:
    found = {}
    for task, facts in raw.items():
        if isinstance(facts, dict) and check.table(facts, fields.DIGEST, "记录概况", None):
            found[task] = Digest(facts["records"], facts["first"], set(facts["metrics"]))
    return found


def saved_document(data: DataDir) -> tuple[str, dict] | None:
    """The index file's text and TOML document as saved, whatever they say (None: missing,
    unreadable or not TOML): for the readers that judge a stale index, not just use a fresh one."""
    with contextlib.suppress(OSError, UnicodeDecodeError, DataError):  # NotRegularFile is an OSError
        text = parsed_text(data, data.index_file, data.index_file.name)
        return text, parse_toml(text, data.index_file.name)
    return None


def hand_edited(data: DataDir) -> bool:
    """Whether month files were edited by hand since the saved index (and not yet accepted by ``check``).

    Not when the folder was only copied (new times, same content) or only the plan was edited:
    then the index is replaced all the same, but nobody needs to be told.
    """
    return unaccepted(data, file_stamps(data)) is not None


def unaccepted(data: DataDir, stamps: dict[str, list[int]]) -> dict | None:
    """What ``hand_edits`` must keep comparing with once a rebuilt index replaces the saved one.

    The saved index's own baseline if it has one; else, when the month files are no longer
    as it knew them (edited by hand), its files, digests and latest records; else nothing.
    """
    found = saved_document(data)
    if found is None:
        return None
    doc = found[1]
    if isinstance(doc.get("baseline"), dict):
        return doc["baseline"]
    files, hashes = doc.get("files"), doc.get("hashes", {})
    if (
        isinstance(files, dict)
        and isinstance(hashes, dict)
        and changed_files(data, _months(files), hashes, _months(stamps))
    ):
        return {"files": files, "hashes": hashes, "records": doc.get("records", [])}
    return None


def rebuild_index(data: DataDir, plan: model.Plan, stamps: dict[str, list[int]] | None = None) -> Index:
    """Read and validate every month file (raises DataError naming the first problem)."""
    index = empty_index(data, stamps)
    for ym in sorted(month_files(data)):
        index.add_month(ym, read_month(data, plan, ym))
    return index


def _save_quietly(data: DataDir, index: Index) -> None:
    """Save a rebuilt (or restamped) index, so that the next command need not rebuild it.

    Skipped when the folder is read-only or a writer holds the lock (it saves its own).
    After a hand edit, the saved index keeps what the edit may have lost (``baseline``):
    every command says so (``hand_edits``) until ``anmin check`` has shown it.
    """
    if not data.keeps_derived or set(index.stamps) <= {PLAN_STAMP}:
        return
    from anmin_track.store.lock import locked  # the write paths: not loaded by a command that only reads
    from anmin_track.store.safe_io import atomic_write

    with contextlib.suppress(AnminError, OSError), locked(data, "自动重建索引", timeout=0):
        now = file_stamps(data)
        if PLAN_STAMP not in index.stamps:
            now.pop(PLAN_STAMP)
        if now == index.stamps:  # nothing changed while it was being built
            atomic_write(data.index_file, dump_index(index))


def _held_values(index: Index) -> list[model.Record]:
    """The records holding a task's latest 存在问题, 下步计划 or metric value, other than its latest record."""
    held: list[model.Record] = []
    for tid, values in sorted(index.values.items()):
        mine: list[model.Record] = []
        for r in (values.problem, values.next, *values.metrics.values()):
            if r is not None and r != index.latest.get(tid) and r not in mine:
                mine.append(r)
        held += sorted(mine, key=lambda r: r.sort_key)
    return held


def dump_index(index: Index) -> bytes:
    return dump_toml(index_document(index))


def index_document(index: Index) -> dict:
    """The index file's TOML document (what parsing ``dump_index(index)`` gives back)."""
    doc: dict = {
        "schema": model.SCHEMA,
        "rules": RULES,
        "files": dict(sorted(index.stamps.items())),
        "hashes": {key: index.hashes[key] for key in sorted(index.stamps) if key in index.hashes},
        "appendable": sorted(index.appendable),
        "records": [record_to_toml(r) for _, r in sorted(index.latest.items())],
        "earlier": [record_to_toml(r) for _, r in sorted(index.earlier.items())],
        "values": [record_to_toml(r) for r in _held_values(index)],
        "digest": {
            task: {"records": d.records, "first": d.first, "metrics": sorted(d.metrics)}
            for task, d in sorted(index.digest.items())
        },
    }
    if index.baseline is not None:
        doc["baseline"] = index.baseline
    return doc


def misfit_since(digest: dict[str, Digest], plan: model.Plan) -> tuple[int, int] | None:
    """The first month that may hold a record not fitting ``plan`` (None: every record fits).

    A record depends on the plan in three ways (``records._record``): its task exists,
    it is not dated before the task's start, and it names only the task's metrics. The
    digest answers all three for all of a task's records at once.
    """
    months = [
        (d.first.year, d.first.month)
        for task_id, d in digest.items()
        if (task := plan.task(task_id)) is None
        or d.first < task.start
        or any(task.metric(name) is None for name in d.metrics)
    ]
    return min(months, default=None)


def require_fit(data: DataDir, index: Index, plan: model.Plan) -> None:
    """Every record (as ``index`` knows them) fits ``plan``; else DataError naming the first
    that does not, by file and line, as reading every month would. Reads only the months
    from the first that may not fit."""
    since = misfit_since(index.digest, plan)
    if since is not None:
        for ym in sorted(m for m in month_files(data) if m >= since):
            read_month(data, plan, ym)


def vouched(data: DataDir, plan: model.Plan) -> tuple[dict[str, str], set[str]]:
    """The month files the saved index vouches for, by content digest, and which of them are appendable.

    An index is saved only from month files that were validated (``records_of``, under the
    same ``RULES``) against the plan it stamps; whether or not it is stale, a month whose
    content has the digest it saved is valid against that plan. Against ``plan`` too when
    the plan has the same content; else only the months before the first that may hold a
    record not fitting ``plan`` (``misfit_since``: its digest covers every month it saved).
    Nothing, when the index cannot be read or was saved under other rules.
    """
    found = saved_document(data)
    if found is None:
        return {}, set()
    text, doc = found
    hashes, digest_doc = doc.get("hashes"), doc.get("digest")
    if doc.get("rules") != RULES or not isinstance(hashes, dict) or not isinstance(digest_doc, dict):
        return {}, set()
    since = None
    if hashes.get(PLAN_STAMP) != _file_hash(data.plan_file):
        check = Checker(data.index_file.name, LineIndex(text))
        digest = _digest_of(digest_doc, check)
        if check.problems:
            return {}, set()
        since = misfit_since(digest, plan)
    months = {
        key: value
        for key, value in hashes.items()
        if key != PLAN_STAMP and isinstance(value, str) and (since is None or key < month_key(since))
    }
    appendable = doc.get("appendable", [])
    return months, set(appendable) if isinstance(appendable, list) else set()
