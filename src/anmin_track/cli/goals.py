"""`anmin goals …`: list, show, update, and the plan commands of the 台账 workflow."""

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
    complete_goal_id,
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
    from anmin_track.output import render

    render.configure(found.plan.settings.ambiguous_wide)
    render.print_table(render.goals_table(view, with_tasks=tasks or bool(owner or status)))
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
    from anmin_track.output import render, supervision

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
        render.configure(found.plan.settings.ambiguous_wide)
        print_json(view) if as_json else render.print_table(supervision.group_table(view))
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
        render.configure(found_months.plan.settings.ambiguous_wide)
        render.print_table(supervision.unreported_table(uview))


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
    from anmin_track.output import render, supervision

    render.configure(found.plan.settings.ambiguous_wide)
    render.print_table(supervision.due_table(view))
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
    from anmin_track.output import render

    render.configure(found.plan.settings.ambiguous_wide)
    render.show(render.goal_detail(view) if view["kind"] == "goal" else render.task_detail(view))
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


# --------------------------------------------------------------------------- the plan (台账)

TitleOpt = Annotated[str | None, typer.Option("--title", metavar="文字", help="标题。")]
KindOpt = Annotated[
    str | None,
    typer.Option(
        "--kind",
        metavar="类型",
        help="任务类型：项目（按完成进度）、创建（按申报、评审、命名、授牌阶段）或常态（日常工作，不计完成进度）。",
    ),
]
LeadOpt = Annotated[str | None, typer.Option("--lead", metavar="姓名", help="牵头领导。")]
UnitOpt = Annotated[str | None, typer.Option("--unit", metavar="单位", help="责任单位。")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", metavar="姓名", help="责任人。")]
PartnersOpt = Annotated[
    str | None, typer.Option("--partners", metavar="单位", help="配合单位，多个用顿号或逗号分开；写空字符串清空。")
]
StartOpt = Annotated[str | None, typer.Option("--start", metavar="日期", help="开始日期，如 2024-03-01。")]
DueOpt = Annotated[str | None, typer.Option("--due", metavar="日期", help="完成时限（截止日期），如 2024-10-31。")]
WeightOpt = Annotated[str | None, typer.Option("--weight", metavar="数字", help="权重（大于 0，默认 1）。")]


@goals_app.command("edit", cls=AnminCommand, epilog="示例：anmin goals edit 1.2 --due 2024-09-30")
def goals_edit(
    ctx: typer.Context,
    item: Annotated[
        str,
        typer.Argument(
            metavar="编号",
            help="重点工作编号（如 1，只能改标题）或重点任务编号（如 1.2）。",
            autocompletion=complete_item_id,
        ),
    ],
    title: TitleOpt = None,
    kind: KindOpt = None,
    lead: LeadOpt = None,
    unit: UnitOpt = None,
    owner: OwnerOpt = None,
    partners: PartnersOpt = None,
    start: StartOpt = None,
    due: DueOpt = None,
    weight: WeightOpt = None,
    year: YearOpt = None,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """修改计划内容：标题、任务类型、牵头领导、责任单位、责任人、起止日期、权重。"""
    values = parse.parse_plan_values(
        {"title": title, "kind": kind, "lead": lead, "unit": unit, "owner": owner, "partners": partners}
        | {"start": start, "due": due, "weight": weight}
    )
    edited = actions.edit_item(data_dir(ctx, data, writes="修改计划"), item, values, author(ctx, by), year)
    changes = ";".join(f"{label} {shown(old)} → {shown(new)}" for label, old, new in edited.changes)
    subject = task_line(edited.item)
    out(f"已修改 {subject}：{changes}。" if changes else f"{subject} 的内容与原来相同，未作修改。")


@goals_app.command("claim", cls=AnminCommand, epilog="示例：anmin goals claim 1.2")
def goals_claim(
    ctx: typer.Context,
    task_id: TaskArg,
    by: Annotated[
        str | None,
        typer.Option("--by", metavar="姓名", help=f"认领人（默认 ${USER_ENV} 或 anmin whoami 记下的姓名）。"),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="任务已有责任人时仍改由认领人负责。")] = False,
    data: DataOpt = None,
) -> None:
    """认领一项重点任务：把责任人设为自己（已有责任人时需加 --force）。"""
    who = author(ctx, by)
    claimed = actions.claim_task(data_dir(ctx, data, writes="认领任务"), task_id, who.who, force, who)
    task, name, previous = claimed.task, claimed.task.owner, claimed.previous_owner
    if previous == name:
        out(f"{task_line(task)} 的责任人已是 {shown(name)}。")
    elif previous:
        out(f"已认领 {task_line(task)}：责任人由 {shown(previous)} 改为 {shown(name)}。")
    else:
        out(f"已认领 {task_line(task)}：责任人为 {shown(name)}。记录进展：anmin goals update {task.id} --progress 数值")


@goals_app.command("add", cls=AnminCommand, epilog='示例：anmin goals add 1 "建设乡村文化广场" --due 2024-12-31')
def goals_add(
    ctx: typer.Context,
    goal_id: Annotated[
        str,
        typer.Argument(metavar="目标编号", help="新任务所属的重点工作编号，如 1。", autocompletion=complete_goal_id),
    ],
    title: Annotated[str, typer.Argument(metavar="任务名称", help="新增重点任务的名称。")],
    source: Annotated[str | None, typer.Option("--source", metavar="文字", help="依据（文件原文或会议要求）。")] = None,
    kind: KindOpt = None,
    lead: LeadOpt = None,
    unit: UnitOpt = None,
    owner: OwnerOpt = None,
    partners: PartnersOpt = None,
    start: Annotated[
        str | None,
        typer.Option("--start", metavar="日期", help="开始日期（默认计划年度1月1日；年中新增建议写实际日期）。"),
    ] = None,
    due: Annotated[str | None, typer.Option("--due", metavar="日期", help="完成时限（默认计划年度12月31日）。")] = None,
    weight: WeightOpt = None,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """年中新增一项重点任务（自动取下一个空闲编号）。"""
    values = parse.parse_plan_values(
        {"title": title, "kind": kind, "source": source, "lead": lead, "unit": unit, "owner": owner}
        | {"partners": partners, "start": start, "due": due, "weight": weight}
    )
    task = actions.add_task(data_dir(ctx, data, writes="新增任务"), goal_id, values, author(ctx, by))
    out(
        f"已新增重点任务 {task_line(task)}（完成时限 {cn_date(task.due)}）。"
        f"认领：anmin goals claim {task.id}；查看：anmin goals show {task.id}"
    )


@goals_app.command("remove", cls=AnminCommand, epilog="示例：anmin goals remove 1.8")
def goals_remove(ctx: typer.Context, task_id: TaskArg, by: ByOpt = None, data: DataOpt = None) -> None:
    """删除一项还没有任何进展记录的重点任务（如误加的任务）。"""
    task = actions.remove_task(data_dir(ctx, data, writes="删除任务"), task_id, author(ctx, by))
    out(f"已删除重点任务 {task_line(task)}。")


@goals_app.command("milestone", cls=AnminCommand, epilog="示例：anmin goals milestone 1.2 2024-06-30 50")
def goals_milestone(
    ctx: typer.Context,
    task_id: TaskArg,
    day: Annotated[str, typer.Argument(metavar="日期", help="时间节点日期，如 2024-06-30。")],
    percent: Annotated[
        str | None, typer.Argument(metavar="进度", help="到该日应达到的进度（0~100），如 50；与 --remove 同用时省略。")
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="删除该日期的时间节点。")] = False,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """设置或删除任务的时间节点（某日应达到的进度），序时进度随之计算。"""
    when = parse.parse_date(day)
    if remove and percent is not None:
        raise InputError("删除时间节点时不要写进度：anmin goals milestone 任务编号 日期 --remove。")
    if not remove and percent is None:
        raise InputError(f"缺少进度：如 anmin goals milestone {task_id} {when} 50（到该日应达到 50%）。")
    value = None if percent is None else parse.parse_progress(percent)
    task = actions.set_milestone(data_dir(ctx, data, writes="设置时间节点"), task_id, when, value, author(ctx, by))
    nodes = "、".join(f"{cn_date(m.date)} {m.percent}%" for m in task.milestones) or "无（序时进度按起止日期均匀计算）"
    done = f"已删除 {cn_date(when)} 的时间节点" if remove else f"已设置时间节点 {cn_date(when)} {value}%"
    out(f"{task_line(task)}：{done}。现有时间节点：{nodes}。")


@goals_app.command("close", cls=AnminCommand, epilog='示例：anmin goals close 1.2 --note "经党政办核验，资料齐全"')
def goals_close(
    ctx: typer.Context,
    task_id: TaskArg,
    note: Annotated[
        str | None, typer.Option("--note", metavar="文字", help="审核意见，如 经党政办核验资料齐全。［必填］")
    ] = None,
    day: Annotated[str | None, typer.Option("--date", "-d", metavar="日期", help="销号日期（默认今天）。")] = None,
    year: YearOpt = None,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """销号：审核通过后把已完成（100%）的重点任务标为已销号。"""
    text = parse.clean_text((note or "").strip(), "审核意见", "note")
    when = parse.parse_date(day, key="date") if day else date.today()
    folder = data_dir(ctx, data, writes="销号")
    task = actions.close_task(folder, task_id, text, when, author(ctx, by), date.today(), year)
    out(f"已销号 {task_line(task)}（{shown(task.closed)}，{shown(task.closed_by)}）：{shown(text)}")


@goals_app.command("reopen", cls=AnminCommand, epilog="示例：anmin goals reopen 1.2")
def goals_reopen(ctx: typer.Context, task_id: TaskArg, by: ByOpt = None, data: DataOpt = None) -> None:
    """撤销销号，重新打开一项重点任务（可继续记录进展）。"""
    task = actions.reopen_task(data_dir(ctx, data, writes="撤销销号"), task_id, author(ctx, by))
    out(f"已重新打开 {task_line(task)}，可继续记录进展。")
