"""Three-way merges of the data files, for ``anmin merge-driver`` (git runs it when two PCs changed one file).

Pure: the three versions' bytes in (the common ancestor, this PC's, the other PC's), the merged
bytes or the conflicts out; no file is read or written here. Items of a file are matched by their
key, and merged field by field: a field changed on one side only takes that change, the same change
on both sides is one change, two different changes are a conflict (so is an item changed on one
side and removed on the other, or an item with one key added on both sides with different content).

- month files ``progress/YYYY-MM.toml``: records by (task, ``at``), written sorted by (``at``, task);
  when both sides only appended, only the appended parts are parsed (``_appended_only``);
- the 督办单 register ``.notices.toml`` and its state file ``.notices-state.toml``: by (year, number);
- plan files (``merge_plan``, which also says which merge each file gets: ``merge_file``): goals and
  tasks by id, keeping this PC's comments.

The result is the same whichever PC merges: nothing depends on which side is "ours" except the
comments and layout of a plan file, which both PCs share from their common ancestor.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from datetime import datetime

from anmin_track import model
from anmin_track.errors import DataError, Step
from anmin_track.store.folder import PLAN_FILE
from anmin_track.store.notice_state import STATE_SCHEMA
from anmin_track.store.records import BARE_SCHEMA, RECORD_ORDER
from anmin_track.store.tomlcheck import dump_toml, parse_toml, text_of
from anmin_track.tuples import NamedTuple

PLAN_PATH = re.compile(rf"^(?:{re.escape(PLAN_FILE)}|plans/\d{{4}}\.toml)$")
MONTH_PATH = re.compile(r"^progress/(\d{4})-(\d{2})\.toml$")


class Merged(NamedTuple):
    """The merged file (None when there are conflicts), or what stands in the way, one line each, with the step
    that settles each where there is one (this PC given the other's value: then both agree)."""

    content: bytes | None
    conflicts: tuple[str, ...] = ()
    steps: tuple[Step | None, ...] = ()


class _Gone:
    """An item or field a version does not have."""

    def __repr__(self) -> str:
        return "GONE"


GONE = _Gone()


class Keyed(NamedTuple):
    """How the items of an array of tables are matched and named."""

    key: Callable[[dict], Hashable]
    #: The item in words for a conflict: ``任务 1.2``.
    name: Callable[[dict], str]
    #: The order the merged array is written in, as a sort key of an item (None: the base's
    #: order, then the added items by ``added_order``).
    order: Callable[[dict], tuple] | None = None
    added_order: Callable[[dict], tuple] | None = None
    #: Arrays of tables inside an item that are merged by key too (``goals`` → ``tasks``).
    nested: dict[str, Keyed] | None = None
    #: The field names for a conflict: key → Chinese label.
    labels: dict[str, str] | None = None
    #: The step that gives this PC's item (first argument) the other's value of a field: (item, key, value) → Step.
    fix: Callable[[dict, str, object], Step | None] | None = None


def table(nested: dict[str, Keyed] | None = None, labels: dict[str, str] | None = None) -> Keyed:
    """How a plain table (the register's root, the plan's ``[settings]``) is merged: its arrays of tables and
    the labels of its fields (it is never matched by key itself)."""
    return Keyed(key=str, name=str, nested=nested, labels=labels)


class Conflicts:
    """The conflicts found so far, as the lines a clerk reads."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.steps: list[Step | None] = []

    def add(self, line: str, step: Step | None = None) -> None:
        self.lines.append(line)
        self.steps.append(step)

    def field(self, item: str, label: str, ours: object, theirs: object, step: Step | None = None) -> None:
        self.add(f"{item}的{label}：本机为 {shown(ours)}，另一台电脑为 {shown(theirs)}", step)

    def merged(self) -> Merged:
        return Merged(None, tuple(self.lines), tuple(self.steps))

    def added(self, item: str, differs: str) -> None:
        self.add(
            f"{item}在两台电脑上各新增了一次，内容不同（{differs}）"
            if differs
            else f"{item}在两台电脑上各新增了一次，内容不同"
        )

    def removed(self, item: str, here: bool) -> None:
        where, other = ("本机", "另一台电脑") if here else ("另一台电脑", "本机")
        self.add(f"{item}在{where}已删除（或撤回），在{other}却有改动")


def shown(value: object) -> str:
    """A field's value in a conflict line: text in quotes, 空 for nothing."""
    if value is GONE or value == "" or value is None:
        return "（空）"
    if isinstance(value, str):
        one_line = " ".join(value.split())
        return f"“{one_line[:60]}{'…' if len(one_line) > 60 else ''}”"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "、".join(map(shown, value)) if value else "（空）"
    if isinstance(value, dict):
        return "，".join(f"{k} {shown(v)}" for k, v in value.items()) or "（空）"
    return str(value)


def pick(base: object, ours: object, theirs: object) -> tuple[object, bool]:
    """One field's merged value, and whether the two sides changed it differently."""
    if ours == theirs or theirs == base:
        return ours, False
    if ours == base:
        return theirs, False
    return ours, True


def merge_table(base: dict, ours: dict, theirs: dict, item: str, spec: Keyed | None, conflicts: Conflicts) -> dict:
    """A table merged field by field; arrays of tables named in ``spec.nested`` merged item by item."""
    nested = (spec.nested if spec else None) or {}
    labels = (spec.labels if spec else None) or {}
    merged: dict = {}
    for key in _key_order(base, ours, theirs):
        b, o, t = base.get(key, GONE), ours.get(key, GONE), theirs.get(key, GONE)
        if key in nested and all(isinstance(v, list) or v is GONE for v in (b, o, t)):
            value: object = merge_array(_list(b), _list(o), _list(t), nested[key], conflicts)
        else:
            value, clash = pick(b, o, t)
            if clash:
                step = spec.fix(ours, key, t) if spec and spec.fix else None
                conflicts.field(item, labels.get(key, key), o, t, step)
        if value is not GONE:
            merged[key] = value
    return merged


def _list(value: object) -> list:
    return value if isinstance(value, list) else []


def _key_order(*tables: dict) -> list:
    """The base's keys in its order, then the keys the sides added, sorted: the same whichever side is ours."""
    base, *sides = tables
    added = {key for side in sides for key in side if key not in base}
    return [*base, *sorted(added, key=str)]


def merge_array(base: list, ours: list, theirs: list, spec: Keyed, conflicts: Conflicts) -> list:
    """An array of tables merged item by item (items matched by ``spec.key``)."""
    b, o, t = (
        _by_key(items, spec, conflicts, side)
        for items, side in ((base, "共同"), (ours, "本机"), (theirs, "另一台电脑"))
    )
    merged: list[dict] = []
    for key in [*b, *sorted((k for k in {**o, **t} if k not in b), key=lambda k: _added_key(spec, o.get(k) or t[k]))]:
        item = _merge_item(b.get(key, GONE), o.get(key, GONE), t.get(key, GONE), spec, conflicts)
        if item is not GONE:
            merged.append(item)  # type: ignore[arg-type]
    if spec.order is not None:
        merged.sort(key=spec.order)
    return merged


def _added_key(spec: Keyed, item: dict) -> tuple:
    return spec.added_order(item) if spec.added_order else (str(spec.key(item)),)


def _by_key(items: list, spec: Keyed, conflicts: Conflicts, side: str) -> dict:
    found: dict = {}
    for item in items:
        if not isinstance(item, dict):
            raise DataError(f"{side}的文件中有一项不是表，无法合并")
        key = spec.key(item)
        if key in found and found[key] != item:
            conflicts.add(f"{spec.name(item)}在{side}的文件中出现了两次，内容不同，请先检查数据")
        found[key] = item
    return found


def _merge_item(base: object, ours: object, theirs: object, spec: Keyed, conflicts: Conflicts) -> object:
    if ours is GONE and theirs is GONE:
        return GONE
    if base is GONE:  # added on one side, or on both
        if ours is GONE or ours == theirs:
            return theirs
        if theirs is GONE:
            return ours
        assert isinstance(ours, dict) and isinstance(theirs, dict)
        differs = "、".join(
            (spec.labels or {}).get(k, k)
            for k in _key_order({}, ours, theirs)
            if ours.get(k, GONE) != theirs.get(k, GONE)
        )
        conflicts.added(spec.name(ours), differs)
        return ours
    if ours is GONE or theirs is GONE:  # removed on one side: unless the other changed it
        kept = theirs if ours is GONE else ours
        if kept != base:
            conflicts.removed(spec.name(base), here=ours is GONE)  # type: ignore[arg-type]
        return GONE
    assert isinstance(base, dict) and isinstance(ours, dict) and isinstance(theirs, dict)
    return merge_table(base, ours, theirs, spec.name(ours), spec, conflicts)


# --------------------------------------------------------------------------- what git hands the driver


def parsed(content: bytes, label: str, side: str) -> dict:
    """One version's document; an empty file (git's base when both sides added the file) is an empty document."""
    text = text_of(content, f"{label}（{side}）")
    return dict(parse_toml(text, f"{label}（{side}）")) if text.strip() else {}


def refuse_newer(docs: list[dict], known: int, label: str) -> None:
    """A version written by a newer program cannot be merged by this one."""
    newest = max((d.get("schema", 0) for d in docs if isinstance(d.get("schema", 0), int)), default=0)
    if newest > known:
        raise DataError(
            f"{label} 的格式版本为 {newest}，本程序只能读取到版本 {known}：另一台电脑的程序较新，"
            "请先把本机的 anmin-track 升级到同一版本"
        )


def same_schema(docs: list[dict]) -> None:
    """Both sides' ``schema`` raised to the higher of the two: a file a newer program wrote is read by it
    (``refuse_newer`` saw to that), so the merged file keeps the higher version instead of a conflict."""
    sides = [d.get("schema") for d in docs[1:]]
    if all(isinstance(s, int) for s in sides):
        for doc in docs[1:]:
            doc["schema"] = max(sides)  # type: ignore[type-var]


# --------------------------------------------------------------------------- month files


def record_key(raw: dict) -> tuple:
    """A record's identity: (task, ``at``)."""
    return (raw.get("task"), raw.get("at"))


def record_name(raw: dict) -> str:
    at = raw.get("at")
    when = f"{at:%Y-%m-%d %H:%M:%S}" if isinstance(at, datetime) else shown(at)
    return f"任务 {raw.get('task')} {raw.get('date')} 的进展记录（记于 {when}）"


def record_order(raw: dict) -> tuple:
    """The order records are written in: by ``at``, then task (see ``records.month_document``)."""
    at = raw.get("at")
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise DataError(f"{record_name(raw)}的记录时间 at 缺少时区或不是日期时间，请先检查数据")
    return (at, str(raw.get("task")))


#: The record fields ``goals amend`` corrects, by option.
AMENDABLE = ("progress", "note", "problem", "next")


def amend_step(raw: dict, key: str, value: object) -> Step | None:
    """``goals amend TASK --date DAY --FIELD VALUE``: this PC's record given the other's value."""
    if key not in AMENDABLE or value is GONE:
        return None
    return Step("amend", (str(raw.get("task")),), (("date", str(raw.get("date"))), (key, str(value))))


RECORDS = Keyed(
    key=record_key,
    name=record_name,
    order=record_order,
    fix=amend_step,
    labels={
        "progress": "进度",
        "note": "进展情况",
        "problem": "存在问题",
        "next": "下步计划",
        "metrics": "指标",
        "by": "记录人",
        "date": "日期",
    },
)


def merge_month(base: bytes, ours: bytes, theirs: bytes, label: str) -> Merged:
    quick = _appended_only(base, ours, theirs, label)
    if quick is not None:
        return quick
    docs = [parsed(content, label, side) for content, side in ((base, "共同"), (ours, "本机"), (theirs, "另一台电脑"))]
    refuse_newer(docs, model.SCHEMA, label)
    conflicts = Conflicts()
    base_records, ours_records, theirs_records = (d.get("records", []) for d in docs)
    records = merge_array(base_records, ours_records, theirs_records, RECORDS, conflicts)
    if conflicts.lines:
        return conflicts.merged()
    schema = max(docs[1].get("schema", 1), docs[2].get("schema", 1))
    if any("progress" not in r for r in records):
        schema = max(schema, BARE_SCHEMA)
    return Merged(dump_toml({"schema": schema, "records": [canonical_record(r) for r in records]}))


def canonical_record(raw: dict) -> dict:
    """A record's fields in the order this program writes them (unknown ones last, for ``check`` to name)."""
    return {
        **{k: raw[k] for k in RECORD_ORDER if k in raw},
        **{k: raw[k] for k in sorted(raw) if k not in RECORD_ORDER},
    }


_RECORD_TABLES_ONLY = re.compile(r"^\s*(?:\[\[records\]\]|#|$)")
_BARE_SCHEMA_LINE = re.compile(rb"^schema = 2\s*$", re.MULTILINE)


def _appended_only(base: bytes, ours: bytes, theirs: bytes, label: str) -> Merged | None:
    """Both sides only appended records to the common month: the base's bytes, then the records appended on
    either side in record order, each as the program appends one. Only the appended parts are parsed, so a
    month of thousands of records merges as fast as a few. None: not this case (the whole files are merged)."""
    if not base.strip() or not (ours.startswith(base) and theirs.startswith(base)):
        return None
    added: dict[tuple, dict] = {}
    conflicts = Conflicts()
    for side, content in (("本机", ours), ("另一台电脑", theirs)):
        tail = content[len(base) :].decode("utf-8", "replace")
        if not _RECORD_TABLES_ONLY.match(tail.lstrip("\r\n")):
            return None
        doc = parsed(tail.encode("utf-8"), label, side)
        if set(doc) - {"records"}:
            return None
        for raw in doc.get("records", []):
            key = record_key(raw)
            if key in added and added[key] != raw:
                conflicts.added(record_name(raw), "")
            added[key] = raw
    if conflicts.lines:
        return conflicts.merged()
    if any("progress" not in r for r in added.values()) and not _BARE_SCHEMA_LINE.search(base):
        return None  # the schema line must change: the whole file is written anew
    chunks = [dump_toml({"records": [canonical_record(r)]}) for r in sorted(added.values(), key=record_order)]
    return Merged(base.rstrip(b"\r\n") + b"\n" + b"".join(b"\n" + chunk for chunk in chunks))


# --------------------------------------------------------------------------- the 督办 register and its state


def notice_name(raw: dict) -> str:
    return f"督办单 {raw.get('code') or ''}（{raw.get('year')}年第 {raw.get('number')} 号）"


NOTICES = Keyed(
    key=lambda raw: (raw.get("year"), raw.get("number")),
    name=notice_name,
    order=lambda raw: (int(raw.get("year") or 0), int(raw.get("number") or 0)),
)


def merge_register(base: bytes, ours: bytes, theirs: bytes, label: str, state: bool) -> Merged:
    """The register of issued numbers, or its state file: ``[[notices]]`` by (year, number); a number issued on
    both PCs for different notices is a conflict. The leading comment lines of this PC's file are kept."""
    docs = [parsed(content, label, side) for content, side in ((base, "共同"), (ours, "本机"), (theirs, "另一台电脑"))]
    if state:
        refuse_newer(docs, STATE_SCHEMA, label)
    same_schema(docs)
    conflicts = Conflicts()
    merged = merge_table(docs[0], docs[1], docs[2], label, table(nested={"notices": NOTICES}), conflicts)
    if conflicts.lines:
        return conflicts.merged()
    notices = merged.pop("notices", [])
    head = _leading_comments(ours.decode("utf-8", "replace"))
    top = dump_toml(merged) if merged else b""
    body = b"".join(b"\n[[notices]]\n" + dump_toml(entry) for entry in notices)
    return Merged(head.encode("utf-8") + top + body)


def _leading_comments(text: str) -> str:
    lines = []
    for line in text.lstrip("\ufeff").splitlines(keepends=True):
        if not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)
