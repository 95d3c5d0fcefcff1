"""The `anmin` command: parse options, call the core, render, map errors to exit codes.

Heavy modules (Rich tables, tomli-w) are imported inside the commands that need them,
so `anmin --help` and `--json` output start as fast as Typer itself allows; so are
modules only one command needs (json, getpass). See benchmarks/run.py for the budgets.
"""

# No `from __future__ import annotations` here: Typer would then eval() every
# parameter annotation string at start-up (about 2.5 ms). See benchmarks/run.py.

import copy
import os
import re
import shlex
import sys
import traceback
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer
from typer._click import exceptions as click_exc
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

from anmin_track import __version__, model, parse, store, views
from anmin_track.errors import AnminError, InputError
from anmin_track.text import cn_date, display_width, json_text, pct, visible, wrap_by_width

DEBUG_ENV = "ANMIN_DEBUG"
USER_ENV = "ANMIN_USER"


# --------------------------------------------------------------------------- errors and help in Chinese


def _usage_message(exc: click_exc.UsageError) -> str:
    """Click's usage errors, said in Chinese."""
    hint = getattr(exc, "param_hint", None) or (
        exc.param.get_error_hint(exc.ctx) if getattr(exc, "param", None) else ""
    )
    if isinstance(exc, click_exc.NoSuchOption):
        maybe = f",您是不是想输入 {'、'.join(exc.possibilities)}" if exc.possibilities else ""
        return f"没有这个选项:{exc.option_name}{maybe}。"
    if isinstance(exc, click_exc.MissingParameter):
        return f"缺少参数 {hint}。"
    if isinstance(exc, click_exc.BadParameter):
        return f"参数 {hint} 的值无效:{_bad_value(exc.message)}。"
    message = exc.message
    unknown = re.match(r"No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?", message)
    if unknown:
        maybe = f",您是不是想输入 {unknown.group(2)}" if unknown.group(2) else ""
        return f"没有这个命令:{unknown.group(1)}{maybe}。"
    needs = re.match(r"Option '(.+?)' requires", message)
    if needs:
        return f"选项 {needs.group(1)} 后面缺少取值。"
    extra = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", message)
    if extra:
        return f"多余的参数:{extra.group(1)}(含空格的文字请用引号括起来)。"
    return f"用法错误:{message}"


def _bad_value(message: str) -> str:
    """Click's words for a bad number, in Chinese (others are passed on as they are)."""
    not_int = re.match(r"'(.*)' is not a valid integer", message)
    if not_int:
        return f"{not_int.group(1)!r} 不是整数"
    out_of_range = re.match(r"(.+?) is not in the range x>=(\S+?)\.?$", message)
    if out_of_range:
        return f"{out_of_range.group(1)} 太小,应不小于 {out_of_range.group(2)}"
    return message


class ChineseFormatter(HelpFormatter):
    """Click's plain help layout with its fixed English words said in Chinese."""

    SECTIONS = {"Options": "选项", "Arguments": "参数", "Commands": "命令"}
    WORDS = (("[required]", "[必填]"), ("[default: ", "[默认: "), ("[env var: ", "[环境变量: "), ("[x>=", "[≥"))

    def write_usage(self, prog, args="", prefix=None):
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        super().write_usage(prog, args, "用法: ")

    def section(self, name):
        return super().section(self.SECTIONS.get(name, name))

    def write_dl(self, rows, col_max=30, col_spacing=2):
        """Two columns aligned by display width (a Chinese character takes two cells)."""
        rows = [(first, self._say(second)) for first, second in rows]
        width = min(max((display_width(first) for first, _ in rows), default=0), col_max)
        indent = " " * self.current_indent
        hang = " " * (self.current_indent + width + col_spacing)
        for first, second in rows:
            self.write(indent + first)
            pad = width - display_width(first)
            if not second:
                self.write("\n")
                continue
            self.write(" " * (pad + col_spacing) if pad >= 0 else "\n" + hang)
            lines = wrap_by_width(second, max(self.width - len(hang), 20))
            self.write(("\n" + hang).join(lines) + "\n")

    def _say(self, text):
        for english, chinese in self.WORDS:
            text = text.replace(english, chinese)
        return text


class ChineseHelp:
    """Mixin: help screens in Chinese, including the `--help` line itself."""

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出。"
        return option

    def format_help(self, ctx, formatter):
        own = ChineseFormatter(width=formatter.width, max_width=formatter.width)
        super().format_help(ctx, own)
        formatter.write(own.getvalue())


class AnminCommand(ChineseHelp, TyperCommand):
    """Every `anmin` command uses this class (pass ``cls=AnminCommand``)."""


class AnminSubGroup(ChineseHelp, TyperGroup):
    """Every command group under `anmin` uses this class."""


COMPLETION_HELP = {
    "install_completion": "为当前使用的 shell 安装命令补全(Tab 补全命令、选项和任务编号)。",
    "show_completion": "显示当前 shell 的命令补全脚本,可复制或自行安装。",
}


def _install_completion(ctx, param, value) -> None:
    """Typer's installer, reporting in Chinese."""
    if not value or ctx.resilient_parsing:
        return
    from typer._completion_shared import install

    shell, path = install(shell=value if isinstance(value, str) else None)
    _out(f"已为 {shell} 安装命令补全,写入 {path}。重新打开终端后生效。")
    raise typer.Exit()


class AnminGroup(AnminSubGroup):
    """Top-level group: every error becomes one Chinese line and an exit code, never a traceback."""

    def get_params(self, ctx):
        """Typer's --install-completion/--show-completion, said in Chinese."""
        params = super().get_params(ctx)
        for param in params:
            if param.name in COMPLETION_HELP:
                param.help = COMPLETION_HELP[param.name]
            if param.name == "install_completion":
                param.callback = _install_completion
        return params

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = list(sys.argv[1:] if args is None else args)
        debug = "--debug" in args or bool(os.environ.get(DEBUG_ENV))
        store.current_command.set(visible(shlex.join(["anmin", *args]), oneline=True))
        try:
            code = super().main(args, prog_name or "anmin", complete_var, standalone_mode=False, **extra)
        except click_exc.NoArgsIsHelpError as exc:
            _out(exc.ctx.get_help())
            code = 0
        except click_exc.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "anmin"
            _error(f"{_usage_message(exc)}运行 `{command} --help` 查看用法。")
            code = 2
        except AnminError as exc:
            _error(str(exc))
            code = exc.exit_code
        except click_exc.Abort:
            _error("已取消。")
            code = 130
        except BrokenPipeError:
            code = 0
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks for staff
            if debug:
                traceback.print_exc()
            _error(f"程序内部错误({type(exc).__name__})。请加 --debug 重新运行查看详情,并把输出发给维护人员。")
            code = 1
        sys.exit(code if isinstance(code, int) else 0)


def _error(message: str) -> None:
    sys.stderr.write("错误:" + visible(message, oneline=True) + "\n")


def _warn(message: str) -> None:
    sys.stderr.write("提示:" + visible(message, oneline=True) + "\n")


def _out(text: str) -> None:
    sys.stdout.write(text + "\n")


# --------------------------------------------------------------------------- the app

app = typer.Typer(
    cls=AnminGroup,
    help="安民乡年度工作目标跟踪:重点任务进展、亮灯和月报。",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
goals_app = typer.Typer(
    cls=AnminSubGroup, help="查看和更新重点工作(目标)与重点任务。", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(goals_app, name="goals")
report_app = typer.Typer(
    cls=AnminSubGroup, help="生成上报用的工作报告(月报)。", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(report_app, name="report")

DataOpt = Annotated[
    str | None,
    typer.Option("--data", metavar="目录", help=f"数据目录(含 goals.toml);也可用环境变量 {store.DATA_ENV} 设置。"),
]
AsOfOpt = Annotated[
    str | None, typer.Option("--as-of", metavar="日期", help="按这一天评估进度和亮灯,如 2024-05-31(默认今天)。")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出(供脚本使用),不输出表格。")]


def _version(value: bool) -> None:
    if value:
        _out(f"anmin-track {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    data: DataOpt = None,
    debug: Annotated[bool, typer.Option("--debug", help="出错时显示详细的技术信息。")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号并退出。")
    ] = False,
) -> None:
    """安民乡年度工作目标跟踪:重点任务进展、亮灯和月报。"""
    ctx.obj = {"data": data}


def _data_dir(ctx: typer.Context, data: str | None) -> store.DataDir:
    root = ctx.find_root().obj or {}
    return store.find_data_dir(data or root.get("data"))


def _as_of(raw: str | None) -> date:
    return parse.parse_date(raw, "--as-of") if raw else date.today()


def _print_json(payload: dict) -> None:
    _out(json_text(payload))


# --------------------------------------------------------------------------- completion of ids


def _complete_ids(ctx: typer.Context, incomplete: str, goals: bool = True, tasks: bool = True) -> list:
    """Ids (with titles as help) from the plan the command would read; never raises."""
    try:
        root = ctx.find_root()
        data = ctx.params.get("data") or (root.params or {}).get("data")
        plan = store.load_plan(store.find_data_dir(data))
        items = [(g.id, g.title) for g in plan.goals] if goals else []
        items += [(t.id, t.title) for t in plan.tasks] if tasks else []
        return [(i, visible(title, oneline=True)) for i, title in items if i.startswith(parse.normalize(incomplete))]
    except Exception:  # noqa: BLE001 - completion must stay silent whatever the data holds
        return []


def complete_item_id(ctx: typer.Context, incomplete: str) -> list:
    return _complete_ids(ctx, incomplete)


def complete_task_id(ctx: typer.Context, incomplete: str) -> list:
    return _complete_ids(ctx, incomplete, goals=False)


def complete_goal_id(ctx: typer.Context, incomplete: str) -> list:
    return _complete_ids(ctx, incomplete, tasks=False)


# --------------------------------------------------------------------------- goals list / show


@goals_app.command("list", cls=AnminCommand)
def goals_list(
    ctx: typer.Context,
    tasks: Annotated[bool, typer.Option("--tasks", "-t", help="展开显示每项重点工作下的重点任务。")] = False,
    goal: Annotated[
        str | None, typer.Option("--goal", "-g", metavar="编号", help="只看这一项重点工作,如 --goal 1。")
    ] = None,
    owner: Annotated[str | None, typer.Option("--owner", metavar="姓名", help="只看此人(或单位)负责的任务。")] = None,
    status: Annotated[
        str | None,
        typer.Option(
            "--status",
            "-s",
            metavar="状态",
            help="按亮灯筛选:red/yellow/green/done/stale/closed(也可写 红灯、未更新、已销号)。",
        ),
    ] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """列出重点工作的进度、序时进度和亮灯。"""
    day = _as_of(as_of)
    status_key = parse.parse_status(status) if status else None
    data_dir = _data_dir(ctx, data)
    plan = store.load_plan(data_dir)
    goal_key = parse.normalize_id(goal) if goal else None
    if goal_key is not None and plan.goal(goal_key) is None:
        raise InputError(f"没有编号为 {goal!r} 的重点工作,可选:{'、'.join(g.id for g in plan.goals)}。")
    statuses = model.plan_status(plan, store.latest_records(data_dir, plan, day), day)
    view = views.goals_list(plan, statuses, day, goal=goal_key, owner=owner, status=status_key)
    if as_json:
        _print_json(view)
        return
    from anmin_track import render

    if not view["goals"]:
        _out("没有符合条件的任务。")
        return
    render.print_table(render.goals_table(view, with_tasks=tasks or bool(owner or status)))


@goals_app.command("show", cls=AnminCommand)
def goals_show(
    ctx: typer.Context,
    item: Annotated[
        str,
        typer.Argument(
            metavar="编号", help="重点工作编号(如 1)或重点任务编号(如 1.2)。", autocompletion=complete_item_id
        ),
    ],
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="条数", help="最多显示几条进展记录。")] = 10,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """显示一项重点工作或重点任务的详细信息和进展记录。"""
    day = _as_of(as_of)
    data_dir = _data_dir(ctx, data)
    plan = store.load_plan(data_dir)
    found = parse.resolve_id(plan, item)
    latest = store.latest_records(data_dir, plan, day)
    if isinstance(found, model.Goal):
        view = views.goal_show(plan, model.goal_status(found, latest, day, plan.settings), day)
    else:
        history = store.task_history(data_dir, plan, found, day, limit)
        status = model.task_status(found, latest.get(found.id), day, plan.settings)
        view = views.task_show(plan, status, history, day)
    if as_json:
        _print_json(view)
        return
    from anmin_track import render

    render.show(render.goal_detail(view) if view["kind"] == "goal" else render.task_detail(view))


# --------------------------------------------------------------------------- goals update


def _default_user() -> str:
    if os.environ.get(USER_ENV):
        return os.environ[USER_ENV]
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name available (e.g. some containers)
        return "未署名"


def _who(by: str | None) -> str:
    return parse.clean_text(by or _default_user(), "--by")


def _check_record_date(task: model.Task, day: date) -> None:
    today = date.today()
    if day > today:
        raise InputError(f"--date {day} 晚于今天({today}),不能记录未来的进展。")
    if day < task.start:
        raise InputError(f"--date {day} 早于任务 {task.id} 的开始日期 {task.start}。")
    if day > task.due:
        _warn(f"--date {day} 已过任务 {task.id} 的截止日期 {task.due},仍按逾期补报记录。")


@goals_app.command("update", cls=AnminCommand)
def goals_update(
    ctx: typer.Context,
    task_id: Annotated[
        str, typer.Argument(metavar="任务编号", help="重点任务编号,如 1.2。", autocompletion=complete_task_id)
    ],
    progress: Annotated[
        str | None, typer.Option("--progress", "-p", metavar="百分比", help="当前完成进度,0~100 的整数。")
    ] = None,
    note: Annotated[str | None, typer.Option("--note", metavar="文字", help="进展情况。")] = None,
    problem: Annotated[str | None, typer.Option("--problem", metavar="文字", help="存在问题。")] = None,
    next_steps: Annotated[str | None, typer.Option("--next", metavar="文字", help="下步计划。")] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option("--metric", "-m", metavar="名称=数值", help="指标数值,可多次使用,如 --metric 调解矛盾纠纷=12。"),
    ] = None,
    day: Annotated[str | None, typer.Option("--date", "-d", metavar="日期", help="进展截至哪一天(默认今天)。")] = None,
    by: Annotated[
        str | None, typer.Option("--by", metavar="姓名", help=f"记录人(默认 ${USER_ENV} 或系统用户名)。")
    ] = None,
    data: DataOpt = None,
) -> None:
    """记录一项重点任务的进展(进展情况、存在问题、下步计划)。"""
    data_dir = _data_dir(ctx, data)
    store.require_writable(data_dir)
    plan = store.load_plan(data_dir)
    task = parse.resolve_task(plan, task_id)
    interactive = sys.stdin.isatty()
    if progress is None:
        if not interactive:
            raise InputError(
                f'缺少 --progress(0~100 的整数),如:anmin goals update {task.id} --progress 45 --note "进展情况"。'
            )
        progress = typer.prompt(f"{task.id} {task.title} 当前进度(0~100)")
    value = parse.parse_progress(progress)
    record_day = parse.parse_date(day, "--date") if day else date.today()
    metrics = dict(parse.parse_metric(m, task) for m in metric or [])
    _check_record_date(task, record_day)
    previous = store.latest_records(data_dir, plan, record_day).get(task.id)
    if note is None and interactive:
        note = typer.prompt("进展情况(可直接回车跳过)", default="", show_default=False)
    if previous and value < previous.progress and not (note or "").strip():
        raise InputError(
            f"新进度 {value}% 低于上次记录的 {previous.progress}%({previous.date}),进度回退时必须用 --note 说明原因。"
        )
    record = model.Record(
        task=task.id,
        date=record_day,
        progress=value,
        note=parse.clean_text(note or "", "--note"),
        problem=parse.clean_text(problem or "", "--problem"),
        next=parse.clean_text(next_steps or "", "--next"),
        metrics=metrics,
        by=_who(by),
        at=datetime.now().astimezone(),
    )
    plan = store.add_record(data_dir, record)
    latest = previous if previous and previous.sort_key > record.sort_key else record
    status = model.task_status(task, latest, record_day, plan.settings)
    stale = f"(仍有{model.STALE_LABEL})" if status.stale else ""
    _out(
        f"已记录 {task.id} {visible(task.title, oneline=True)}:进度 {value}%(截至{cn_date(record_day)}),"
        f"序时进度 {pct(status.expected)},{model.LIGHT_LABELS[status.light]}{stale}。"
        f"查看:anmin goals show {task.id}"
    )


# --------------------------------------------------------------------------- report monthly

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
    data_dir = _data_dir(ctx, data)
    plan = store.load_plan(data_dir)
    month_records, before = store.month_report_records(data_dir, plan, ym)
    from anmin_track import report

    built = report.build_monthly(plan, month_records, before, ym)
    if kind == "json":
        import json

        content = json.dumps(report.to_json(built), ensure_ascii=False, indent=2) + "\n"
    else:
        content = report.render_markdown(built) if kind == "markdown" else report.render_text(built)
    if output is None:
        sys.stdout.write(content)
        return
    written = store.write_output(data_dir, output, content.encode("utf-8"))
    _out(f"已生成{built.period}月报:{written}")


# --------------------------------------------------------------------------- plan editing (台账)


TaskArg = Annotated[
    str,
    typer.Argument(metavar="任务编号", help="重点任务编号,如 1.2。", autocompletion=complete_task_id),
]
ByOpt = Annotated[str | None, typer.Option("--by", metavar="姓名", help=f"操作人(默认 ${USER_ENV} 或系统用户名)。")]
PLAN_LABELS = {
    "title": "标题",
    "lead": "牵头领导",
    "unit": "责任单位",
    "owner": "责任人",
    "partners": "配合单位",
    "start": "开始日期",
    "due": "完成时限",
    "weight": "权重",
}


def _shown(value) -> str:
    if isinstance(value, date):
        return cn_date(value)
    if isinstance(value, tuple):
        value = "、".join(value)
    if isinstance(value, float | int):
        return f"{value:g}"
    return visible(value, oneline=True) if value else "(空)"


def _plan_fields(**raw: str | None) -> dict:
    """Typed plan fields from the options given (None = not given)."""
    fields = {}
    for name, value in raw.items():
        if value is None:
            continue
        if name in ("start", "due"):
            fields[name] = parse.parse_date(value, f"--{name}")
        elif name == "weight":
            fields[name] = parse.parse_weight(value)
        elif name == "partners":
            fields[name] = parse.parse_partners(value)
        else:
            fields[name] = parse.clean_text(value.strip(), f"--{name}")
    if "title" in fields and not fields["title"]:
        raise InputError("标题不能为空:请写出任务或重点工作的名称。")
    return fields


def _change_plan(ctx: typer.Context, data: str | None, who: str, change) -> model.Plan:
    data_dir = _data_dir(ctx, data)
    return store.change_plan(data_dir, who, change)


def _task_line(task: model.Task) -> str:
    return f"{task.id} {visible(task.title, oneline=True)}"


TitleOpt = Annotated[str | None, typer.Option("--title", metavar="文字", help="标题。")]
LeadOpt = Annotated[str | None, typer.Option("--lead", metavar="姓名", help="牵头领导。")]
UnitOpt = Annotated[str | None, typer.Option("--unit", metavar="单位", help="责任单位。")]
OwnerOpt = Annotated[str | None, typer.Option("--owner", metavar="姓名", help="责任人。")]
PartnersOpt = Annotated[
    str | None, typer.Option("--partners", metavar="单位", help="配合单位,多个用顿号或逗号分开;写空字符串清空。")
]
StartOpt = Annotated[str | None, typer.Option("--start", metavar="日期", help="开始日期,如 2024-03-01。")]
DueOpt = Annotated[str | None, typer.Option("--due", metavar="日期", help="完成时限(截止日期),如 2024-10-31。")]
WeightOpt = Annotated[str | None, typer.Option("--weight", metavar="数字", help="权重(大于 0,默认 1)。")]


@goals_app.command("edit", cls=AnminCommand)
def goals_edit(
    ctx: typer.Context,
    item: Annotated[
        str,
        typer.Argument(
            metavar="编号",
            help="重点工作编号(如 1,只能改标题)或重点任务编号(如 1.2)。",
            autocompletion=complete_item_id,
        ),
    ],
    title: TitleOpt = None,
    lead: LeadOpt = None,
    unit: UnitOpt = None,
    owner: OwnerOpt = None,
    partners: PartnersOpt = None,
    start: StartOpt = None,
    due: DueOpt = None,
    weight: WeightOpt = None,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """修改计划内容:标题、牵头领导、责任单位、责任人、起止日期、权重。"""
    fields = _plan_fields(
        title=title, lead=lead, unit=unit, owner=owner, partners=partners, start=start, due=due, weight=weight
    )
    if not fields:
        raise InputError(
            "没有要修改的内容:请至少给出 --title、--lead、--unit、--owner、--partners、--start、--due、--weight 之一。"
        )
    changes: list[str] = []
    subject: list[str] = []

    def change(plan: model.Plan) -> model.Plan:
        found = parse.resolve_id(plan, item)
        subject.append(f"{found.id} {visible(found.title, oneline=True)}")
        if isinstance(found, model.Goal):
            if set(fields) != {"title"}:
                raise InputError(f"{found.id} 是重点工作,只能修改 --title;责任分工和日期请在具体任务上修改。")
            changes.append(f"标题 {_shown(found.title)} → {_shown(fields['title'])}")
            return model.with_goal_title(plan, found, fields["title"])
        for name, value in fields.items():
            if getattr(found, name) != value:
                changes.append(f"{PLAN_LABELS[name]} {_shown(getattr(found, name))} → {_shown(value)}")
        return model.with_task(plan, replace(found, **fields))

    _change_plan(ctx, data, _who(by), change)
    _out(f"已修改 {subject[0]}:{';'.join(changes)}。" if changes else f"{subject[0]} 的内容与原来相同,未作修改。")


@goals_app.command("claim", cls=AnminCommand)
def goals_claim(
    ctx: typer.Context,
    task_id: TaskArg,
    by: Annotated[
        str | None, typer.Option("--by", metavar="姓名", help=f"认领人(默认 ${USER_ENV} 或系统用户名)。")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="任务已有责任人时仍改由认领人负责。")] = False,
    data: DataOpt = None,
) -> None:
    """认领一项重点任务:把责任人设为自己(已有责任人时需加 --force)。"""
    name = _who(by).strip()
    if not name:
        raise InputError("--by 不能为空。")
    result: dict = {}

    def change(plan: model.Plan) -> model.Plan:
        task = parse.resolve_task(plan, task_id)
        result.update(task=task, previous=task.owner)
        if task.owner and task.owner != name and not force:
            raise InputError(
                f"任务 {task.id} 已由 {_shown(task.owner)} 负责,未改动。"
                f"如确需改由 {_shown(name)} 负责,请加 --force(建议先与 {_shown(task.owner)} 沟通)。"
            )
        return model.with_task(plan, replace(task, owner=name))

    _change_plan(ctx, data, name, change)
    task, previous = result["task"], result["previous"]
    if previous == name:
        _out(f"{_task_line(task)} 的责任人已是 {_shown(name)}。")
    elif previous:
        _out(f"已认领 {_task_line(task)}:责任人由 {_shown(previous)} 改为 {_shown(name)}。")
    else:
        _out(
            f"已认领 {_task_line(task)}:责任人为 {_shown(name)}。记录进展:anmin goals update {task.id} --progress 数值"
        )


@goals_app.command("add", cls=AnminCommand)
def goals_add(
    ctx: typer.Context,
    goal_id: Annotated[
        str, typer.Argument(metavar="目标编号", help="新任务所属的重点工作编号,如 1。", autocompletion=complete_goal_id)
    ],
    title: Annotated[str, typer.Argument(metavar="任务名称", help="新增重点任务的名称。")],
    source: Annotated[str | None, typer.Option("--source", metavar="文字", help="依据(文件原文或会议要求)。")] = None,
    lead: LeadOpt = None,
    unit: UnitOpt = None,
    owner: OwnerOpt = None,
    partners: PartnersOpt = None,
    start: Annotated[
        str | None,
        typer.Option("--start", metavar="日期", help="开始日期(默认计划年度1月1日;年中新增建议写实际日期)。"),
    ] = None,
    due: Annotated[str | None, typer.Option("--due", metavar="日期", help="完成时限(默认计划年度12月31日)。")] = None,
    weight: WeightOpt = None,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """年中新增一项重点任务(自动取下一个空闲编号)。"""
    fields = _plan_fields(
        title=title,
        source=source,
        lead=lead,
        unit=unit,
        owner=owner,
        partners=partners,
        start=start,
        due=due,
        weight=weight,
    )
    added: list[model.Task] = []

    def change(plan: model.Plan) -> model.Plan:
        goal = plan.goal(parse.normalize_id(goal_id))
        if goal is None:
            raise InputError(f"没有编号为 {goal_id!r} 的重点工作,可选:{'、'.join(g.id for g in plan.goals)}。")
        year = {"start": date(plan.year, 1, 1), "due": date(plan.year, 12, 31)}
        task = model.Task(id=model.next_task_id(goal), goal_id=goal.id, **(year | fields))
        added.append(task)
        return model.with_task(plan, task)

    _change_plan(ctx, data, _who(by), change)
    task = added[0]
    _out(
        f"已新增重点任务 {_task_line(task)}(完成时限 {cn_date(task.due)})。"
        f"认领:anmin goals claim {task.id};查看:anmin goals show {task.id}"
    )


@goals_app.command("remove", cls=AnminCommand)
def goals_remove(ctx: typer.Context, task_id: TaskArg, by: ByOpt = None, data: DataOpt = None) -> None:
    """删除一项还没有任何进展记录的重点任务(如误加的任务)。"""
    data_dir = _data_dir(ctx, data)
    removed: list[model.Task] = []

    def change(plan: model.Plan) -> model.Plan:
        task = plan.task(parse.normalize_id(task_id))
        if task is None:
            parse.resolve_task(plan, task_id)  # explains unknown ids and goals
            raise InputError(f"删除任务请写准确的任务编号(如 1.2),而不是 {task_id!r}。")
        count = store.task_record_count(data_dir, plan, task)
        if count:
            raise InputError(
                f"任务 {task.id} 已有 {count} 条进展记录,不能删除(删除会让这些记录失去归属)。"
                f"任务已完成请用 anmin goals close {task.id} 销号;计划有变请用 anmin goals edit {task.id} 修改。"
            )
        removed.append(task)
        return model.without_task(plan, task)

    _change_plan(ctx, data, _who(by), change)
    _out(f"已删除重点任务 {_task_line(removed[0])}。")


@goals_app.command("milestone", cls=AnminCommand)
def goals_milestone(
    ctx: typer.Context,
    task_id: TaskArg,
    day: Annotated[str, typer.Argument(metavar="日期", help="时间节点日期,如 2024-06-30。")],
    percent: Annotated[
        str | None, typer.Argument(metavar="进度", help="到该日应达到的进度(0~100),如 50;与 --remove 同用时省略。")
    ] = None,
    remove: Annotated[bool, typer.Option("--remove", help="删除该日期的时间节点。")] = False,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """设置或删除任务的时间节点(某日应达到的进度),序时进度随之计算。"""
    when = parse.parse_date(day, "日期")
    if remove and percent is not None:
        raise InputError("删除时间节点时不要写进度:anmin goals milestone 任务编号 日期 --remove。")
    if not remove and percent is None:
        raise InputError(f"缺少进度:如 anmin goals milestone {task_id} {when} 50(到该日应达到 50%)。")
    value = None if remove else parse.parse_progress(percent, "进度", "50")
    changed: list[model.Task] = []

    def change(plan: model.Plan) -> model.Plan:
        task = parse.resolve_task(plan, task_id)
        if remove and all(m.date != when for m in task.milestones):
            have = "、".join(f"{m.date}" for m in task.milestones) or "无"
            raise InputError(f"任务 {task.id} 在 {when} 没有时间节点(现有:{have})。")
        new = model.with_milestone(task, when, value)
        changed.append(new)
        return model.with_task(plan, new)

    _change_plan(ctx, data, _who(by), change)
    task = changed[0]
    nodes = "、".join(f"{cn_date(m.date)} {m.percent}%" for m in task.milestones) or "无(序时进度按起止日期均匀计算)"
    done = f"已删除 {cn_date(when)} 的时间节点" if remove else f"已设置时间节点 {cn_date(when)} {value}%"
    _out(f"{_task_line(task)}:{done}。现有时间节点:{nodes}。")


@goals_app.command("close", cls=AnminCommand)
def goals_close(
    ctx: typer.Context,
    task_id: TaskArg,
    note: Annotated[
        str | None, typer.Option("--note", metavar="文字", help="审核意见(必填),如 经党政办核验资料齐全。")
    ] = None,
    day: Annotated[str | None, typer.Option("--date", "-d", metavar="日期", help="销号日期(默认今天)。")] = None,
    by: ByOpt = None,
    data: DataOpt = None,
) -> None:
    """销号:审核通过后把已完成(100%)的重点任务标为已销号。"""
    text = parse.clean_text((note or "").strip(), "--note")
    if not text:
        raise InputError(
            f'销号需用 --note 写明审核意见,如 anmin goals close {task_id} --note "经党政办核验,资料齐全"。'
        )
    when = parse.parse_date(day, "--date") if day else date.today()
    if when > date.today():
        raise InputError(f"--date {when} 晚于今天({date.today()}),不能提前销号。")
    data_dir = _data_dir(ctx, data)
    closed: list[model.Task] = []

    def change(plan: model.Plan) -> model.Plan:
        task = parse.resolve_task(plan, task_id)
        if task.closed is not None:
            raise InputError(
                f"任务 {task.id} 已于{cn_date(task.closed)}销号。如需重新打开:anmin goals reopen {task.id}。"
            )
        latest = store.latest_records(data_dir, plan, when).get(task.id)
        progress = latest.progress if latest else 0
        if progress < 100:
            raise InputError(
                f"任务 {task.id} 截至{cn_date(when)}的进度为 {progress}%,完成(100%)后才能销号。"
                f"完成后先记录:anmin goals update {task.id} --progress 100。"
            )
        new = replace(task, closed=when, closed_note=text, closed_by=_who(by))
        closed.append(new)
        return model.with_task(plan, new)

    _change_plan(ctx, data, _who(by), change)
    task = closed[0]
    _out(f"已销号 {_task_line(task)}({cn_date(task.closed)},{_shown(task.closed_by)}):{_shown(text)}")


@goals_app.command("reopen", cls=AnminCommand)
def goals_reopen(ctx: typer.Context, task_id: TaskArg, by: ByOpt = None, data: DataOpt = None) -> None:
    """撤销销号,重新打开一项重点任务(可继续记录进展)。"""
    reopened: list[model.Task] = []

    def change(plan: model.Plan) -> model.Plan:
        task = parse.resolve_task(plan, task_id)
        if task.closed is None:
            raise InputError(f"任务 {task.id} 未销号,无需重新打开。")
        new = replace(task, closed=None, closed_note="", closed_by="")
        reopened.append(new)
        return model.with_task(plan, new)

    _change_plan(ctx, data, _who(by), change)
    _out(f"已重新打开 {_task_line(reopened[0])},可继续记录进展。")


# --------------------------------------------------------------------------- export (台账)

EXPORT_FORMATS = ("csv", "xlsx")


def _export_format(fmt: str | None, output: Path | None) -> str:
    suffix = output.suffix.lower().lstrip(".") if output else ""
    chosen = (fmt or (suffix if suffix in EXPORT_FORMATS else "csv")).lower()
    if chosen not in EXPORT_FORMATS:
        raise InputError(f"--format 的值 {fmt!r} 无效,可选:csv、xlsx。")
    if suffix in EXPORT_FORMATS and suffix != chosen:
        raise InputError(f"--output 的扩展名 .{suffix} 与 --format {chosen} 不一致,请改成 .{chosen}。")
    return chosen


@app.command("export", cls=AnminCommand)
def export(
    ctx: typer.Context,
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", metavar="格式", help="csv(默认)或 xlsx(需安装 openpyxl)。")
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", metavar="文件", help="导出到哪个文件(默认 当前目录/安民乡工作台账_日期.csv)。"),
    ] = None,
    as_of: AsOfOpt = None,
    data: DataOpt = None,
) -> None:
    """导出工作台账(每项重点任务一行),用 Excel 或 WPS 打开。"""
    from anmin_track import export as ledger

    day = _as_of(as_of)
    chosen = _export_format(fmt, output)
    data_dir = _data_dir(ctx, data)
    plan = store.load_plan(data_dir)
    statuses = model.plan_status(plan, store.latest_records(data_dir, plan, day), day)
    rows = ledger.ledger_rows(plan, statuses)
    content = ledger.to_xlsx(rows) if chosen == "xlsx" else ledger.to_csv(rows)
    target = output or Path(f"{plan.org}工作台账_{day.isoformat()}.{chosen}")
    store.write_output(data_dir, target, content)
    _out(f"已导出工作台账 {target}:{len(rows)} 项重点任务,截至{cn_date(day)}。可用 Excel 或 WPS 打开。")


# --------------------------------------------------------------------------- check / init


@app.command("check", cls=AnminCommand)
def check(ctx: typer.Context, data: DataOpt = None) -> None:
    """检查计划文件和全部进展文件的格式与内容。"""
    data_dir = _data_dir(ctx, data)
    plan, count, problems = store.check_all(data_dir)
    for p in problems:
        sys.stdout.write(visible(str(p), oneline=True) + "\n")
    if problems:
        _out(f"发现 {len(problems)} 处问题,请按上面的 文件:行 逐一修改后再运行 anmin check。")
        raise typer.Exit(1)
    months = len(store.month_files(data_dir))
    if store.save_index_if_stale(data_dir):
        _out("进展文件有过手工修改,已重建索引。")
    _out(
        f"检查通过:{len(plan.goals)} 项重点工作,{len(plan.tasks)} 项重点任务,{months} 个月份文件共 {count} 条进展记录。"
    )


@app.command("init", cls=AnminCommand)
def init(
    # a plain str: typer's Path type stats the name first and fails on a NUL byte
    target: Annotated[str, typer.Argument(metavar="目录", help="新建数据目录的位置,如 data。")],
) -> None:
    """把自带的2024年计划复制到一个可写的数据目录。"""
    if not target.strip():
        raise InputError("请写出新数据目录的位置,如 anmin init data。")
    plan_file = store.init_data_dir(Path(target))
    _out(
        visible(f"已创建 {plan_file}。在其上一级目录运行 anmin 命令即可使用,或用 --data {target} 指定。", oneline=True)
    )


# --------------------------------------------------------------------------- log / undo


def _change_lines(change: dict) -> list[str]:
    """A journal entry (views.change_view) as a few plain lines."""
    if change["damaged"]:
        return [f"#{change['seq']}  (修改记录已损坏,无法读取)"]
    at = datetime.fromisoformat(change["at"])
    head = f"#{change['seq']}  {cn_date(at)} {at:%H:%M:%S}  {change['who']}"
    if not change["complete"]:
        head += "  (写入时被中断,可能只完成了一部分)"
    files = []
    for f in change["files"]:
        if f["derived"]:
            continue
        how = "新建" if f["created"] else f"+{f['added_lines']} −{f['removed_lines']} 行"
        files.append(f"{f['path']}({how})")
    lines = [head, f"    命令:{change['command'] or '—'}"]
    if change["summary"]:
        lines.append(f"    内容:{change['summary']}")
    lines.append(f"    文件:{'、'.join(files) or '仅自动索引'}")
    return [visible(line, oneline=True) for line in lines]


@app.command("log", cls=AnminCommand)
def log(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, metavar="条数", help="最多显示几次修改。")] = 20,
    as_json: JsonOpt = False,
    data: DataOpt = None,
) -> None:
    """列出最近的修改(时间、记录人、命令、改了什么),最新在前。"""
    data_dir = _data_dir(ctx, data)
    view = views.history_view(store.history(data_dir, limit))
    if as_json:
        _print_json(view)
        return
    if not view["changes"]:
        _out("还没有修改记录。")
        return
    _out(f"最近 {len(view['changes'])} 次修改(最新在前;`anmin undo` 撤销最上面一次):")
    for change in view["changes"]:
        _out("\n".join(_change_lines(change)))


@app.command("undo", cls=AnminCommand)
def undo(
    ctx: typer.Context,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="不询问,直接撤销。")] = False,
    data: DataOpt = None,
) -> None:
    """撤销最近一次修改(恢复修改前的文件);再次运行可继续撤销更早的修改。"""
    data_dir = _data_dir(ctx, data)
    store.require_writable(data_dir)
    entry = store.last_entry(data_dir)
    _out("将撤销最近一次修改:")
    _out("\n".join(_change_lines(views.change_view(entry))))
    if not yes:
        try:
            confirmed = typer.confirm("确认撤销?", default=False)
        except click_exc.Abort:
            confirmed = False
        if not confirmed:
            raise InputError("未确认,没有撤销任何内容。在脚本中使用时请加 --yes。")
    store.undo(data_dir, entry.seq, _default_user())
    left = len(store.history(data_dir))
    more = f"再次运行 anmin undo 可继续撤销更早的修改(还有 {left} 次)。" if left else "已没有更早的修改记录。"
    _out(f"已撤销 #{entry.seq}。{more}")


def main() -> None:
    _app_for(sys.argv[1:])()


ROOT_VALUE_OPTIONS = {"--data"}  # root options that take a value (skipped when looking for the command)


def _app_for(args: list[str]) -> typer.Typer:
    """``app`` cut down to the one command that ``args`` plainly run, else ``app`` itself.

    Typer turns every registered function into a Click command at start-up (about
    0.25 ms each); `anmin goals list` needs only its own. Anything less plain than
    ``[root options] [group] command ...`` (help of a group, an unknown name, shell
    completion, which passes no arguments) gets the whole app.
    """
    words = iter(args)
    for word in words:
        if word in ROOT_VALUE_OPTIONS:
            next(words, None)
        elif not word.startswith("-"):
            break
    else:
        return app
    group = next((g for g in app.registered_groups if g.name == word), None)
    owner = group.typer_instance if group else app
    name = next(words, None) if group else word
    chosen = [c for c in owner.registered_commands if _command_name(c) == name]
    if not chosen:
        return app
    pruned_owner = copy.copy(owner)
    pruned_owner.registered_commands = chosen
    pruned_owner.registered_groups = []
    if not group:
        return pruned_owner
    pruned_group = copy.copy(group)
    pruned_group.typer_instance = pruned_owner
    pruned = copy.copy(app)
    pruned.registered_commands = []
    pruned.registered_groups = [pruned_group]
    return pruned


def _command_name(info) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)
