"""`anmin plan …`: the year's plan as a whole; `plan new` begins the next year's with 结转."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from datetime import date
from typing import Annotated

import typer

from anmin_track import actions, carry
from anmin_track.cli.app import plan_app
from anmin_track.cli.common import ByOpt, DataOpt, author, data_dir, out, task_line
from anmin_track.cli.zh import AnminCommand, confirm
from anmin_track.errors import InputError
from anmin_track.text import cn_date, visible


def _preview(turn: carry.Turn, label: str) -> list[str]:
    """What `plan new` will do, in lines for the clerk to read before saying yes."""
    old, new = turn.old, turn.new
    lines = [f"将开始{new.year}年计划（由{old.year}年计划结转）："]
    carried = turn.carried
    if carried:
        lines.append(f"  结转未完成任务 {len(carried)} 项（保留编号、责任分工和指标，从上年末进度起算）：")
        lines += [f"    {task_line(t)}（上年末进度 {t.carried_progress}%）" for t in carried]
    else:
        lines.append("  不结转任务（重点工作保留，任务由办公室新增）。")
    left = turn.left
    if left:
        said = "、".join(f"{ts.task.id}（{'已销号' if ts.task.closed else '已完成'}）" for ts in left)
        lines.append(f"  不结转 {len(left)} 项：{said}")
    rebased = [
        (t, m) for t in carried for m in t.metrics if (before := turn.old.task(t.id)) and m not in before.metrics
    ]
    if rebased:
        lines.append("  指标基数改为上年末数值：" + "；".join(f"{t.id} {m.name} {m.baseline_text}" for t, m in rebased))
    if turn.moving:
        lines.append(f"  {len(turn.moving)} 条日期在{new.year}年及以后的进展记录将归入新计划的同一任务。")
    lines.append(
        f"  {old.year}年计划存为 plans/{old.year}.toml（仍可用 --year {old.year} 查看、补记、销号）；"
        f"{label} 改为{new.year}年计划，完成时限为{cn_date(date(new.year, 12, 31))}，时间节点请重新设置。"
    )
    return [visible(line, oneline=True) for line in lines]


@plan_app.command("new", cls=AnminCommand, epilog="示例：anmin plan new 2025")
def plan_new(
    ctx: typer.Context,
    year: Annotated[int, typer.Argument(metavar="年度", min=1, max=9999, help="新计划的年度，如 2025。")],
    empty: Annotated[bool, typer.Option("--empty", help="只保留重点工作，不结转任何任务。")] = False,
    move_records: Annotated[
        bool,
        typer.Option("--move-records", help="当前计划中已有新年度日期的进展记录时，把它们归入结转后的同一任务。"),
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不询问，直接开始（供脚本使用）。")] = False,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """开始新年度计划：结转未完成的任务，上年末的指标数值作为新基数，当前计划存为往年计划。"""
    folder = data_dir(ctx, data, writes="开始新年度计划")
    today = date.today()
    request = actions.NewYear(year, empty, move_records)
    turn = actions.preview_year(folder, request, today)
    out("\n".join(_preview(turn, folder.label(folder.plan_file))))
    if not yes:
        if not sys.stdin.isatty():
            raise InputError("开始新年度计划需要确认：请在命令行窗口中运行并按提示确认，或加 --yes。")
        confirm("确认开始？")
    done = actions.begin_year(folder, request, turn, author(ctx, by), today)
    new = done.new
    out(
        f"已开始{new.year}年计划：结转 {len(done.carried)} 项任务，{done.old.year}年计划已存为 plans/{done.old.year}.toml。"
        f"查看：anmin goals list --tasks；撤销：anmin undo"
    )
