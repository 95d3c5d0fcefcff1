"""Progress records: record one (``goals update``), correct it (``amend``), withdraw it (``retract``), and the
rules a record meets."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from anmin_track import assess, fields, model, parse, store
from anmin_track.actions.common import _summary_value
from anmin_track.actions.years import Carried, follow_carry_retried, plan_view, record_day
from anmin_track.errors import InputError, RepeatError, Step
from anmin_track.text import cn_date
from anmin_track.tuples import NamedTuple

if TYPE_CHECKING:
    pass


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


class Recorded(NamedTuple):
    task: model.Task
    record: model.Record
    status: model.TaskStatus
    #: The day is past the task's due date: accepted as a late report.
    late: bool
    carried: Carried | None = None


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
                f"任务 {task.id} 是常态工作，记录应写明进展情况或指标数值（本期开展了什么）。",
                options=("note", "metric"),
            )
        return None
    if stage:
        percent = model.stage_percent(stage.strip())
        if task.kind != model.CREATION:
            raise InputError(
                f"任务 {task.id} 是{task.kind}类任务，按完成进度记录；只有创建类任务按阶段记录。", options=("progress",)
            )
        if percent is None:
            raise InputError(f"阶段 {stage!r} 不对，创建类任务的阶段依次为：{_STAGE_WORDS}。", options=("stage",))
        if progress is not None and progress != percent:
            raise InputError(
                f"阶段{stage}对应进度 {percent}%，与给出的进度 {progress}% 不一致；只写阶段即可。", options=("stage",)
            )
        return percent
    if progress is None:
        if task.kind == model.CREATION:
            raise InputError(
                f"缺少阶段：任务 {task.id} 是创建类任务，请写明达到的阶段（{_STAGE_WORDS}）。", options=("stage",)
            )
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


def check_drop_after(task: model.Task, progress: int | None, following: model.Record | None, what: str) -> None:
    """The record ``following`` (the next of the task's records) must not become a drop nobody explained: its
    progress below ``progress``, which a backdated record, an amend or a retract (``what``) puts before it."""
    if following is None or following.progress is None or progress is None or following.note.strip():
        return
    if following.progress < progress:
        day = following.date.isoformat()
        raise InputError(
            f"{what}后，{cn_date(following.date)}的记录（进度 {following.progress}%）将低于它之前的 {progress}%，"
            "成为没有说明原因的进度回退，未作修改。请核对日期和进度；如进度确实回退，请先给那条记录补上原因",
            steps=(Step("amend", (task.id,), (("date", day), ("note", "进度回退的原因"))),),
        )


def _next_record(tx: store.Transaction, task: model.Task, record: model.Record) -> model.Record | None:
    """The task's record after ``record``; no month is read when the index's latest is not after it (the
    usual update of today, an amend or retract of the latest)."""
    latest = tx.index.latest.get(task.id)
    if latest is None or latest == record or latest.sort_key < record.sort_key:
        return None
    return tx.record_after(task, record)


def check_not_repeat(latest: model.Record | None, record: model.Record) -> None:
    """The task's latest record again, word for word (an up-arrow and Enter), is refused as a likely repeat."""
    if latest is not None and model.said(latest) == model.said(record):
        raise RepeatError(
            f"这条记录与任务 {record.task} {cn_date(latest.at.date())} {latest.at:%H:%M} 记下的最新记录完全相同"
            "（日期、进度、文字和指标都一样），像是重复提交，未记录。如确需再记一条相同的记录，请注明再记一条。",
            options=("again",),
        )


def record_time(latest: model.Record | None, now: datetime) -> datetime:
    """When a new record is said to be recorded: ``now``, or just after the task's latest record when that one
    is later (another writer whose clock ran ahead, or who took the lock first after reading its clock later):
    a record written after another always sorts after it, so the rules it was checked by hold for its order."""
    if latest is not None and latest.at >= now:
        return latest.at + timedelta(microseconds=1)
    return now


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
            at=record_time(tx.index.latest.get(task.id), now),
        )
        if not request.again:
            check_not_repeat(tx.index.latest.get(task.id), record)
        check_drop_after(task, progress, _next_record(tx, task, record), f"补记{cn_date(day)}的进展")
        tx.add_record(record, f"记录 {task.id} {progress_words(task, record)}（截至{cn_date(record.date)}）")
        settings = tx.plan.settings
        known = None
        if not task.measured:  # a 常态 task's light weighs its metrics' latest values
            values = store.latest_values(tx.data, tx.plan, day, tx.index, [task]).get(task.id, model.NO_VALUES)
            known = assess.metric_values(values) | dict(metrics)
    latest = previous if previous and previous.sort_key > record.sort_key else record
    carried = follow_carry_retried(data, view, task.id, author)
    return Recorded(task, record, assess.task_status(task, latest, day, settings, known), late, carried)


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
            f"任务 {task.id} {when}没有进展记录，无可更正或撤回。请查看该任务的记录。",
            steps=(Step("show", (task.id,)),),
        )
    return found


def _record_changes(before: model.Record, after: model.Record) -> tuple[str, ...]:
    changes = (
        [f"进度 {_summary_value(before.progress)}% → {after.progress}%"] if before.progress != after.progress else []
    )
    changes += [
        fields.RECORD[name].label
        for name in ("note", "problem", "next")
        if getattr(before, name) != getattr(after, name)
    ]
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
    if (
        (fix.progress, fix.note, fix.problem, fix.next) == (None, None, None, None)
        and not fix.metrics
        and not fix.stage
    ):
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
            check_drop_after(task, after.progress, _next_record(tx, task, before), f"更正{cn_date(before.date)}的记录")
            said = "，".join(changes)
            tx.replace_record(before, after, f"更正 {task.id} {cn_date(before.date)}的进展记录（{said}）")
    carried = follow_carry_retried(data, view, task.id, author) if before.progress != after.progress else None
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
        previous = tx.record_before(task, record)
        progress = task.carried_progress if previous is None else previous.progress
        check_drop_after(task, progress, _next_record(tx, task, record), f"撤回{cn_date(record.date)}的记录")
        summary = f"撤回 {task.id} {cn_date(record.date)}的进展记录（{progress_words(task, record)}）"
        tx.replace_record(record, None, summary)
        latest = tx.index.latest.get(task.id)
    return Retracted(task, record, latest, follow_carry_retried(data, view, task.id, author))
