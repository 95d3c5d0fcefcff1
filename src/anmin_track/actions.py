"""The use cases: every "may I?" rule, checked under the lock against the data as it is now.

Each function takes what the user asked for (ids and text as typed, already-parsed
values), opens one ``store.transaction``, checks its rules against the plan and records
read under the lock, makes one write and returns what happened. None prints; the CLI
(or any other caller) says it. Messages name things in words and spell no command or
option: errors carry ``steps`` and ``options`` (``errors.Step``) for each caller to say its own way.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from anmin_track import carry, fields, model, parse, store
from anmin_track.errors import AnminError, DataError, InputError, RepeatError, Step, WriteError
from anmin_track.text import cn_date, visible

if TYPE_CHECKING:
    from anmin_track import plan_draft
    from anmin_track.store.notices import IssuedNotice


class ProgressRequest(NamedTuple):
    """A progress report as typed: the task as typed, values already parsed."""

    task: str
    #: None: not given (a 常态 task's record has none; a 创建 task's may come from ``stage``).
    progress: int | None
    #: None: today, or the last day of ``year``'s plan when that year is over.
    day: date | None = None
    note: str = ""
    problem: str = ""
    next: str = ""
    metrics: tuple[str, ...] = ()  # `名称=数值` as typed
    #: Record it even when it repeats the task's latest record.
    again: bool = False
    #: The plan year (``--year``): None for the plan the day's records belong to.
    year: int | None = None
    #: A 创建 task's stage reached (申报, 评审, 命名, 授牌): its progress follows.
    stage: str = ""


class Carried(NamedTuple):
    """What a change to an earlier year's record did to the task carried from it into the next plan."""

    year: int  # the next plan's year
    task: model.Task  # as it is now
    before: int  # its carried_progress before the change
    #: The earlier task is now done: carrying it over may no longer be needed (nothing was changed).
    finished: bool = False


class Recorded(NamedTuple):
    task: model.Task
    record: model.Record
    status: model.TaskStatus
    #: The day is past the task's due date: accepted as a late report.
    late: bool
    carried: Carried | None = None


def _shown(text: str) -> str:
    return visible(text, oneline=True)


# --------------------------------------------------------------------------- which year's plan


def plan_view(data: store.DataDir, year: int | None = None, day: date | None = None) -> store.DataDir:
    """The plan a command works on: ``year``'s (``--year``), else the one records of ``day`` belong
    to (``--as-of``, ``--date``, a report's period), else the current plan."""
    if year is not None:
        return store.view_of_year(data, year)
    if day is not None:
        return store.view_owning(data, day.year)
    return store.current_view(data)


def record_day(view: store.DataDir, day: date | None, year: int | None, today: date) -> date:
    """The day a record is for: as given, or today, or (for an earlier year's plan) the last day it owns.

    With ``year`` the day must belong to that plan: a record belongs to the plan of its date's year.
    """
    last = date(view.owns[1], 12, 31) if view.owns and view.owns[1] < today.year else today
    chosen = day or last
    if year is not None and not view.owns_year(chosen.year):
        raise InputError(
            f"{year}年计划的记录应在{year}年内（{chosen} 的记录属于{chosen.year}年的计划）；可不写日期，默认记在该年度末。"
        )
    return chosen


def follow_carry(data: store.DataDir, view: store.DataDir, task_id: str, author: store.Author) -> Carried | None:
    """After a record of an earlier year's plan changed: the task carried from it into the next plan
    starts where it now stood at that year's end (``carried_progress``), in a write of its own."""
    found = store.views(data)
    if view.archived is None or view not in found:
        return None
    later = found[found.index(view) + 1]
    with store.transaction(later, author) as tx:
        source = f"{view.archived}:{task_id}"
        task = next((t for t in tx.plan.tasks if t.carried_from == source), None)
        if task is None or later.owns is None or not task.measured:
            return None
        earlier = store.load_plan(view)
        latest = store.latest_records(view, earlier, date(later.owns[0] - 1, 12, 31)).get(task_id)
        now = latest.progress if latest and latest.progress is not None else 0
        if now >= 100:
            return Carried(tx.plan.year, task, task.carried_progress, finished=True)
        if now == task.carried_progress:
            return None
        new = task._replace(carried_progress=now)
        tx.replace_plan(
            model.with_task(tx.plan, new),
            f"{tx.plan.year}年计划 {task.id} 的结转时进度 {task.carried_progress}% → {now}%（随{view.archived}年的记录）",
        )
    return Carried(tx.plan.year, new, task.carried_progress)


def evaluation_day(plan: model.Plan, as_of: date | None, today: date) -> date:
    """The day read commands evaluate on: ``as_of``, else today, else (the plan's year over) its last day."""
    if as_of is not None:
        return as_of
    return date(plan.year, 12, 31) if today.year > plan.year else today


class Year(NamedTuple):
    """How a read command's answer stands in the folder's years."""

    #: Evaluated at the end of the plan's year because that year is over (no ``--as-of``).
    finished: bool = False
    #: The plan is the folder's current one (goals.toml), not an earlier year's.
    current: bool = True


def _year(view: store.DataDir, plan: model.Plan, as_of: date | None, today: date) -> Year:
    return Year(as_of is None and today.year > plan.year, view.archived is None)


def check_record_day(task: model.Task, day: date, today: date) -> bool:
    """No future dates, none before the task starts; returns whether the report is late (after due)."""
    if day > today:
        raise InputError(f"日期 {day} 晚于今天（{today}），不能记录未来的进展。")
    if day < task.start:
        raise InputError(f"日期 {day} 早于任务 {task.id} 的开始日期 {task.start}。")
    return day > task.due


_STAGE_WORDS = "、".join(name for name, _ in model.STAGES)


def kind_progress(task: model.Task, progress: int | None, stage: str, said: bool) -> int | None:
    """The progress a record of ``task`` holds, by its kind: a 项目 task's as given; a 创建 task's that of its
    stage (given as a stage or its percent); none for a 常态 task, whose record must say something (``said``)."""
    if task.kind == model.DUTY:
        if progress is not None or stage:
            raise InputError(
                f"任务 {task.id} 是常态工作，不记录完成进度或阶段；请写明本期开展的工作或指标数值。",
                options=("note", "metric"),
            )
        if not said:
            raise InputError(
                f"任务 {task.id} 是常态工作，记录应写明进展情况或指标数值（本期开展了什么）。", options=("note", "metric")
            )
        return None
    if stage:
        percent = model.stage_percent(stage.strip())
        if task.kind != model.CREATION:
            raise InputError(f"任务 {task.id} 是{task.kind}类任务，按完成进度记录；只有创建类任务按阶段记录。", options=("progress",))
        if percent is None:
            raise InputError(f"阶段 {stage!r} 不对，创建类任务的阶段依次为：{_STAGE_WORDS}。", options=("stage",))
        if progress is not None and progress != percent:
            raise InputError(f"阶段{stage}对应进度 {percent}%，与给出的进度 {progress}% 不一致；只写阶段即可。", options=("stage",))
        return percent
    if progress is None:
        if task.kind == model.CREATION:
            raise InputError(f"缺少阶段：任务 {task.id} 是创建类任务，请写明达到的阶段（{_STAGE_WORDS}）。", options=("stage",))
        raise InputError(f"缺少进度：请写明任务 {task.id} 当前的完成进度（0~100 的整数）。", options=("progress",))
    if task.kind == model.CREATION and progress not in (0, *dict(model.STAGES).values()):
        stages = "、".join(f"{name} {p}%" for name, p in model.STAGES)
        raise InputError(
            f"任务 {task.id} 是创建类任务，进度随阶段而定（{stages}），不能是 {progress}%；请写明达到的阶段。",
            options=("stage",),
        )
    return progress


def progress_words(task: model.Task, record: model.Record) -> str:
    """What a record says of progress, by the task's kind: `进度 45%`, `阶段 评审`, or `进展` (常态)."""
    if record.progress is None or not task.measured:
        return "进展"
    if task.kind == model.CREATION:
        return f"阶段 {model.stage_name(record.progress)}"
    return f"进度 {record.progress}%"


def check_progress_drop(previous: model.Record | None, progress: int | None, note: str, task: model.Task) -> None:
    """Progress may fall only with a note saying why: below the last record, or below where a
    task carried over from last year stood (``carried_progress``) before its first record."""
    if note.strip() or progress is None:
        return
    if previous and previous.progress is not None and progress < previous.progress:
        raise InputError(
            f"新进度 {progress}% 低于上次记录的 {previous.progress}%（{previous.date}），进度回退时必须说明原因。",
            options=("note",),
        )
    if previous is None and progress < task.carried_progress:
        raise InputError(
            f"新进度 {progress}% 低于任务 {task.id} 结转时的进度 {task.carried_progress}%（上年末），进度回退时必须说明原因。",
            options=("note",),
        )


def check_not_repeat(latest: model.Record | None, record: model.Record) -> None:
    """The task's latest record again, word for word (an up-arrow and Enter), is refused as a likely repeat."""
    if latest is not None and model.said(latest) == model.said(record):
        raise RepeatError(
            f"这条记录与任务 {record.task} {cn_date(latest.at.date())} {latest.at:%H:%M} 记下的最新记录完全相同"
            "（日期、进度、文字和指标都一样），像是重复提交，未记录。如确需再记一条相同的记录，请注明再记一条。",
            options=("again",),
        )


def record_progress(data: store.DataDir, request: ProgressRequest, author: store.Author, now: datetime) -> Recorded:
    """`goals update`: one progress record, checked against the latest record as of its day, under the lock."""
    view = plan_view(data, request.year, request.day or (None if request.year else now.date()))
    day = record_day(view, request.day, request.year, now.date())
    with store.transaction(view, author) as tx:
        task = parse.resolve_task(tx.plan, request.task)
        late = check_record_day(task, day, now.date())
        metrics = dict(parse.parse_metric(m, task) for m in request.metrics)
        progress = kind_progress(task, request.progress, request.stage, bool(request.note.strip() or metrics))
        previous = tx.latest_records(day).get(task.id)
        check_progress_drop(previous, progress, request.note, task)
        record = model.Record(
            task=task.id,
            date=day,
            progress=progress,
            note=request.note,
            problem=request.problem,
            next=request.next,
            metrics=metrics,
            by=author.who,
            at=now,
        )
        if not request.again:
            check_not_repeat(tx.index.latest.get(task.id), record)
        tx.add_record(record, f"记录 {task.id} {progress_words(task, record)}（截至{cn_date(record.date)}）")
        settings = tx.plan.settings
        known = None
        if not task.measured:  # a 常态 task's light weighs its metrics' latest values
            values = store.latest_values(tx.data, tx.plan, day, tx.index, [task]).get(task.id, model.NO_VALUES)
            known = model.metric_values(values) | dict(metrics)
    latest = previous if previous and previous.sort_key > record.sort_key else record
    carried = _follow_carry(data, view, task.id, author)
    return Recorded(task, record, model.task_status(task, latest, day, settings, known), late, carried)


class Correction(NamedTuple):
    """`goals amend`: the fields to change (None: keep) of the task's latest record, or of its last on ``day``."""

    task: str
    day: date | None = None
    progress: int | None = None
    note: str | None = None
    problem: str | None = None
    next: str | None = None
    metrics: tuple[str, ...] = ()  # `名称=数值` as typed: replace that metric's value, or add it
    year: int | None = None  # the plan year (``--year``); None: the plan of ``day``, else the current
    stage: str = ""  # a 创建 task's stage: its progress follows


class Corrected(NamedTuple):
    task: model.Task
    before: model.Record
    after: model.Record
    #: What changed, as said in the log: ``进度 40% → 45%``, ``进展情况``…
    changes: tuple[str, ...]
    carried: Carried | None = None


def _target(tx: store.Transaction, task: model.Task, day: date | None) -> model.Record:
    """The record `amend`/`retract` act on: the task's latest, or its last on ``day``."""
    found = tx.index.latest.get(task.id) if day is None else tx.day_record(task, day)
    if found is None:
        when = "" if day is None else f"在{cn_date(day)}"
        raise InputError(
            f"任务 {task.id} {when}没有进展记录，无可更正或撤回。请查看该任务的记录。", steps=(Step("show", (task.id,)),)
        )
    return found


def _record_changes(before: model.Record, after: model.Record) -> tuple[str, ...]:
    changes = [f"进度 {_summary_value(before.progress)}% → {after.progress}%"] if before.progress != after.progress else []
    changes += [fields.RECORD[name].label for name in ("note", "problem", "next") if getattr(before, name) != getattr(after, name)]
    changes += [
        f"{name} {_summary_value(before.metrics.get(name))} → {value:g}"
        for name, value in after.metrics.items()
        if before.metrics.get(name) != value
    ]
    return tuple(changes)


#: What `amend` can correct (``Correction``'s fields, as option keys), and their names for the user.
CORRECTABLE = {
    "progress": "进度",
    "stage": "阶段",
    "note": "进展情况",
    "problem": "存在问题",
    "next": "下步计划",
    "metric": "指标",
}


def amend_record(data: store.DataDir, fix: Correction, author: store.Author, today: date) -> Corrected:
    """Correct a record in place (its day and recording time stay), under the rules a new record meets."""
    if (fix.progress, fix.note, fix.problem, fix.next) == (None, None, None, None) and not fix.metrics and not fix.stage:
        names = "、".join(CORRECTABLE.values())
        raise InputError(f"没有要更正的内容：请至少给出{names}之一。", options=tuple(CORRECTABLE))
    view = plan_view(data, fix.year, fix.day)
    with store.transaction(view, author) as tx:
        task = parse.resolve_task(tx.plan, fix.task)
        before = _target(tx, task, fix.day)
        after = before._replace(
            note=before.note if fix.note is None else fix.note,
            problem=before.problem if fix.problem is None else fix.problem,
            next=before.next if fix.next is None else fix.next,
            metrics=dict(before.metrics) | dict(parse.parse_metric(m, task) for m in fix.metrics),
        )
        given = fix.progress is not None or fix.stage
        kept = None if not task.measured else before.progress
        progress = fix.progress if given else kept
        after = after._replace(
            progress=kind_progress(task, progress, fix.stage, bool(after.note.strip() or after.metrics))
        )
        changes = _record_changes(before, after)
        if changes:
            check_record_day(task, after.date, today)
            check_progress_drop(tx.record_before(task, before), after.progress, after.note, task)
            said = "，".join(changes)
            tx.replace_record(before, after, f"更正 {task.id} {cn_date(before.date)}的进展记录（{said}）")
    carried = _follow_carry(data, view, task.id, author) if before.progress != after.progress else None
    return Corrected(task, before, after, changes, carried)


class Retracted(NamedTuple):
    task: model.Task
    record: model.Record
    #: The task's latest record now.
    latest: model.Record | None
    carried: Carried | None = None


def retract_record(
    data: store.DataDir, ref: str, day: date | None, author: store.Author, year: int | None = None
) -> Retracted:
    """Withdraw the task's latest record, or its last on ``day``."""
    view = plan_view(data, year, day)
    with store.transaction(view, author) as tx:
        task = parse.resolve_task(tx.plan, ref)
        record = _target(tx, task, day)
        summary = f"撤回 {task.id} {cn_date(record.date)}的进展记录（{progress_words(task, record)}）"
        tx.replace_record(record, None, summary)
        latest = tx.index.latest.get(task.id)
    return Retracted(task, record, latest, _follow_carry(data, view, task.id, author))


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
        bare = [r for ym in store.month_files(tx.data) for r in store.load_month(tx.data, tx.plan, ym) if r.task == old.id and r.progress is None]
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


def _summary_value(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "、".join(value) or "（空）"
    return str(value) if value not in ("", None) else "（空）"


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
                raise InputError(
                    f"任务 {task.id} 是常态工作，年度结束（{cn_date(task.due)}）后才能销号。"
                )
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


# --------------------------------------------------------------------------- a new year's plan (结转)


class NewYear(NamedTuple):
    """`plan new YEAR` as typed."""

    year: int
    #: The same goals and no tasks (nothing carried).
    empty: bool = False
    #: File the old plan's records dated in YEAR (or later) under the carried tasks of the new plan.
    move_records: bool = False
    #: The year's own plan (``plan import``, ``--from``): the unfinished tasks come after its goals.
    draft: model.Plan | None = None


#: How far ahead of today a new year's plan may begin (December's plan for January).
PLAN_AHEAD = 1


def _check_new_year(plan: model.Plan, year: int, today: date) -> None:
    if year <= plan.year:
        raise InputError(f"新年度 {year} 应晚于当前计划的年度（{plan.year}年）。")
    if year > today.year + PLAN_AHEAD:
        raise InputError(f"新年度 {year} 太远：最多提前一年开始下一年度的计划（今天是{cn_date(today)}）。")


def _turn(view: store.DataDir, plan: model.Plan, request: NewYear) -> carry.Turn:
    end = carry.year_end_before(request.year)
    index = store.load_index(view, plan)
    latest = store.latest_records(view, plan, end, index)
    values = store.latest_values(view, plan, end, index)
    later = sorted(ym for ym in store.month_files(view) if ym[0] >= request.year)
    moving = tuple(r for ym in later for r in store.load_month(view, plan, ym))
    return carry.begin_year(plan, request.year, latest, values, moving, request.empty, request.draft)


def preview_year(data: store.DataDir, request: NewYear, today: date) -> carry.Turn:
    """What `plan new` would do, to show before asking (nothing is written)."""
    view = plan_view(data)
    plan = store.load_plan(view)
    _check_new_year(plan, request.year, today)
    return _turn(view, plan, request)


#: A plan document larger than this is not a 工作思路要点 (a safeguard against reading a wrong file whole).
DRAFT_SOURCE_MAX = 20 * 1024 * 1024


def draft_year(data: store.DataDir, content: bytes, name: str, year: int, today: date) -> plan_draft.Draft:
    """`plan import`: ``year``'s plan drafted from a 工作思路要点 (nothing is written), in the office's frame."""
    from anmin_track import plan_draft  # its patterns cost every other command start-up time

    template = store.load_plan(plan_view(data))
    if not template.year < year <= today.year + PLAN_AHEAD:
        raise InputError(
            f"年度 {year} 不合适：应晚于当前计划的年度（{template.year}年），最多提前一年（{today.year + PLAN_AHEAD}年）。"
        )
    return plan_draft.draft_plan(plan_draft.document_lines(content, name), year, template, name)


def read_draft(content: bytes, label: str, year: int) -> model.Plan:
    """`plan new --from`: a plan file (a draft the clerk edited), validated as `check` validates goals.toml."""
    text = store.text_of(content, label)
    plan, problems = store.plan_from_toml(text, label)
    if problems or plan is None:
        raise DataError(f"{problems[0]}。未作任何修改。" if problems else f"{label}：无法读取计划。", problems)
    if plan.year != year:
        raise InputError(f"{label} 是{plan.year}年的计划（[plan] year = {plan.year}），与要开始的{year}年不符。")
    return plan


def _records_list(records: list[model.Record]) -> str:
    shown = "、".join(f"{r.task}（{r.date}）" for r in records[:5])
    return shown + (f"等{len(records)}条" if len(records) > 5 else "")


def begin_year(data: store.DataDir, request: NewYear, shown: carry.Turn, author: store.Author, today: date) -> carry.Turn:
    """Begin ``request.year``'s plan from the current one, only if it is still exactly what was shown."""
    with store.transaction(plan_view(data), author) as tx:
        _check_new_year(tx.plan, request.year, today)
        turn = _turn(tx.data, tx.plan, request)
        if turn.new != shown.new or turn.moving != shown.moving:
            raise InputError("确认期间计划或进展记录已被修改，与刚才显示的不同，未作修改。请重新运行。")
        if turn.moving and not request.move_records:
            raise InputError(
                f"{tx.plan.year}年计划中已有{len(turn.moving)}条日期在{request.year}年及以后的进展记录："
                f"{_records_list(list(turn.moving))}。开始{request.year}年计划后它们属于新计划，"
                "请确认归入结转的任务，未作修改。",
                options=("move-records",),
            )
        if turn.stranded:
            raise InputError(
                f"这些{request.year}年的进展记录所属任务已完成或已销号，不会结转，新计划中没有它们的任务："
                f"{_records_list(turn.stranded)}。请先撤回或更正这些记录，未作修改。"
            )
        carried = len(turn.carried)
        tx.begin_year(turn.new, f"开始{request.year}年计划（结转{carried}项未完成任务，{tx.plan.year}年计划存为往年计划）")
    return turn


def init_folder(target: Path, shared: bool, year: int | None, today: date) -> Path:
    """`anmin init`: a new data folder with the bundled 2024 plan, or (``year``) an empty plan of that year."""
    content = None
    if year is not None:
        if not 2000 <= year <= today.year + PLAN_AHEAD:
            raise InputError(f"年度 {year} 不合适：应在2000年至{today.year + PLAN_AHEAD}年之间。")
        bundled = store.load_plan(store.DataDir(store.bundled_plan_file().parent, bundled=True))
        content = store.dump_plan(carry.empty_plan(bundled, year))
    return store.init_data_dir(target, shared, content)


# --------------------------------------------------------------------------- undo


def undo_candidate(data: store.DataDir) -> store.JournalEntry:
    """The change `undo` would revert (shown to the user before asking)."""
    store.require_writable(data, "撤销修改")
    return store.last_entry(data)


class Undone(NamedTuple):
    left: int  # older changes that remain
    reverted: bool  # False: the files were as before the change already; only its record went


def undo(data: store.DataDir, entry: store.JournalEntry, author: store.Author) -> Undone:
    """Revert ``entry`` (as shown to the user), which must still be the newest change.

    Confirmed on the entry's id, never reused: if it was undone meanwhile and a new
    change took its number, the new change is not touched.
    """
    reverted = store.undo(data, entry.id, author, shown=f"#{entry.seq}")
    return Undone(len(store.history(data)), reverted)


# --------------------------------------------------------------------------- reading


class Overview(NamedTuple):
    """Every goal and task as of one day."""

    plan: model.Plan
    statuses: list[model.GoalStatus]
    as_of: date
    year: Year = Year()


def overview(
    data: store.DataDir,
    as_of: date | None,
    goal: str | None = None,
    year: int | None = None,
    today: date | None = None,
) -> Overview:
    """The plan's state as of ``as_of`` (None: see ``evaluation_day``); ``goal`` (as typed) must name a goal when given.

    The plan is ``year``'s, else the one ``as_of`` falls in, else the current one.
    """
    view = plan_view(data, year, as_of)
    plan = store.load_plan(view)
    if goal is not None and plan.goal(parse.normalize_id(goal)) is None:
        raise InputError(f"没有编号为 {goal!r} 的重点工作，可选：{'、'.join(g.id for g in plan.goals)}。")
    today = today or date.today()
    day = evaluation_day(plan, as_of, today)
    statuses = model.plan_status(plan, store.latest_records(view, plan, day), day)
    return Overview(plan, statuses, day, _year(view, plan, as_of, today))


class Ledger(NamedTuple):
    """Every task as of one day, with its latest 存在问题, 下步计划 and metric values (the export)."""

    plan: model.Plan
    statuses: list[model.GoalStatus]
    as_of: date
    values: dict[str, model.LatestValues]
    #: The records of the day's month (the ledger's sheet of this month's progress).
    month: list[model.Record]
    year: Year = Year()


def ledger(data: store.DataDir, as_of: date | None, year: int | None = None, today: date | None = None) -> Ledger:
    view = plan_view(data, year, as_of)
    plan = store.load_plan(view)
    index = store.load_index(view, plan)
    today = today or date.today()
    day = evaluation_day(plan, as_of, today)
    statuses = model.plan_status(plan, store.latest_records(view, plan, day, index), day)
    month = store.load_month(view, plan, (day.year, day.month)) if view.owns_year(day.year) else []
    values = store.latest_values(view, plan, day, index)
    return Ledger(plan, statuses, day, values, month, _year(view, plan, as_of, today))


class Detail(NamedTuple):
    """One goal, or one task with its newest records and latest values, as of one day."""

    plan: model.Plan
    goal: model.GoalStatus | None
    task: model.TaskStatus | None
    history: list[model.Record]
    values: model.LatestValues = model.NO_VALUES
    as_of: date = date.min
    year: Year = Year()


def detail(
    data: store.DataDir,
    ref: str,
    as_of: date | None,
    limit: int,
    year: int | None = None,
    today: date | None = None,
) -> Detail:
    view = plan_view(data, year, as_of)
    plan = store.load_plan(view)
    found = parse.resolve_id(plan, ref)
    index = store.load_index(view, plan)
    today = today or date.today()
    day = evaluation_day(plan, as_of, today)
    latest = store.latest_records(view, plan, day, index)
    said = _year(view, plan, as_of, today)
    if isinstance(found, model.Goal):
        return Detail(plan, model.goal_status(found, latest, day, plan.settings), None, [], as_of=day, year=said)
    history = store.task_history(view, plan, found, day, limit)
    values = store.latest_values(view, plan, day, index, [found]).get(found.id, model.NO_VALUES)
    status = model.task_status(found, latest.get(found.id), day, plan.settings)
    return Detail(plan, None, status, history, values, day, said)


class PeriodData(NamedTuple):
    """What a report reads: the period's records and each task's latest record before it."""

    plan: model.Plan
    period: model.Period
    records: list[model.Record]
    before: dict[str, model.Record]
    #: Each task's latest non-empty 存在问题 / 下步计划 up to the period's end.
    texts: dict[str, model.LatestValues]


def period_data(data: store.DataDir, period: model.Period) -> PeriodData:
    """The period is reported against the plan its year's records belong to."""
    view = plan_view(data, day=period.end)
    plan = store.load_plan(view)
    records, before = store.report_records(view, plan, period)
    return PeriodData(plan, period, records, before, store.latest_values(view, plan, period.end))


def current_plan(data: store.DataDir) -> model.Plan:
    """The folder's current plan (goals.toml): what a command without a year or period works on."""
    return store.load_plan(plan_view(data))


class Checked(NamedTuple):
    plan: model.Plan | None
    records: int
    months: int
    problems: list[store.Problem]
    #: A fresh index was saved (the files were not as the saved one knew them).
    reindexed: bool
    #: What hand edits lost since the index was saved (shown once: the fresh index accepts it).
    lost: tuple[str, ...] = ()
    #: The years of the folder's plans (one, until a new year's plan begins).
    years: tuple[int, ...] = ()
    #: Month files had been edited by hand (not just copied, nor only the plan edited).
    edited: bool = False


def check(data: store.DataDir) -> Checked:
    """`anmin check`: every problem of every year's plan and records; when there are none, save a
    fresh index of each plan whose index was stale."""
    plan, count, problems, fresh = store.check_all(data)
    lost = [] if data.bundled else [text for view in store.views(data) for text in store.losses(view, _readable(view))]
    edited = any(store.hand_edited(view) for view, _ in fresh)  # not a copy, not a plan edit alone
    reindexed = [store.save_index_if_stale(view, index) for view, index in fresh]
    years = tuple(sorted(store.plan_years(data)))
    return Checked(
        plan, count, len(store.month_files(data.whole)), problems, any(reindexed), tuple(lost), years, edited
    )


def _readable(view: store.DataDir) -> model.Plan | None:
    try:
        return store.load_plan(view)
    except DataError:
        return None


class Unreported(NamedTuple):
    """未按时报送 in one month: the tasks (as of the month's start) with no record dated in it."""

    plan: model.Plan
    tasks: list[model.TaskStatus]
    start: date
    end: date


def unreported(data: store.DataDir, ym: tuple[int, int]) -> Unreported:
    view = plan_view(data, day=date(ym[0], ym[1], 1))
    plan = store.load_plan(view)
    month = model.month_period(*ym)
    records, before = store.report_records(view, plan, month)
    at_start = [model.task_status(t, before.get(t.id), month.previous_end, plan.settings) for t in plan.tasks]
    return Unreported(plan, model.unreported(at_start, records, month.start, month.end), month.start, month.end)


# --------------------------------------------------------------------------- 督办单 (supervision notices)

#: The number printed on a 督办单 unless ``[report] notice_number`` says otherwise:
#: ``{n}`` counts within the signing ``{year}``.
NOTICE_NUMBER = "督办〔{year}〕{n}号"
#: Days from the signing date to the reply deadline when ``--reply-by`` is not given.
REPLY_DAYS = 7


class NoticeRequest(NamedTuple):
    """`report notice` as typed: task ids (none: every red task) and the dates, parsed."""

    tasks: tuple[str, ...]
    signed: date  # 成文日期
    as_of: date | None = None  # the day the tasks are evaluated; default the signing date
    reply_by: date | None = None  # 反馈期限; default REPLY_DAYS after the signing date

    @property
    def evaluated(self) -> date:
        return self.as_of or self.signed

    @property
    def deadline(self) -> date:
        return self.reply_by or self.signed + timedelta(days=REPLY_DAYS)


class NoticeSubject(NamedTuple):
    """One task to supervise, as of the day evaluated."""

    status: model.TaskStatus
    goal: model.Goal
    problem: model.Record | None  # its latest non-empty 存在问题 (None: none, or cleared)
    number: int | None = None  # None: a preview, no number taken
    code: str = ""  # 督办〔2024〕3号; in a preview, a gap where the number goes


class Notices(NamedTuple):
    plan: model.Plan
    request: NoticeRequest
    subjects: tuple[NoticeSubject, ...]
    where: str = ""  # the file they were written to ("" for the screen, or not yet delivered)


def notice_code(plan: model.Plan, year: int, number: int | None) -> str:
    pattern = plan.report.notice_number or NOTICE_NUMBER
    return pattern.format(year=year, n=number if number is not None else "\u3000\u3000")


def _check_notice_dates(request: NoticeRequest) -> None:
    if request.evaluated > request.signed:
        raise InputError(
            f"评估日期 {request.evaluated} 晚于成文日期 {request.signed}：督办单只能依据成文日期当天及以前的进展。"
        )
    if request.deadline <= request.signed:
        raise InputError(f"反馈期限 {request.deadline} 应晚于成文日期 {request.signed}（默认为成文日期后 {REPLY_DAYS} 天）。")


def _named_tasks(plan: model.Plan, refs: tuple[str, ...]) -> list[model.Task]:
    chosen: list[model.Task] = []
    for ref in refs:
        found = parse.resolve_id(plan, ref)
        if isinstance(found, model.Goal):
            ids = "、".join(t.id for t in found.tasks)
            raise InputError(f"{found.id} 是重点工作，督办单针对具体任务（可选任务：{ids}）。")
        if found not in chosen:
            chosen.append(found)
    return chosen


def _notice_subjects(data: store.DataDir, plan: model.Plan, request: NoticeRequest) -> list[NoticeSubject]:
    """The tasks named (none of them done), or else every red task, as of the day evaluated."""
    as_of = request.evaluated
    latest = store.latest_records(data, plan, as_of)
    status = {t.id: model.task_status(t, latest.get(t.id), as_of, plan.settings) for t in plan.tasks}
    if request.tasks:
        chosen = _named_tasks(plan, request.tasks)
        done = [t for t in chosen if status[t.id].light == model.DONE]
        if done:
            raise InputError(
                f"任务 {done[0].id} {_shown(done[0].title)} 截至{cn_date(as_of)}已完成，无需督办；未生成督办单，没有使用编号。"
            )
    else:
        chosen = [t for t in plan.tasks if status[t.id].light == model.RED]
    texts = store.latest_values(data, plan, as_of) if chosen else {}
    return [
        NoticeSubject(status[t.id], plan.goal_of(t), texts.get(t.id, model.LatestValues()).open_problem) for t in chosen
    ]


def preview_notices(data: store.DataDir, request: NoticeRequest) -> Notices:
    """The notices as they would be issued, without numbers: nothing is taken or written."""
    _check_notice_dates(request)
    data = plan_view(data, day=request.evaluated)
    plan = store.load_plan(data)
    gap = notice_code(plan, request.signed.year, None)
    subjects = tuple(s._replace(code=gap) for s in _notice_subjects(data, plan, request))
    return Notices(plan, request, subjects)


#: Where numbered notices go: the file to be written ("" for the screen), and the function that
#: writes them there (a tuple, not a class: every class here costs every command's start-up).
Delivery = tuple[str, Callable[[], object]]


def issue_notices(
    data: store.DataDir,
    request: NoticeRequest,
    author: store.Author,
    now: datetime,
    make: Callable[[Notices], Delivery],
) -> Notices:
    """Number the notices and deliver them: the register's next numbers in the signing year, under the lock.

    ``make`` builds the output from the numbered notices and checks where it goes; if it
    fails, no number is taken. Then the numbers are registered and only then delivered
    (the ``Delivery``'s function): a number on paper is always in the register. When the delivery
    fails after that, the numbers stay used (as in an office's register) and the error
    names them. The register is outside the journal: ``undo`` never gives a number back.
    """
    _check_notice_dates(request)
    from anmin_track.store import notices as register
    from anmin_track.store.safe_io import deferred_interrupt

    with store.locked(data, author.who):
        data = plan_view(data, day=request.evaluated)
        plan = store.load_plan(data)
        issued = register.load_register(data)
        subjects = _notice_subjects(data, plan, request)
        if not subjects:
            return Notices(plan, request, ())
        year = request.signed.year
        first = register.next_number(issued, year)
        numbered = tuple(
            s._replace(number=first + i, code=notice_code(plan, year, first + i)) for i, s in enumerate(subjects)
        )
        notices = Notices(plan, request, numbered)
        where, deliver = make(notices)
        entries = [
            register.IssuedNotice(
                year=year,
                number=s.number or 0,
                code=s.code,
                task=s.status.task.id,
                title=s.status.task.title,
                signed=request.signed,
                as_of=request.evaluated,
                reply_by=request.deadline,
                by=author.who,
                at=now,
                output=where,
            )
            for s in numbered
        ]
        with deferred_interrupt():
            register.append_register(data, entries)
            try:
                deliver()
            except AnminError as exc:
                codes = "、".join(s.code for s in numbered)
                raise WriteError(
                    f"{str(exc).rstrip('。')}。编号 {codes} 已登记为已使用，不会再次使用；"
                    "排除问题后重新生成，将使用新的编号（可在登记簿中注明原编号作废）。"
                ) from None
    return notices._replace(where=where)


def issued_notices(data: store.DataDir) -> list[IssuedNotice]:
    """The register of issued notices, oldest first."""
    from anmin_track.store import notices as register

    return register.load_register(data)


# --------------------------------------------------------------------------- every write, run again if its lock was lost
# A writer whose lock file was deleted or replaced under it gives up before it replaces a file
# (``store.LockLost``) and runs again, its rules checked afresh, under the lock as it is now.
record_progress = store.retried(record_progress)
amend_record = store.retried(amend_record)
retract_record = store.retried(retract_record)
edit_item = store.retried(edit_item)
claim_task = store.retried(claim_task)
add_task = store.retried(add_task)
remove_task = store.retried(remove_task)
set_milestone = store.retried(set_milestone)
close_task = store.retried(close_task)
reopen_task = store.retried(reopen_task)
import_ledger = store.retried(import_ledger)
issue_notices = store.retried(issue_notices)
begin_year = store.retried(begin_year)
# Run after the write it follows, inside that write's use case: its own retries end in its own
# write (never in the use case running again, which would record the record twice).
_follow_carry = store.retried(follow_carry)
