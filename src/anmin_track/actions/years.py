"""Which year's plan a command works on, and a new year's plan: 结转 (``plan new``), a plan drafted from the
office's 工作思路要点 (``plan import``), a new data folder (``init``)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from anmin_track import model, store
from anmin_track.errors import DataError, InputError
from anmin_track.text import cn_date
from anmin_track.tuples import NamedTuple

if TYPE_CHECKING:
    from anmin_track import carry, plan_draft


class Carried(NamedTuple):
    """What a change to an earlier year's record did to the task carried from it into the next plan."""

    year: int  # the next plan's year
    task: model.Task  # as it is now
    before: int  # its carried_progress before the change
    #: The earlier task is now done: carrying it over may no longer be needed (nothing was changed).
    finished: bool = False


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
    starts where it now stood at that year's end (``carried_progress``), in a write of its own; and so on
    down the years while the carried task has no record of its own to stand on."""
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
        before = earlier.task(task_id)
        now = latest.progress if latest and latest.progress is not None else (before.carried_progress if before else 0)
        if now >= 100:
            return Carried(tx.plan.year, task, task.carried_progress, finished=True)
        if now == task.carried_progress:
            return None
        new = task._replace(carried_progress=now)
        tx.replace_plan(
            model.with_task(tx.plan, new),
            f"{tx.plan.year}年计划 {task.id} 的结转时进度 {task.carried_progress}% → {now}%（随{view.archived}年的记录）",
        )
    follow_carry(data, later, new.id, author)  # the plan after that carries it on from there, if any
    return Carried(tx.plan.year, new, task.carried_progress)


def last_year(view: store.DataDir, plan: model.Plan) -> int:
    """The last year whose records belong to ``plan``: its own, or for an earlier plan with no plan after it for a
    while, the last year before the next plan (records of 2025 belong to the 2024 plan when there is no 2025 plan)."""
    if view.archived is not None and view.owns is not None:
        return view.owns[1]
    return plan.year


def evaluation_day(plan: model.Plan, as_of: date | None, today: date, view: store.DataDir) -> date:
    """The day read commands evaluate on: ``as_of``, else today, else (the plan's years over) the last day of them."""
    if as_of is not None:
        return as_of
    last = last_year(view, plan)
    return date(last, 12, 31) if today.year > last else today


class Year(NamedTuple):
    """How a read command's answer stands in the folder's years."""

    #: Evaluated at the end of the plan's year because that year is over (no ``--as-of``).
    finished: bool = False
    #: The plan is the folder's current one (goals.toml), not an earlier year's.
    current: bool = True
    #: Tasks' latest records dated after today (a PC whose clock ran ahead), oldest first: no evaluation
    #: up to today counts them, so the command says they are there.
    ahead: tuple[model.Record, ...] = ()


def _year(view: store.DataDir, plan: model.Plan, as_of: date | None, today: date, index: store.Index) -> Year:
    ahead = sorted((r for r in index.latest.values() if r.date > today), key=lambda r: r.sort_key)
    return Year(as_of is None and today.year > last_year(view, plan), view.archived is None, tuple(ahead))


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
    from anmin_track import carry  # only a new year's plan needs it

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


def begin_year(
    data: store.DataDir, request: NewYear, shown: carry.Turn, author: store.Author, today: date
) -> carry.Turn:
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
                f"这些{request.year}年的进展记录所属的任务没有结转到新计划（已完成、已销号，或只保留重点工作），新计划中没有它们的任务："
                f"{_records_list(turn.stranded)}。请先撤回或更正这些记录，未作修改。"
            )
        carried = len(turn.carried)
        tx.begin_year(
            turn.new, f"开始{request.year}年计划（结转{carried}项未完成任务，{tx.plan.year}年计划存为往年计划）"
        )
    return turn


def init_folder(target: Path, shared: bool, year: int | None, today: date, force: bool = False) -> Path:
    """`anmin init`: a new data folder with the bundled 2024 plan, or (``year``) an empty plan of that year."""
    content = None
    if year is not None:
        if not 2000 <= year <= today.year + PLAN_AHEAD:
            raise InputError(f"年度 {year} 不合适：应在2000年至{today.year + PLAN_AHEAD}年之间。")
        from anmin_track import carry

        bundled = store.load_plan(store.DataDir(store.bundled_plan_file().parent, bundled=True))
        content = store.dump_plan(carry.empty_plan(bundled, year))
    return store.init_data_dir(target, shared, content, force)


def follow_carry_retried(
    data: store.DataDir, view: store.DataDir, task_id: str, author: store.Author
) -> Carried | None:
    """``follow_carry`` run again while its lock was lost (``store.retried``). Run after the write it follows,
    inside that write's use case (``records``): its own retries end in its own write (never in the use case
    running again, which would record the record twice). Wrapped when called: a command that reads never
    loads the write paths."""
    return store.retried(follow_carry)(data, view, task_id, author)
