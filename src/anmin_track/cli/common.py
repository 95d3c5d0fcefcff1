"""What every command shares: printing, the common options, and turning options into arguments."""

# No `from __future__ import annotations`: see cli/zh.py.

import os
import re
import sys
from datetime import date
from typing import Annotated

import typer

from anmin_track import actions, model, parse, store
from anmin_track.errors import AnminError, InputError, Step
from anmin_track.text import cn_date, json_text, visible

DEBUG_ENV = "ANMIN_DEBUG"
USER_ENV = "ANMIN_USER"


def out(text: str) -> None:
    sys.stdout.write(text + "\n")


def warn(message: str) -> None:
    sys.stderr.write("提示：" + visible(message, oneline=True) + "\n")


def error(message: str) -> None:
    sys.stderr.write("错误：" + visible(message, oneline=True) + "\n")


# --------------------------------------------------------------------------- the core's hints, spelled

#: The command for each next step the core names (``errors.Step``), as typed after `anmin`
#: (with the flags that make it that step: list-tasks is `goals list --tasks`).
#: Option keys (``AnminError.options``, ``Step.options``) are long option names: ``note`` → ``--note``.
STEP_COMMANDS = {
    "amend": "goals amend",
    "check": "check",
    "close": "goals close",
    "edit": "goals edit",
    "export": "export",
    "import": "import",
    "init": "init",
    "list-tasks": "goals list --tasks",
    "reopen": "goals reopen",
    "retract": "goals retract",
    "show": "goals show",
    "sync": "sync",
    "sync-clone": "sync init",
    "sync-init": "sync init",
    "undo": "undo",
    "update": "goals update",
}

#: An argument that can be typed bare in cmd.exe, PowerShell and POSIX shells (Chinese included).
BARE = r"[\w.:/\\=+-]+"


def _typed(value: str) -> str:
    return value if re.fullmatch(BARE, value) else f'"{value}"'


def command_line(step: Step) -> str:
    """``Step("update", ("1.2",), (("progress", "100"),))`` → ``anmin goals update 1.2 --progress 100``."""
    words = [f"anmin {STEP_COMMANDS[step.action]}", *map(_typed, step.args)]
    words += [f"--{key} {_typed(value)}" for key, value in step.options]
    return " ".join(words)


def said(message: str, steps: tuple[Step, ...] = (), options: tuple[str, ...] = ()) -> str:
    """A message of the core as the CLI says it: the options it asks for before its full stop
    (``……必须说明原因（用 --note）。``), and its next steps as commands at its end, where
    its last sentence says them in words (``……请先重新打开该任务：anmin goals reopen 1.2``)."""
    if options:
        hint = f"（用 {'、'.join(f'--{key}' for key in options)}）"
        message = f"{message[:-1]}{hint}。" if message.endswith("。") else message + hint
    if steps:
        message = f"{message.removesuffix('。')}：{' 或 '.join(map(command_line, steps))}"
    return message


def print_json(payload: dict) -> None:
    out(json_text(payload))


def shown(value: object) -> str:
    """A plan value as one line for people: dates in Chinese, lists with 、, empty as (空)."""
    if isinstance(value, date):
        return cn_date(value)
    if isinstance(value, tuple):
        value = "、".join(value)
    if isinstance(value, float | int):
        return f"{value:g}"
    return visible(str(value), oneline=True) if value else "（空）"


def task_line(task: model.Task | model.Goal) -> str:
    return f"{task.id} {visible(task.title, oneline=True)}"


# --------------------------------------------------------------------------- options → arguments


def data_dir(ctx: typer.Context, data: str | None, warnings: bool = True, writes: str | None = None) -> store.DataDir:
    """The data folder the command works on; first says what hand edits may have lost there.

    ``writes``: what the command changes, as a verb (认领, 销号…), for the refusal when the
    folder is the bundled read-only plan. Commands that only read say in one line that the
    bundled plan is what they show.
    """
    root = ctx.find_root().obj or {}
    folder = store.current_view(store.find_data_dir(data or root.get("data")))
    if writes:
        store.require_writable(folder, writes)
    elif folder.bundled and (below := store.data_dir_below()) is not None:
        warn(
            f"当前显示的是程序自带的2024年计划（只读）；当前文件夹下的 {below} 是已有的数据目录，{said(store.go_into(below) + '。', options=('data',))}"
        )
    elif folder.bundled:
        warn(
            "当前显示的是程序自带的2024年计划（只读，未找到自己的数据目录）；要记录进展，请先运行 anmin init 台账数据。"
        )
    if warnings:
        for message in store.warnings(folder):
            warn(said(message.text + "。", message.steps, message.options))
    return folder


def say_carried(carried: "actions.Carried | None") -> None:
    """What a change to last year's record did to the task carried from it into this year's plan."""
    if carried is None:
        return
    task = carried.task
    if carried.finished:
        warn(
            f"该任务在上一年度已完成，但已结转为{carried.year}年计划的任务 {task.id}（仍从 {carried.before}% 起算）；"
            f"如不需要继续，可在{carried.year}年计划中修改或删除它"
        )
    else:
        out(
            f"{carried.year}年计划中结转的任务 {task.id} 改为从 {task.carried_progress}% 起算（原 {carried.before}%）。"
        )


def say_finished_year(plan: model.Plan, year: "actions.Year", folder: store.DataDir, today: date) -> None:
    """First lines of a read command: records dated after today, which no evaluation up to today shows; and,
    when its plan year is over, that it is evaluated at the year's end and how to begin this year's."""
    if year.ahead:
        tasks = "、".join(dict.fromkeys(r.task for r in year.ahead))
        warn(
            said(
                f"任务 {tasks} 的最新进展记录日期晚于今天（最晚为{cn_date(year.ahead[-1].date)}），可能是填写记录的"
                "电脑时钟不对；以下评估不含这些记录，请检查全部数据。",
                (Step("check"),),
            )
        )
    if not year.finished or not year.current:
        return
    begin = f"anmin init 台账数据 --year {today.year}" if folder.bundled else f"anmin plan new {today.year}"
    if folder.bundled and store.data_dir_below() is not None:  # its plan is begun in there, not by another init
        begin = f"进入数据目录后运行 anmin plan new {today.year}"
    warn(
        f"{plan.year}年度已结束，以下按{cn_date(date(plan.year, 12, 31))}评估；"
        f"开始{today.year}年的计划（结转未完成的任务）：{begin}"
    )


def as_of(raw: str | None) -> date:
    return parse.parse_date(raw, "评估日期", "as-of") if raw else date.today()


def as_of_or_none(raw: str | None) -> date | None:
    """``--as-of`` as given, or None: the command evaluates on today, or on its plan's last day when that year is over."""
    return parse.parse_date(raw, "评估日期", "as-of") if raw else None


#: How to say who one is, for the message that asks for it.
HOW_TO_SIGN = f"请用 anmin whoami 姓名 记下您的姓名（只需一次），或设置环境变量 {USER_ENV}，或在命令后加 --by 姓名"
#: Login names that name no person: never a signature.
NOT_A_NAME = {"root", "admin", "administrator", "user", "guest", "用户", "管理员"}


def default_user() -> str:
    """Who signs a change when ``--by`` is not given: ``$ANMIN_USER``, else the name this user saved
    (``anmin whoami``), else asked once at a terminal and saved; never the login name (root, Administrator)."""
    if os.environ.get(USER_ENV):
        return os.environ[USER_ENV]
    from anmin_track.store import profile

    saved = profile.saved_name()
    if saved:
        return saved
    if not sys.stdin.isatty():
        raise InputError(f"不知道操作人是谁，未作任何修改。{HOW_TO_SIGN}。")
    from anmin_track.cli.zh import ask

    name = ask("请输入您的姓名（记在您录入的进展和认领上；只问这一次，以后可用 anmin whoami 修改）：", person_name)
    try:
        where = profile.save_name(name)
    except AnminError as exc:
        warn(f"{exc}本次仍署名{name}")
    else:
        out(f"已记下您的姓名：{name}（保存在 {where}）。")
    return name


def person_name(raw: str) -> str:
    """A name to sign with, as typed: one line, not empty, not a login name such as root."""
    name = parse.clean_text(raw.strip(), "姓名")
    if not name:
        raise InputError("姓名不能为空。")
    if "\n" in name or "\r" in name or len(name) > 40:
        raise InputError("姓名应是一行、不超过40个字。")
    if name.casefold() in NOT_A_NAME:
        raise InputError(f"{name} 是电脑的登录名，不是姓名；请写您的真实姓名。")
    return name


def who(by: str | None) -> str:
    return parse.clean_text(by or default_user(), "操作人", "by")


def typed_command(args: list[str]) -> str:
    """The command as typed, quoted as a shell would need it (for ``anmin log``)."""
    import shlex  # only a command that writes needs it

    return visible(shlex.join(["anmin", *args]), oneline=True)


def author(ctx: typer.Context, by: str | None = None) -> "store.Author":  # quoted: only writes load the journal
    """Who is making this change, and the command line as typed (for `anmin log`)."""
    root = ctx.find_root().obj or {}
    return store.Author(who(by), typed_command(root.get("args", [])))


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


# --------------------------------------------------------------------------- common options

DataOpt = Annotated[
    str | None,
    typer.Option("--data", metavar="目录", help=f"数据目录（含 goals.toml）；也可用环境变量 {store.DATA_ENV} 设置。"),
]
AsOfOpt = Annotated[
    str | None,
    typer.Option(
        "--as-of", metavar="日期", help="按这一天评估进度和亮灯，如 2024-05-31（默认今天；计划年度已结束时为该年末）。"
    ),
]
YearOpt = Annotated[
    int | None,
    typer.Option(
        "--year",
        metavar="年度",
        min=1,
        max=9999,
        help="哪一年的计划，如 2024（默认当前计划；往年计划存放在 plans/ 中）。",
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="以 JSON 输出（供脚本使用），不输出表格。")]
TaskArg = Annotated[
    str,
    typer.Argument(metavar="任务编号", help="重点任务编号，如 1.2。", autocompletion=complete_task_id),
]
ByOpt = Annotated[
    str | None, typer.Option("--by", metavar="姓名", help=f"操作人（默认 ${USER_ENV} 或 anmin whoami 记下的姓名）。")
]
