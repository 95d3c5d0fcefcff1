"""The three-way merge of a plan file (``goals.toml``, ``plans/YYYY.toml``), keeping this PC's comments; and
``merge_file``, which merge each data file gets.

The three versions are merged as values (``merge.merge_table``): ``[plan]``, ``[settings]`` and
``[report]`` field by field, goals and their tasks by id, each task field by field (a task's metrics
or milestones are one field). The merged values are then written into this PC's text with tomlkit,
changing only what differs, so the comments and layout people wrote stay; the result must read back
as the merged values and validate as a plan, else nothing is merged.
"""

from __future__ import annotations

import re

from anmin_track import fields, model
from anmin_track.errors import DataError, Step
from anmin_track.store.folder import NOTICE_STATE_FILE, NOTICES_FILE
from anmin_track.store.merge import (
    GONE,
    MONTH_PATH,
    PLAN_PATH,
    Conflicts,
    Keyed,
    Merged,
    merge_array,
    merge_month,
    merge_register,
    merge_table,
    parsed,
    pick,
    refuse_newer,
    same_schema,
    table,
)
from anmin_track.store.plan_file import plan_from_toml
from anmin_track.store.tomlcheck import dump_toml, toml_parser


def _natural(item_id: object) -> tuple:
    """``1.10`` after ``1.9``."""
    return tuple((0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"[.\-]", str(item_id)))


def edit_step(raw: dict, key: str, value: object) -> Step | None:
    """``goals edit ID --FIELD VALUE``: this PC's task (or goal's title) given the other's value."""
    if key not in fields.EDITABLE_TASK_FIELDS or value is GONE:
        return None
    shown = "、".join(map(str, value)) if isinstance(value, list) else str(value)
    return Step("edit", (str(raw.get("id")),), ((key, shown),))


TASKS = Keyed(
    key=lambda raw: str(raw.get("id")),
    name=lambda raw: f"任务 {raw.get('id')}（{raw.get('title', '')}）",
    added_order=lambda raw: _natural(raw.get("id")),
    labels={key: f.label for key, f in fields.TASK.items()},
    fix=edit_step,
)
GOALS = Keyed(
    key=lambda raw: str(raw.get("id")),
    name=lambda raw: f"重点工作 {raw.get('id')}（{raw.get('title', '')}）",
    added_order=lambda raw: _natural(raw.get("id")),
    nested={"tasks": TASKS},
    labels={key: f.label for key, f in fields.GOAL.items()},
    fix=lambda raw, key, value: edit_step(raw, key, value) if key == "title" else None,
)
_TABLES = {"plan": fields.PLAN, "settings": fields.SETTINGS, "report": fields.REPORT}


def merge_file(path: str, base: bytes, ours: bytes, theirs: bytes) -> Merged:
    """The three-way merge of the data file at ``path`` (relative to the data folder, as git names it)."""
    label = path
    try:
        if MONTH_PATH.match(path):
            return merge_month(base, ours, theirs, label)
        if path in (NOTICES_FILE, NOTICE_STATE_FILE):
            return merge_register(base, ours, theirs, label, state=path == NOTICE_STATE_FILE)
        if PLAN_PATH.match(path):
            return merge_plan(base, ours, theirs, label)
    except DataError as exc:
        problems = [str(p) for p in exc.problems] or [str(exc)]
        return Merged(None, tuple(f"{label}：{p}" if not p.startswith(label) else p for p in problems))
    return Merged(None, (f"{label} 不是本程序的数据文件，不能按记录合并",))


def merge_plan(base: bytes, ours: bytes, theirs: bytes, label: str) -> Merged:
    docs = [parsed(content, label, side) for content, side in ((base, "共同"), (ours, "本机"), (theirs, "另一台电脑"))]
    refuse_newer(docs, model.PLAN_SCHEMA, label)
    same_schema(docs)
    conflicts = Conflicts()
    merged = _merged_values(docs, conflicts)
    if conflicts.lines:
        return conflicts.merged()
    text = _written_into(ours.decode("utf-8"), docs[1], merged)
    plan, problems = plan_from_toml(text, label)
    if plan is None or problems:
        first = problems[0].message if problems else "无法读取"
        raise DataError(f"两台电脑的修改合在一起后，计划不能通过检查：{first}")
    return Merged(text.encode("utf-8"))


def _merged_values(docs: list[dict], conflicts: Conflicts) -> dict:
    base, ours, theirs = docs
    merged: dict = {}
    for key in [*ours, *(k for k in theirs if k not in ours)]:
        b, o, t = base.get(key, GONE), ours.get(key, GONE), theirs.get(key, GONE)
        if key in _TABLES and all(isinstance(v, dict) or v is GONE for v in (b, o, t)):
            spec = table(labels={k: f.label for k, f in _TABLES[key].items()})
            tables = [v if isinstance(v, dict) else {} for v in (b, o, t)]
            value: object = merge_table(tables[0], tables[1], tables[2], f"计划的[{key}]", spec, conflicts)
        elif key == "goals":
            lists = [v if isinstance(v, list) else [] for v in (b, o, t)]
            value = merge_array(lists[0], lists[1], lists[2], GOALS, conflicts)
        else:
            value, clash = pick(b, o, t)
            if clash:
                conflicts.field("计划", key, o, t)
        if value is not GONE:
            merged[key] = value
    return merged


def _written_into(text: str, ours: dict, merged: dict) -> str:
    """``merged`` written into this PC's ``text`` (whose values are ``ours``), changing only what differs;
    written anew when tomlkit cannot edit it in place so that it reads back as ``merged``."""
    import tomlkit

    loads, decode_error = toml_parser()  # the parser the merged file is read with (tomli, TOML 1.1)
    try:
        doc = tomlkit.parse(text)
        _edit(doc, ours, merged)
        edited = tomlkit.dumps(doc)
        if loads(edited) == merged:
            return edited
    except (tomlkit.exceptions.TOMLKitError, decode_error, KeyError, TypeError, ValueError):
        pass
    return dump_toml(merged).decode("utf-8")


def _edit(table, old: dict, new: dict) -> None:
    """Make the tomlkit ``table`` (whose values are ``old``) hold ``new``; goals and tasks matched by id."""
    for key in [k for k in old if k not in new]:
        del table[key]
    for key, value in new.items():
        before = old.get(key, GONE)
        if before == value:
            continue
        if key in ("goals", "tasks") and isinstance(before, list) and isinstance(value, list):
            _edit_items(table[key], before, value)
        elif isinstance(before, dict) and isinstance(value, dict) and key in _TABLES:
            _edit(table[key], before, value)
        else:
            table[key] = value


def _edit_items(array, old: list, new: list) -> None:
    """An array of goals or tasks: items gone are removed, kept ones edited in place, new ones appended."""
    import tomlkit

    wanted = {str(item.get("id")): item for item in new}
    for i in reversed(range(len(array))):
        if str(old[i].get("id")) not in wanted:
            del array[i]
    kept = [item for item in old if str(item.get("id")) in wanted]
    position = {str(item.get("id")): (n, item) for n, item in enumerate(kept)}
    for key, item in wanted.items():
        if key in position:
            n, before = position[key]
            _edit(array[n], before, item)
        else:
            array.append(tomlkit.item(item))
