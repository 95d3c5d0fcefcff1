"""`anmin goals …`: list, due, show, and recording progress (update, amend, retract); the plan's own commands
(edit, claim, add, …) are in ``goals_plan``."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from datetime import date
from typing import Annotated

import typer

from anmin_track import actions, assess, model, parse, store
from anmin_track.cli.app import goals_app
from anmin_track.cli.common import (
    USER_ENV,
    AsOfOpt,
    ByOpt,
    DataOpt,
    JsonOpt,
    TaskArg,
    YearOpt,
    as_of_or_none,
    author,
    complete_item_id,
    complete_task_id,
    data_dir,
    out,
    print_json,
    say_carried,
    say_finished_year,
    shown,
    task_line,
    warn,
)
from anmin_track.cli.zh import AnminCommand, ask
from anmin_track.errors import InputError
from anmin_track.output import views
from anmin_track.text import cn_date, local_now, pct, visible

StageOpt = Annotated[
    str | None,
    typer.Option("--stage", metavar="阶段", help="创建类任务达到的阶段：申报、评审、命名或授牌，进度随之而定。"),
]

# --------------------------------------------------------------------------- list / show


@goals_app.command("list", cls=AnminCommand, epilog="示例：anmin goals list --tasks --status 红灯")
def goals_list(
    ctx: typer.Context,
    tasks: Annotated[bool, typer.Option("--tasks", "-t", help="展开显示每项重点工作下的重点任务。")] = False,
    goal: Annotated[
        str | None, typer.Option("--goal", "-g", metavar="编号", help="只看这一项重点工作，如 --goal 1。")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", metavar="姓名", help="只看此人（或单位）负责的任务。")] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            "-s",
            metavar="状态",
            help="按亮灯筛选：red/yellow/green/done/stale/closed（也可写 红灯、未更新、已销号）。",
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(
            "--group", metavar="分组", help="按 unit（责任单位）、lead（牵头领导）或 owner（责任人）汇总，每组一行。"
        ),
    ] = None,
    unreported: Annotated[
        bool,
        typer.Option("--unreported", help="列出当月（或 --month 所指月份）未报送进展的任务，与月报的未按时报送一致。"),
    ] = False,
    month: Annotated[
        str | None, typer.Option("--month", metavar="年-月", help="与 --unreported 同用，如 2024-05（默认本月）。")
    ] = None,
    as_of_day: AsOfOpt = None,
    year: YearOpt = None,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """列出重点工作的进度、序时进度和亮灯。"""
    if group or unreported or month:
        _supervision_list(
            ctx, data, group, unreported, month, as_of_day, as_json, tasks or any((goal, owner, status)), year
        )
        return
    status_key = parse.parse_status(status, "status") if status else None
    folder, today = data_dir(ctx, data), date.today()
    found = actions.overview(folder, as_of_or_none(as_of_day), goal, year, today)
    day = found.as_of
    say_finished_year(found.plan, found.year, folder, today)
    goal_key = parse.normalize_id(goal) if goal else None
    view = views.goals_list(
        found.plan, found.statuses, day, goal=goal_key, owner=owner, status=status_key, finished=found.year.finished
    )
    if as_json:
        print_json(view)
        return
    if not view["goals"]:
        out("没有符合条件的任务。")
        return
    from anmin_track.output import grid, render

    grid.configure(found.plan.settings.ambiguous_wide)
    grid.print_table(render.goals_table(view, with_tasks=tasks or bool(owner or status)))
    if found.year.finished:
        return  # a year that is over has nothing coming due
    counts = views.due_counts(assess.due_items((ts for gs in found.statuses for ts in gs.tasks), day, DUE_WITHIN))
    hint = [f"{counts['due_tasks']}项任务{DUE_WITHIN}天内到期"] if counts["due_tasks"] else []
    hint += [f"{counts['overdue_tasks']}项已逾期"] if counts["overdue_tasks"] else []
    if hint:
        out("，".join(hint) + "：anmin goals due")


DUE_WITHIN = 15


def _supervision_list(ctx, data, group, unreported, month, as_of_day, as_json, filtered, year) -> None:
    """`goals list --group …` and `goals list --unreported [--month …]`."""
    from anmin_track.output import grid, supervision

    if group and unreported:
        raise InputError("--group 与 --unreported 不能同时使用，请分两次运行。")
    if filtered:
        raise InputError("--group、--unreported 不能与 --tasks、--goal、--owner、--status 同时使用。")
    if group:
        if month:
            raise InputError("--month 只能与 --unreported 同用。")
        if group not in views.GROUP_FIELDS:
            raise InputError(
                f"--group 的值 {group!r} 无效，可选：unit（责任单位）、lead（牵头领导）、owner（责任人）。"
            )
        found = actions.overview(data_dir(ctx, data), as_of_or_none(as_of_day), year=year)
        view = views.group_view(found.plan, found.statuses, found.as_of, group)
        grid.configure(found.plan.settings.ambiguous_wide)
        print_json(view) if as_json else grid.print_table(supervision.group_table(view))
        return
    if as_of_day:
        raise InputError("--unreported 按月份统计，请用 --month 年-月 代替 --as-of。")
    if not unreported:
        raise InputError("--month 只能与 --unreported 同用，如 anmin goals list --unreported --month 2024-05。")
    if year is not None:
        raise InputError("--unreported 按月份统计，请用 --month 年-月 代替 --year。")
    today = date.today()
    ym = parse.parse_month(month, "month") if month else (today.year, today.month)
    found_months = actions.unreported(data_dir(ctx, data), ym)
    uview = views.unreported_view(found_months.plan, found_months.tasks, ym, found_months.start, found_months.end)
    if as_json:
        print_json(uview)
    elif not uview["tasks"]:
        out(f"{ym[0]}年{ym[1]}月应报送进展的任务都已报送。")
    else:
        grid.configure(found_months.plan.settings.ambiguous_wide)
        grid.print_table(supervision.unreported_table(uview))


@goals_app.command("due", cls=AnminCommand, epilog="示例：anmin goals due --within 30")
def goals_due(
    ctx: typer.Context,
    within: Annotated[
        int, typer.Option("--within", min=0, metavar="天数", help="列出多少天内到期的任务和时间节点。")
    ] = DUE_WITHIN,
    as_of_day: AsOfOpt = None,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """列出即将到期和已逾期未完成的任务与时间节点，最早到期的在前。"""
    folder, today = data_dir(ctx, data), date.today()
    found = actions.overview(folder, as_of_or_none(as_of_day), today=today)
    day = found.as_of
    say_finished_year(found.plan, found.year, folder, today)
    items = assess.due_items((ts for gs in found.statuses for ts in gs.tasks), day, within)
    view = views.due_view(found.plan, items, day, within)
    if as_json:
        print_json(view)
        return
    if not items:
        out(f"截至{cn_date(day)}，{within}天内没有到期的任务或时间节点，也没有逾期未完成的。")
        _say_notices(folder, day)
        return
    from anmin_track.output import grid, supervision

    grid.configure(found.plan.settings.ambiguous_wide)
    grid.print_table(supervision.due_table(view))
    counts = view["counts"]
    out(f"共{len(items)}个节点：{counts['overdue_tasks']}项任务已逾期，{counts['due_tasks']}项任务{within}天内到期。")
    _say_notices(folder, day)


def _say_notices(folder: store.DataDir, day: date, task: str | None = None) -> None:
    """The open 督办单 (of ``task``, or of every task), overdue first: `goals due`, `goals show`."""
    from anmin_track.cli.notice_loop import notice_lines

    lines = notice_lines(actions.notices_as_of(folder, day), day, task)
    if lines:
        out("未办结的督办单：" if task is None else "督办单：")
        for line in lines:
            out("  " + line)


@goals_app.command("show", cls=AnminCommand, epilog="示例：anmin goals show 1.2")
def goals_show(
    ctx: typer.Context,
    item: Annotated[
        str,
        typer.Argument(
            metavar="编号", help="重点工作编号（如 1）或重点任务编号（如 1.2）。", autocompletion=complete_item_id
        ),
    ],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="条数", help="最多显示几条进展记录。")] = 10,
    as_of_day: AsOfOpt = None,
    year: YearOpt = None,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """显示一项重点工作或重点任务的详细信息和进展记录。"""
    folder, today = data_dir(ctx, data), date.today()
    found = actions.detail(folder, item, as_of_or_none(as_of_day), limit, year, today)
    day = found.as_of
    say_finished_year(found.plan, found.year, folder, today)
    if found.goal is not None:
        view = views.goal_show(found.plan, found.goal, day)
    else:
        assert found.task is not None
        view = views.task_show(found.plan, found.task, found.history, day, found.values)
    if as_json:
        print_json(view)
        return
    from anmin_track.output import grid, render

    grid.configure(found.plan.settings.ambiguous_wide)
    grid.show(render.goal_detail(view) if view["kind"] == "goal" else render.task_detail(view))
    if found.task is not None:
        _say_notices(folder, day, found.task.task.id)


# --------------------------------------------------------------------------- update


@goals_app.command(
    "update", cls=AnminCommand, epilog='示例：anmin goals update 1.2 --progress 60 --note "完成布展招标"'
)
def goals_update(
    ctx: typer.Context,
    task_id: Annotated[
        str, typer.Argument(metavar="任务编号", help="重点任务编号，如 1.2。", autocompletion=complete_task_id)
    ],
    progress: Annotated[
        str | None,
        typer.Option("--progress", "-p", metavar="百分比", help="当前完成进度，0~100 的整数（常态工作不写）。"),
    ] = None,
    stage: StageOpt = None,
    note: Annotated[str | None, typer.Option("--note", metavar="文字", help="进展情况。")] = None,
    problem: Annotated[str | None, typer.Option("--problem", metavar="文字", help="存在问题。")] = None,
    next_steps: Annotated[str | None, typer.Option("--next", metavar="文字", help="下步计划。")] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", metavar="名称=数值", help="指标数值，可多次使用，如 --metric 调解矛盾纠纷=12。"),
    ] = None,
    day: Annotated[
        str | None, typer.Option("--date", "-d", metavar="日期", help="进展截至哪一天（默认今天）。")
    ] = None,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="姓名", help=f"记录人（默认 ${USER_ENV} 或 anmin whoami 记下的姓名）。"),
    ] = None,
    again: Annotated[
        bool, typer.Option("--again", help="与该任务最新一条记录完全相同时，仍再记一条（默认视为重复提交而拒绝）。")
    ] = False,
    year: YearOpt = None,
    data: DataOpt = None,
) -> None:
    """记录一项重点任务的进展（进展情况、存在问题、下步计划）。"""
    folder = data_dir(ctx, data, writes="记录进展")
    when = parse.parse_date(day, key="date") if day else None
    if (progress is None and stage is None) or (note is None and sys.stdin.isatty()):
        progress, note = _ask_missing(
            actions.plan_view(folder, year, when), task_id, progress, stage, note, bool(metric)
        )
    request = actions.ProgressRequest(
        task=task_id,
        progress=None if progress is None else parse.parse_progress(progress, "progress"),
        stage=(stage or "").strip(),
        day=when,
        note=parse.clean_text(note or "", "进展情况", "note"),
        problem=parse.clean_text(problem or "", "存在问题", "problem"),
        next=parse.clean_text(next_steps or "", "下步计划", "next"),
        metrics=tuple(metric or ()),
        again=again,
        year=year,
    )
    done = actions.record_progress(folder, request, author(ctx, by), local_now())
    if done.late:
        warn(f"--date {done.record.date} 已过任务 {done.task.id} 的截止日期 {done.task.due}，仍按逾期补报记录。")
    stale = f"（仍有{model.STALE_LABEL}）" if done.status.stale else ""
    light = model.LIGHT_LABELS[done.status.light]
    if done.task.kind == model.DUTY:
        state = f"常态工作（截至{cn_date(done.record.date)}），{light}{stale}"
    elif done.task.kind == model.CREATION:
        stage_now = model.stage_name(done.record.progress or 0)
        state = f"创建阶段 {stage_now}（截至{cn_date(done.record.date)}），应达阶段 {model.stage_name(done.status.expected)}，{light}{stale}"
    else:
        state = f"进度 {done.record.progress}%（截至{cn_date(done.record.date)}），序时进度 {pct(done.status.expected)}，{light}{stale}"
    out(f"已记录 {task_line(done.task)}：{state}。查看：anmin goals show {done.task.id}")
    say_carried(done.carried)


RecordDateOpt = Annotated[
    str | None,
    typer.Option(
        "--date", "-d", metavar="日期", help="哪一天的记录（默认该任务最新的一条；同一天有多条时为最后记录的一条）。"
    ),
]


@goals_app.command("amend", cls=AnminCommand, epilog="示例：anmin goals amend 1.2 --date 2024-05-28 --progress 45")
def goals_amend(
    ctx: typer.Context,
    task_id: TaskArg,
    day: RecordDateOpt = None,
    progress: Annotated[str | None, typer.Option("--progress", "-p", metavar="百分比", help="更正后的进度。")] = None,
    stage: StageOpt = None,
    note: Annotated[str | None, typer.Option("--note", metavar="文字", help="更正后的进展情况。")] = None,
    problem: Annotated[str | None, typer.Option("--problem", metavar="文字", help="更正后的存在问题。")] = None,
    next_steps: Annotated[str | None, typer.Option("--next", metavar="文字", help="更正后的下步计划。")] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", metavar="名称=数值", help="更正（或补上）一项指标数值，可多次使用。"),
    ] = None,
    year: YearOpt = None,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """更正一条进展记录（默认最新的一条），只改给出的内容。"""
    fix = actions.Correction(
        task=task_id,
        day=parse.parse_date(day, key="date") if day else None,
        progress=None if progress is None else parse.parse_progress(progress, "progress"),
        note=None if note is None else parse.clean_text(note, "进展情况", "note"),
        problem=None if problem is None else parse.clean_text(problem, "存在问题", "problem"),
        next=None if next_steps is None else parse.clean_text(next_steps, "下步计划", "next"),
        metrics=tuple(metric or ()),
        year=year,
        stage=(stage or "").strip(),
    )
    done = actions.amend_record(data_dir(ctx, data), fix, author(ctx, by), date.today())
    record = f"{task_line(done.task)} {cn_date(done.before.date)}的进展记录"
    if not done.changes:
        out(f"{record}与给出的内容相同，未作修改。")
        return
    out(f"已更正 {record}：{shown('，'.join(done.changes))}。撤销：anmin undo")
    say_carried(done.carried)


@goals_app.command("retract", cls=AnminCommand, epilog="示例：anmin goals retract 1.2 --date 2024-05-30")
def goals_retract(
    ctx: typer.Context,
    task_id: TaskArg,
    day: RecordDateOpt = None,
    year: YearOpt = None,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """撤回一条记错的进展记录（默认最新的一条）。"""
    when = parse.parse_date(day, key="date") if day else None
    done = actions.retract_record(data_dir(ctx, data), task_id, when, author(ctx, by), year)
    gone, latest = done.record, done.latest
    now = (
        f"现在最新的记录是{cn_date(latest.date)}的{actions.progress_words(done.task, latest)}"
        if latest
        else "该任务现在没有进展记录"
    )
    gone_words = actions.progress_words(done.task, gone)
    out(f"已撤回 {task_line(done.task)} {cn_date(gone.date)}的进展记录（{gone_words}）；{now}。撤销：anmin undo")
    say_carried(done.carried)


def _ask_missing(
    folder, task_id: str, progress: str | None, stage: str | None, note: str | None, metrics: bool
) -> tuple[str | None, str | None]:
    """In a terminal, ask for what was left out: the progress (required of a 项目 task), the note
    (optional; a 常态 task's record needs it or a metric); a 创建 task's stage is never asked."""
    from anmin_track import store

    task = parse.resolve_task(store.load_plan(folder), task_id)
    if task.kind == model.DUTY:
        if note is None and not metrics and sys.stdin.isatty():
            note = ask("本期开展的工作（进展情况）：", str)
        return progress, note
    if task.kind == model.CREATION and progress is None and stage is None:
        stages = "、".join(name for name, _ in model.STAGES)
        raise InputError(f"缺少 --stage：任务 {task.id} 是创建类任务，请写明达到的阶段（{stages}），如 --stage 评审。")
    if progress is None and stage is None:
        if not sys.stdin.isatty():
            raise InputError(
                f'缺少 --progress（0~100 的整数），如：anmin goals update {task.id} --progress 45 --note "进展情况"。'
            )
        progress = str(ask(f"{task.id} {visible(task.title, oneline=True)} 当前进度（0~100）：", parse.parse_progress))
    if note is None and sys.stdin.isatty():
        note = ask("进展情况（可直接回车跳过）：", str)
    return progress, note
