"""The `anmin` command: parse options, call the core, render, map errors to exit codes.

Heavy modules (Rich tables, tomli-w) are imported inside the commands that need them,
so `anmin --help` and `--json` output start as fast as Typer itself allows.
"""

from __future__ import annotations

import getpass
import os
import re
import shlex
import sys
import traceback
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
        return f"参数 {hint} 的值无效:{exc.message}。"
    message = exc.message
    unknown = re.match(r"No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?", message)
    if unknown:
        maybe = f",您是不是想输入 {unknown.group(2)}" if unknown.group(2) else ""
        return f"没有这个命令:{unknown.group(1)}{maybe}。"
    if "requires an argument" in message or "requires" in message and "argument" in message:
        return f"选项缺少取值:{message}。"
    if message.startswith("Got unexpected extra argument"):
        return f"多余的参数:{message.partition('(')[2].rstrip(')') or message}。"
    return f"用法错误:{message}"


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


class AnminGroup(AnminSubGroup):
    """Top-level group: every error becomes one Chinese line and an exit code, never a traceback."""

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
    add_completion=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
goals_app = typer.Typer(
    cls=AnminSubGroup, help="查看和更新重点工作(目标)与重点任务。", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(goals_app, name="goals")

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
            "--status", "-s", metavar="状态", help="按亮灯筛选:red/yellow/green/done/stale(也可写 红灯、未更新)。"
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
    item: Annotated[str, typer.Argument(metavar="编号", help="重点工作编号(如 1)或重点任务编号(如 1.2)。")],
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
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name available (e.g. some containers)
        return "未署名"


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
    task_id: Annotated[str, typer.Argument(metavar="任务编号", help="重点任务编号,如 1.2。")],
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
        by=parse.clean_text(by or _default_user(), "--by"),
        at=datetime.now().astimezone(),
    )
    plan = store.add_record(data_dir, record)
    latest = store.latest_records(data_dir, plan, record_day).get(task.id, record)
    status = model.task_status(task, latest, record_day, plan.settings)
    stale = f"(仍有{model.STALE_LABEL})" if status.stale else ""
    _out(
        f"已记录 {task.id} {visible(task.title, oneline=True)}:进度 {value}%(截至{cn_date(record_day)}),"
        f"序时进度 {pct(status.expected)},{model.LIGHT_LABELS[status.light]}{stale}。"
        f"查看:anmin goals show {task.id}"
    )


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
    _out(
        f"检查通过:{len(plan.goals)} 项重点工作,{len(plan.tasks)} 项重点任务,{months} 个月份文件共 {count} 条进展记录。"
    )


@app.command("init", cls=AnminCommand)
def init(
    # a plain str: typer's Path type stats the name first and fails on a NUL byte
    target: Annotated[str, typer.Argument(metavar="目录", help="新建数据目录的位置,如 data。")],
) -> None:
    """把自带的2024年计划复制到一个可写的数据目录。"""
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
    app()
