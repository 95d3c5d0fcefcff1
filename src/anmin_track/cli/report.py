"""`anmin report …`: the documents the office submits."""

# No `from __future__ import annotations`: see cli/zh.py.

import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from anmin_track import actions, parse, store
from anmin_track.cli.app import report_app
from anmin_track.cli.common import DataOpt, data_dir, out
from anmin_track.cli.zh import AnminCommand
from anmin_track.errors import InputError
from anmin_track.text import json_text

REPORT_FORMATS = {"text": "text", "txt": "text", "markdown": "markdown", "md": "markdown", "json": "json"}


def _report_format(raw: str) -> str:
    chosen = REPORT_FORMATS.get(parse.normalize(raw).lower())
    if chosen is None:
        raise InputError(f"--format 的值 {raw!r} 无效,可选:text(纯文本)、markdown、json。")
    return chosen


@report_app.command("monthly", cls=AnminCommand)
def report_monthly(
    ctx: typer.Context,
    month: Annotated[
        str | None,
        typer.Argument(metavar="月份", help="如 2024-05、2024-5、202405 或 2024年5月(默认本月)。"),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option("--format", "-f", metavar="格式", help="text(纯文本,可粘贴到 WPS)、markdown 或 json。"),
    ] = "text",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", metavar="文件", help="写入此文件(默认输出到屏幕)。")
    ] = None,
    data: DataOpt = None,
) -> None:
    """生成月报:按月末评估各项任务的进度、亮灯,汇总本月进展、存在问题和下月计划。"""
    kind = _report_format(fmt)
    today = date.today()
    ym = parse.parse_month(month, "月份") if month else (today.year, today.month)
    folder = data_dir(ctx, data)
    found = actions.month_data(folder, ym)
    from anmin_track.output import report

    built = report.build_monthly(found.plan, found.records, found.before, ym)
    if kind == "json":
        content = json_text(report.to_json(built)) + "\n"
    else:
        content = report.render_markdown(built) if kind == "markdown" else report.render_text(built)
    if output is None:
        sys.stdout.write(content)
        return
    written = store.write_output(folder, output, content.encode("utf-8"))
    out(f"已生成{built.period}月报:{written}")
