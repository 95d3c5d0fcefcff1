"""The `anmin` app and its command groups; the commands register themselves on them."""

# No `from __future__ import annotations`: see cli/zh.py.

from typing import Annotated

import typer

from anmin_track import __version__
from anmin_track.cli.common import DataOpt, out
from anmin_track.cli.zh import AnminGroup, AnminSubGroup

app = typer.Typer(
    cls=AnminGroup,
    help="安民乡年度工作目标跟踪：重点任务进展、亮灯和月报。",
    epilog="示例：anmin goals list --tasks",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    # help uses up to 120 columns of a wide window (Click's default stops at 80)
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 120},
)
goals_app = typer.Typer(
    cls=AnminSubGroup,
    help="查看和更新重点工作（目标）与重点任务。",
    epilog='示例：anmin goals update 1.2 --progress 60 --note "完成布展招标"',
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(goals_app, name="goals")
report_app = typer.Typer(
    cls=AnminSubGroup,
    help="生成报告和公文：上报的月报、季度报告、半年和年度工作总结，对内通报，工作群简报，督办单。",
    epilog="示例：anmin report monthly 2024-05 -o 月报.docx",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(report_app, name="report")
plan_app = typer.Typer(
    cls=AnminSubGroup,
    help="年度计划：开始新年度计划（结转未完成的任务），或按本单位的工作思路要点起草。",
    epilog="示例：anmin plan new 2025",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(plan_app, name="plan")
notice_app = typer.Typer(
    cls=AnminSubGroup,
    help="督办：发出督办单，登记签收、办理情况反馈和销号，查看哪些督办单逾期未反馈。",
    epilog="示例：anmin notice list --open",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(notice_app, name="notice")
county_app = typer.Typer(
    cls=AnminSubGroup,
    help="县级汇总：读取各乡镇的数据目录（只读），生成全县通报和汇总表。",
    epilog="示例：anmin county report 2024-05 各乡镇数据 -o 通报.docx",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(county_app, name="county")
sync_app = typer.Typer(
    cls=AnminSubGroup,
    help="几台电脑各存一份数据时，经共用的 git 仓库互相同步（按记录合并）。",
    epilog="示例：anmin sync --dry-run",
    invoke_without_command=True,
    no_args_is_help=False,
    rich_markup_mode=None,
)
app.add_typer(sync_app, name="sync")


def _version(value: bool) -> None:
    if value:
        out(f"anmin-track {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    data: DataOpt = None,
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示详细的技术信息（可写在命令行任何位置）。")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号并退出。")
    ] = False,
) -> None:
    """安民乡年度工作目标跟踪：重点任务进展、亮灯和月报。"""
    ctx.obj = {**(ctx.obj or {}), "data": data}
