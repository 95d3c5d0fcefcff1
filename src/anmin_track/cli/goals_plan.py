"""`anmin goals …` that change the plan (the 台账) itself: edit, claim, add, remove, milestone, close, reopen."""

# No `from __future__ import annotations`: see cli/zh.py.

from datetime import date
from typing import Annotated

import typer

from anmin_track import actions, parse
from anmin_track.cli.app import goals_app
from anmin_track.cli.common import (
    USER_ENV,
    ByOpt,
    DataOpt,
    TaskArg,
    YearOpt,
    author,
    complete_goal_id,
    complete_item_id,
    data_dir,
    out,
    shown,
    task_line,
)
from anmin_track.cli.zh import AnminCommand
from anmin_track.errors import InputError
from anmin_track.text import cn_date

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
