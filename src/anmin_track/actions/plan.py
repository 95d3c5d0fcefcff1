"""The plan (台账): edit, claim, add, remove, milestones, 销号 and reopening."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from anmin_track import fields, model, parse, store
from anmin_track.actions.common import _shown, _summary_value
from anmin_track.actions.years import plan_view
from anmin_track.errors import InputError, Step
from anmin_track.text import cn_date
from anmin_track.tuples import NamedTuple

if TYPE_CHECKING:
    pass


# --------------------------------------------------------------------------- the plan (台账)


class Edited(NamedTuple):
    """What `goals edit` changed: the item as it was, and (label, before, after) per field."""

    item: model.Goal | model.Task
    changes: tuple[tuple[str, object, object], ...] = ()


def edit_item(data: store.DataDir, ref: str, values: dict, author: store.Author, year: int | None = None) -> Edited:
    """Change a task's fields, or a goal's title (the only field a goal has of its own)."""
    if not values:
        names = "、".join(fields.TASK[name].label for name in fields.EDITABLE_TASK_FIELDS)
        raise InputError(f"没有要修改的内容：请至少给出{names}之一。", options=fields.EDITABLE_TASK_FIELDS)
    with store.transaction(plan_view(data, year), author) as tx:
        found = parse.resolve_id(tx.plan, ref)
        changes: tuple[tuple[str, object, object], ...]
        if isinstance(found, model.Goal):
            if set(values) != {"title"}:
                raise InputError(
                    f"{found.id} 是重点工作，责任分工和日期请在具体任务上修改；重点工作只能修改标题。",
                    options=("title",),
                )
            changes = ((fields.GOAL["title"].label, found.title, values["title"]),)
            new_plan = model.with_goal_title(tx.plan, found, values["title"])
        else:
            changes = tuple(
                (fields.TASK[name].label, getattr(found, name), value)
                for name, value in values.items()
                if getattr(found, name) != value
            )
            edited = found._replace(**values)
            if edited.kind != found.kind:
                edited = _check_kind_change(tx, found, edited)
            new_plan = model.with_task(tx.plan, edited)
        said = "；".join(f"{label} {_summary_value(old)} → {_summary_value(new)}" for label, old, new in changes)
        tx.replace_plan(new_plan, f"修改 {found.id} {said}")
    return Edited(found, changes)


def _check_kind_change(tx: store.Transaction, old: model.Task, new: model.Task) -> model.Task:
    """A task may become 常态 any time (its progress is no longer counted, ``carried_progress`` goes);
    it may leave 常态 only when none of its records lacks a progress, and become 创建 only when its
    milestones are stage deadlines."""
    if not new.measured:
        return new._replace(carried_progress=0)
    if not old.measured and tx.record_count(old):
        bare = [
            r
            for ym in store.month_files(tx.data)
            for r in store.load_month(tx.data, tx.plan, ym)
            if r.task == old.id and r.progress is None
        ]
        if bare:
            raise InputError(
                f"任务 {old.id} 有 {len(bare)} 条没有进度的常态工作记录（最早{cn_date(bare[0].date)}），不能改为{new.kind}类任务；"
                "如确需改变，请先为这些记录更正补上进度。"
            )
    if new.kind == model.CREATION:
        stages = dict(model.STAGES).values()
        odd = [m for m in new.milestones if m.percent not in stages]
        if odd:
            raise InputError(
                f"任务 {old.id} 的时间节点 {odd[0].date} {odd[0].percent}% 不是创建阶段的进度"
                f"（{'、'.join(f'{n} {p}%' for n, p in model.STAGES)}），不能改为创建类任务；请先修改或删除该时间节点。"
            )
    return new


class Claimed(NamedTuple):
    task: model.Task
    previous_owner: str


def claim_task(data: store.DataDir, ref: str, name: str, force: bool, author: store.Author) -> Claimed:
    """认领: the task's owner becomes ``name``; taking a task someone else owns needs ``force``."""
    name = name.strip()
    if not name:
        raise InputError("认领人姓名不能为空。", options=("by",))
    with store.transaction(plan_view(data), author) as tx:
        task = parse.resolve_task(tx.plan, ref)
        if task.owner and task.owner != name and not force:
            raise InputError(
                f"任务 {task.id} 已由 {_shown(task.owner)} 负责，未改动。建议先与 {_shown(task.owner)} 沟通；"
                f"如确需改由 {_shown(name)} 负责，请注明强制改派。",
                options=("force",),
            )
        tx.replace_plan(model.with_task(tx.plan, task._replace(owner=name)), f"认领 {task.id}（{name}）")
    return Claimed(task._replace(owner=name), task.owner)


def add_task(data: store.DataDir, goal_ref: str, values: dict, author: store.Author) -> model.Task:
    """年中新增: a new task at the end of the goal, numbered after the highest id in use."""
    with store.transaction(plan_view(data), author) as tx:
        plan = tx.plan
        goal = plan.goal(parse.normalize_id(goal_ref))
        if goal is None:
            raise InputError(f"没有编号为 {goal_ref!r} 的重点工作，可选：{'、'.join(g.id for g in plan.goals)}。")
        year = {"start": date(plan.year, 1, 1), "due": date(plan.year, 12, 31)}
        task = model.Task(id=model.next_task_id(goal), goal_id=goal.id, **(year | values))
        tx.replace_plan(model.with_task(plan, task), f"新增 {task.id} {task.title}")
    return task


def remove_task(data: store.DataDir, ref: str, author: store.Author) -> model.Task:
    """Only a task without records can be removed: records must never lose their task."""
    with store.transaction(plan_view(data), author) as tx:
        task = tx.plan.task(parse.normalize_id(ref))
        if task is None:
            parse.resolve_task(tx.plan, ref)  # explains unknown ids and goals
            raise InputError(f"删除任务请写准确的任务编号（如 1.2），而不是 {ref!r}。")
        count = tx.record_count(task)
        if count:
            raise InputError(
                f"任务 {task.id} 已有 {count} 条进展记录，不能删除（删除会让这些记录失去归属）。"
                "任务已完成请销号，计划有变请修改该任务。",
                steps=(Step("close", (task.id,)), Step("edit", (task.id,))),
            )
        tx.replace_plan(model.without_task(tx.plan, task), f"删除 {task.id} {task.title}")
    return task


def set_milestone(data: store.DataDir, ref: str, day: date, percent: int | None, author: store.Author) -> model.Task:
    """时间节点: set the one on ``day`` to ``percent``, or remove it (``percent`` None)."""
    with store.transaction(plan_view(data), author) as tx:
        task = parse.resolve_task(tx.plan, ref)
        if percent is None and all(m.date != day for m in task.milestones):
            have = "、".join(f"{m.date}" for m in task.milestones) or "无"
            raise InputError(f"任务 {task.id} 在 {day} 没有时间节点（现有：{have}）。")
        new = model.with_milestone(task, day, percent)
        said = f"删除时间节点 {day}" if percent is None else f"时间节点 {day} {percent}%"
        tx.replace_plan(model.with_task(tx.plan, new), f"修改 {task.id} {said}")
    return new


def close_task(
    data: store.DataDir, ref: str, note: str, day: date, author: store.Author, today: date, year: int | None = None
) -> model.Task:
    """销号: only a task at 100% by ``day``, with a review note, not already closed."""
    if not note.strip():
        raise InputError("销号需写明审核意见，如“经党政办核验，资料齐全”。", options=("note",))
    if day > today:
        raise InputError(f"销号日期 {day} 晚于今天（{today}），不能提前销号。")
    with store.transaction(plan_view(data, year), author) as tx:
        task = parse.resolve_task(tx.plan, ref)
        if task.closed is not None:
            raise InputError(
                f"任务 {task.id} 已于{cn_date(task.closed)}销号，无需再次销号；如有变动，可重新打开该任务。",
                steps=(Step("reopen", (task.id,)),),
            )
        latest = tx.latest_records(day).get(task.id)
        progress = latest.progress if latest and latest.progress is not None else 0
        if not task.measured:
            if day < task.due:
                raise InputError(f"任务 {task.id} 是常态工作，年度结束（{cn_date(task.due)}）后才能销号。")
        elif progress < 100:
            raise InputError(
                f"任务 {task.id} 截至{cn_date(day)}的进度为 {progress}%，完成（100%）后才能销号。完成后请先记录 100% 的进度。",
                steps=(Step("update", (task.id,), (("progress", "100"),)),),
            )
        new = task._replace(closed=day, closed_note=note, closed_by=author.who)
        tx.replace_plan(model.with_task(tx.plan, new), f"销号 {task.id}")
    return new


def reopen_task(data: store.DataDir, ref: str, author: store.Author) -> model.Task:
    with store.transaction(plan_view(data), author) as tx:
        task = parse.resolve_task(tx.plan, ref)
        if task.closed is None:
            raise InputError(f"任务 {task.id} 未销号，无需重新打开。")
        new = task._replace(closed=None, closed_note="", closed_by="")
        tx.replace_plan(model.with_task(tx.plan, new), f"重新打开 {task.id}")
    return new
