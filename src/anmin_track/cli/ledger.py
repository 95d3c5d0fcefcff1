"""`anmin export`, `anmin check`, `anmin init`: the 台账 file, checking the data, starting a folder."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from anmin_track import actions, parse, store
from anmin_track.cli.app import app
from anmin_track.cli.common import (
    AsOfOpt,
    ByOpt,
    DataOpt,
    YearOpt,
    as_of_or_none,
    author,
    data_dir,
    out,
    say_finished_year,
    shown,
)
from anmin_track.cli.zh import AnminCommand, confirm
from anmin_track.errors import DataError, InputError
from anmin_track.text import cn_date, file_name, visible

EXPORT_FORMATS = ("csv", "xlsx")


def _export_format(fmt: str | None, output: Path | None) -> str:
    suffix = output.suffix.lower().lstrip(".") if output else ""
    chosen = (fmt or (suffix if suffix in EXPORT_FORMATS else "csv")).lower()
    if chosen not in EXPORT_FORMATS:
        raise InputError(f"--format 的值 {fmt!r} 无效，可选：csv、xlsx。")
    if suffix in EXPORT_FORMATS and suffix != chosen:
        raise InputError(f"--output 的扩展名 .{suffix} 与 --format {chosen} 不一致，请改成 .{chosen}。")
    return chosen


@app.command("export", cls=AnminCommand, epilog="示例：anmin export --format xlsx")
def export(
    ctx: typer.Context,
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format",
            "-f",
            metavar="格式",
            help="csv（默认）或 xlsx（可打印的台账，另含按责任单位汇总和当月进展记录）。",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="文件", help="导出到哪个文件（默认 当前目录/安民乡工作台账_日期.csv）。"
        ),
    ] = None,
    as_of_day: AsOfOpt = None,
    year: YearOpt = None,
    data: DataOpt = None,
) -> None:
    """导出工作台账（每项重点任务一行），用 Excel 或 WPS 打开。"""
    from anmin_track.output import export as ledger
    from anmin_track.output.ledger_xlsx import to_xlsx

    chosen = _export_format(fmt, output)
    folder, today = data_dir(ctx, data), date.today()
    found = actions.ledger_as_of(folder, as_of_or_none(as_of_day), year, today)
    plan, day = found.plan, found.as_of
    from anmin_track.cli.notice_loop import notice_cells

    rows = ledger.ledger_rows(plan, found.statuses, found.values, notice_cells(actions.notices_as_of(folder, day), day))
    if chosen == "xlsx":
        content = to_xlsx(
            rows,
            heading=ledger.Heading(plan.org, plan.year, day),
            summary=ledger.unit_summary(found.statuses),
            records=ledger.record_rows(plan, found.month, as_of=day),
        )
    else:
        content = ledger.to_csv(rows)
    target = output or Path(file_name(f"{plan.org}工作台账_{day.isoformat()}.{chosen}"))
    store.write_output(folder, target, content)
    out(f"已导出工作台账 {target}：{len(rows)} 项重点任务，截至{cn_date(day)}。可用 Excel 或 WPS 打开。")
    say_finished_year(plan, found.year, folder, today)


@app.command("check", cls=AnminCommand, epilog="示例：anmin check")
def check(ctx: typer.Context, data: DataOpt = None) -> None:
    """检查计划文件和全部进展文件的格式与内容。"""
    found = actions.check(data_dir(ctx, data, warnings=False))
    for p in found.problems:
        sys.stdout.write(visible(str(p), oneline=True) + "\n")
    for lost in found.lost:
        out(visible(f"注意：{lost}。", oneline=True))
    if found.problems or found.plan is None:
        out(f"发现 {len(found.problems)} 处问题，请按上面的 文件：行 逐一修改后再运行 anmin check。")
        raise typer.Exit(1)
    if found.reindexed and (found.edited or found.lost):
        said = "以上为与上次读取相比丢失的内容，已按现有文件确认；" if found.lost else ""
        out(f"进展文件有过手工修改，{said}已重建索引。")
    plan = found.plan
    years = (
        f"{len(found.years)} 个年度的计划（{found.years[0]}—{found.years[-1]}年），当前计划 "
        if len(found.years) > 1
        else ""
    )
    out(
        f"检查通过：{years}{len(plan.goals)} 项重点工作，{len(plan.tasks)} 项重点任务，"
        f"{found.months} 个月份文件共 {found.records} 条进展记录。"
    )


@app.command("init", cls=AnminCommand, epilog="示例：anmin init 台账数据")
def init(
    # a plain str: typer's Path type stats the name first and fails on a NUL byte
    target: Annotated[str, typer.Argument(metavar="目录", help="新建数据目录的位置，如 data。")],
    shared: Annotated[
        bool, typer.Option("--shared", help="供同一用户组的多个账户共用：目录及以后新建的文件都允许组内成员写入。")
    ] = False,
    year: Annotated[
        int | None,
        typer.Option(
            "--year",
            metavar="年度",
            min=1,
            max=9999,
            help="以这一年的空白计划开始（保留自带计划的单位、设置和重点工作，不含任务），如 2026。",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="与 --shared 同用：把已有别的文件的文件夹也设为组内共用。")
    ] = False,
) -> None:
    """新建数据目录：默认复制自带的2024年计划（示例），--year 则从该年的空白计划开始。"""
    if not target.strip():
        raise InputError("请写出新数据目录的位置，如 anmin init data。")
    plan_file = actions.init_folder(Path(target), shared, year, date.today(), force)
    which = f"{year}年空白计划，请先修改重点工作并新增任务" if year else "自带的2024年计划"
    out(visible(f"已创建数据目录 {target}（计划文件 {plan_file}，{which}）。{_next_steps(Path(target))}", oneline=True))
    if shared:
        out(
            visible(
                f"已设为组内共用：同组账户都可写入。如需换成其他用户组，运行 chgrp -R 组名 {target}。", oneline=True
            )
        )


def _next_steps(target: Path) -> str:
    """What to type next: where `anmin` will find the new folder by itself (see store.search_upward)."""
    folder = f'"{target}"' if " " in str(target) else str(target)
    here = "在当前目录或" if target.name == "data" and target.parent == Path() else ""
    return (
        f"接下来{here}进入该目录（cd {folder}）运行 anmin goals list 即可使用；"
        f"在其他位置使用时加 --data {folder}，或设置环境变量 {store.DATA_ENV}。"
    )


@app.command("import", cls=AnminCommand, epilog="示例：anmin import 安民乡工作台账_2024-05-31.xlsx")
def import_ledger(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(metavar="台账文件", help="anmin export 导出并填写过的台账（.xlsx 或 .csv）。")
    ],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不询问，直接导入（供脚本使用）。")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="导出后计划中已被他人修改的单元格，也以台账为准（默认跳过这些任务）。")
    ] = False,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """从填写过的台账读回牵头领导、责任单位、责任人（按序号对应任务），确认后一次写入计划。

    空单元格表示未填写，不会清空计划中的内容；要清空某项，请在单元格中写“（空）”。
    """
    folder = data_dir(ctx, data, writes="导入台账")
    path = Path(source)
    content = store.read_named(path, "台账文件", parse.LEDGER_MAX)
    rows = parse.read_ledger(content, path.name)
    changes, conflicts = actions.preview_import(folder, rows, force)
    if conflicts:
        tasks = len({c.change.task for c in conflicts})
        out(
            f"以下 {tasks} 项任务在台账导出后已被他人修改，台账中的改动与之冲突，已跳过（确需以台账为准，加 --force）："
        )
        for conflict in conflicts:
            c = conflict.change
            out(
                f"  {c.task} {visible(c.title, oneline=True)}  {c.label}：导出时 {shown(conflict.exported)}，"
                f"现为 {shown(c.old)}，台账中为 {shown(c.new)}"
            )
    if not changes:
        if conflicts:
            raise DataError(
                f"{path.name} 中的改动都与导出后他人的修改冲突，未作修改。请重新导出后再填写，或确认后加 --force。"
            )
        out(
            f"{visible(path.name, oneline=True)} 中 {len(rows)} 项任务的牵头领导、责任单位、责任人与计划一致，未作修改。"
        )
        return
    out(f"将按 {visible(path.name, oneline=True)} 修改 {len({c.task for c in changes})} 项任务：")
    for c in changes:
        out(f"  {c.task} {visible(c.title, oneline=True)}  {c.label}：{shown(c.old)} → {shown(c.new)}")
    if not yes:
        confirm("确认导入？")
    done = actions.import_ledger(folder, rows, changes, path.name, author(ctx, by), force)
    out(f"已导入 {len(done)} 处修改。查看：anmin goals list --group unit；撤销：anmin undo")
