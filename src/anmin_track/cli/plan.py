"""`anmin plan …`: the year's plan as a whole; `plan new` begins the next year's with 结转."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from anmin_track import actions, carry, model, store
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
    if carried and new.goal_of(carried[0]).title == f"{old.year}年结转任务":
        goal = new.goal_of(carried[0])
        lines.append(
            f"  结转未完成任务 {len(carried)} 项，列为第 {goal.id} 项重点工作“{goal.title}”（重新编号，保留责任分工和指标，从上年末进度起算）："
        )
        lines += [f"    {task_line(t)}（原 {t.carried_from}，上年末进度 {t.carried_progress}%）" for t in carried]
    elif carried:
        lines.append(f"  结转未完成任务 {len(carried)} 项（保留编号、责任分工和指标，从上年末进度起算）：")
        lines += [f"    {task_line(t)}（上年末进度 {t.carried_progress}%）" for t in carried]
    else:
        lines.append("  不结转任务（重点工作保留，任务由办公室新增）。")
    left = turn.left
    if left:
        said = "、".join(f"{ts.task.id}（{_why_left(ts)}）" for ts in left)
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


def _why_left(ts) -> str:
    """Why a task of the old plan is not carried: signed off, done, or (``--empty``) left to the office."""
    if ts.task.closed:
        return "已销号"
    return "已完成" if not carry.unfinished(ts) else "未完成，不结转"


@plan_app.command("new", cls=AnminCommand, epilog="示例：anmin plan new 2025")
def plan_new(
    ctx: typer.Context,
    year: Annotated[int, typer.Argument(metavar="年度", min=1, max=9999, help="新计划的年度，如 2025。")],
    empty: Annotated[bool, typer.Option("--empty", help="只保留重点工作，不结转任何任务。")] = False,
    move_records: Annotated[
        bool,
        typer.Option("--move-records", help="当前计划中已有新年度日期的进展记录时，把它们归入结转后的同一任务。"),
    ] = False,
    source: Annotated[
        Path | None,
        typer.Option(
            "--from", metavar="计划文件", help="以这个计划文件（如 plan import -o 生成并核对过的草稿）为新年度计划。"
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不询问，直接开始（供脚本使用）。")] = False,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """开始新年度计划：结转未完成的任务，上年末的指标数值作为新基数，当前计划存为往年计划。"""
    folder = data_dir(ctx, data, writes="开始新年度计划")
    draft = actions.read_draft(_read_document(source), str(source), year) if source else None
    _begin(ctx, folder, actions.NewYear(year, empty, move_records, draft), yes, by)


def _begin(ctx: typer.Context, folder: store.DataDir, request: actions.NewYear, yes: bool, by: str | None) -> None:
    """Preview the new year's plan, ask, then begin it (plan new, plan import)."""
    today = date.today()
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


def _read_document(path: Path) -> bytes:
    """A file the user named: a regular file of a size a plan document can have."""
    return store.read_named(path, "文件", actions.DRAFT_SOURCE_MAX)


def _abridged(text: str, width: int = 36) -> str:
    text = visible(text, oneline=True)
    return text if len(text) <= width else text[: width - 1] + "…"


def _draft_lines(draft: model.Plan, name: str) -> list[str]:
    metrics = sum(len(t.metrics) for t in draft.tasks)
    lines = [
        f"按 {name} 起草的{draft.year}年计划（{draft.title}）：{len(draft.goals)} 项重点工作，"
        f"{len(draft.tasks)} 项候选任务，{metrics} 项候选指标。任务名称取自原文，请核对后修改或删除："
    ]
    for goal in draft.goals:
        lines.append(f"  {goal.id} {visible(goal.title, oneline=True)}")
        lines += [f"    {t.id} {_abridged(t.title)}" for t in goal.tasks]
        for t in goal.tasks:
            lines += [
                f"        指标 {m.name}：{'目标' if m.target is not None else '基数'} {(m.target if m.target is not None else m.baseline):g}{m.unit}"
                for m in t.metrics
            ]
    return lines


@plan_app.command(
    "import", cls=AnminCommand, epilog="示例：anmin plan import 2025年工作思路要点.docx --year 2025 -o 草稿.toml"
)
def plan_import(
    ctx: typer.Context,
    document: Annotated[Path, typer.Argument(metavar="文件", help="本单位的工作思路要点：.docx、.txt 或 .md。")],
    year: Annotated[
        int, typer.Option("--year", metavar="年度", min=1, max=9999, help="起草哪一年的计划，如 2025。［必填］")
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="文件",
            help="把草稿写成计划文件（.toml），用记事本核对后再用 plan new --from 开始。",
        ),
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不写 -o 时：不询问，直接以草稿开始新年度计划。")] = False,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """按本单位的工作思路要点起草新年度计划：各项重点工作、候选任务和指标，供核对后开始新年度计划。"""
    folder = data_dir(ctx, data, writes=None if output else "开始新年度计划")
    found = actions.draft_year(folder, _read_document(document), document.name, year, date.today())
    draft = found.plan
    if output is not None:
        if output.suffix.lower() != ".toml":
            raise InputError(f"草稿是计划文件，请写成 .toml 文件（如 {year}年计划草稿.toml），而不是 {output.name}。")
        header = (
            f"# {year}年计划草稿：由 anmin plan import 按 {document.name} 起草。重点工作标题照录原文；\n"
            "# 任务取自原文中的具体工作，请核对、合并或删除，填写牵头领导、责任单位、责任人和完成时限；\n"
            f"# 改完后运行：anmin plan new {year} --from {output.name}\n"
        )
        written = store.write_output(folder, output, header.encode("utf-8") + store.dump_plan(draft))
        out("\n".join(_draft_lines(draft, document.name)))
        out(f"已写出草稿 {written}。用记事本核对修改后运行：anmin plan new {year} --from {output}")
        return
    out("\n".join(_draft_lines(draft, document.name)))
    _begin(ctx, folder, actions.NewYear(year, draft=draft), yes, by)
