"""The ledger comes back (``anmin import``): the changes an edited 台账 makes, checked, and applied as one plan edit."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from anmin_track import fields, model, parse, store
from anmin_track.actions.common import _shown
from anmin_track.actions.years import plan_view
from anmin_track.errors import DataError, InputError, Step
from anmin_track.tuples import NamedTuple

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- the ledger comes back (`anmin import`)


class LedgerChange(NamedTuple):
    """One cell of an edited ledger that differs from the plan."""

    task: str
    title: str
    field: str
    old: str
    new: str

    @property
    def label(self) -> str:
        return fields.TASK[self.field].label


def unit_suggestion(name: str, units: tuple[str, ...]) -> str:
    """The listed unit a mistyped ``name`` most likely means (乡农业办 → 乡农办), or ""."""
    close = difflib.get_close_matches(name, units, n=1, cutoff=0.5)
    return close[0] if close else ""


class LedgerConflict(NamedTuple):
    """A cell the office changed in a ledger exported before someone changed it in the plan."""

    change: LedgerChange  # what the ledger would make of it (old: the plan's value now)
    exported: str  # what the row held when exported


def ledger_changes(
    plan: model.Plan, rows: list[parse.LedgerRow], force: bool = False
) -> tuple[list[LedgerChange], list[LedgerConflict]]:
    """What the ledger's 牵头领导/责任单位/责任人 change, checked against the plan (and its unit list).

    Only what the office changed: a cell left empty is not filled in (clearing is （空）), and a
    cell as exported is left as the plan has it now. A row that changes a cell someone else changed
    since the export is a conflict, and none of it is taken unless ``force``.
    """
    seen: dict[str, str] = {}
    changes: list[LedgerChange] = []
    conflicts: list[LedgerConflict] = []
    for row in rows:
        task = parse.ledger_task(plan, row)
        if task.id in seen:
            raise DataError(f"{row.where}：任务 {task.id} 已在{seen[task.id]}出现过，每项任务只能有一行。")
        seen[task.id] = row.where.rpartition(" ")[2]
        mine, theirs = [], []
        for key, value in row.values.items():
            now, exported = getattr(task, key), row.exported.get(key)
            if value in (now, exported):
                continue
            if key == "unit":
                _check_unit(plan, row, value)
            mine.append(LedgerChange(task.id, task.title, key, now, value))
            if exported is not None and exported != now:
                theirs.append(LedgerConflict(mine[-1], exported))
        if theirs and not force:
            conflicts += theirs
        else:
            changes += mine
    return changes, conflicts


def _check_unit(plan: model.Plan, row: parse.LedgerRow, unit: str) -> None:
    if plan.settings.units and unit and unit not in plan.settings.units:
        close = unit_suggestion(unit, plan.settings.units)
        hint = f"是否应为“{close}”？" if close else ""
        raise DataError(
            f"{row.where}：责任单位“{_shown(unit)}”不在 goals.toml [settings] units 名单中，{hint}"
            f"名单：{'、'.join(plan.settings.units)}。"
        )


def preview_import(
    data: store.DataDir, rows: list[parse.LedgerRow], force: bool = False
) -> tuple[list[LedgerChange], list[LedgerConflict]]:
    """The changes `anmin import` would make and the conflicts it would skip, to show before asking."""
    return ledger_changes(store.load_plan(plan_view(data)), rows, force)


def import_ledger(
    data: store.DataDir,
    rows: list[parse.LedgerRow],
    shown: list[LedgerChange],
    source: str,
    author: store.Author,
    force: bool = False,
) -> list[LedgerChange]:
    """Apply the ledger as one plan edit, only if it still makes exactly the changes that were shown."""
    with store.transaction(plan_view(data), author) as tx:
        changes, _ = ledger_changes(tx.plan, rows, force)
        if changes != shown:
            raise InputError(
                "确认期间计划已被修改，导入的改动与刚才显示的不同，未作修改。请重新导入。", steps=(Step("import"),)
            )
        if not changes:
            return []
        plan = tx.plan
        for task_id in dict.fromkeys(c.task for c in changes):
            task = plan.task(task_id)
            assert task is not None
            edits: dict[str, object] = {c.field: c.new for c in changes if c.task == task_id}
            plan = model.with_task(plan, task._replace(**edits))  # type: ignore[arg-type]
        count = len({c.task for c in changes})
        tx.replace_plan(plan, f"导入台账 {source}：{count}项任务的责任分工（{len(changes)}处）")
    return changes
