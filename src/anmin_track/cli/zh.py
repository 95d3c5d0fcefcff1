"""Click and Typer internals, in one place: Chinese help and errors, and the one-command app cut.

The only module that imports from ``typer._click`` or reaches into Typer's registries;
everything else in ``cli`` uses Typer's public API.
"""

# No `from __future__ import annotations` in cli modules: Typer would then eval() every
# parameter annotation string at start-up (about 2.5 ms). See benchmarks/run.py.

import copy
import os
import re
import sys
import traceback
import unicodedata
from collections.abc import Callable
from typing import TypeVar

import typer
from typer._click import exceptions as click_exc
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

from anmin_track.cli.common import DEBUG_ENV, error, out, said
from anmin_track.errors import AnminError, InputError, system_reason
from anmin_track.text import display_width, lazy_regex, visible, wrap_cjk


def _usage_message(exc: click_exc.UsageError) -> str:
    """Click's usage errors, said in Chinese."""
    param = getattr(exc, "param", None)
    hint = getattr(exc, "param_hint", None) or (param.get_error_hint(exc.ctx) if param and exc.ctx else "")
    if isinstance(exc, click_exc.NoSuchOption):
        maybe = f"，您是不是想输入 {'、'.join(exc.possibilities)}" if exc.possibilities else ""
        return f"没有这个选项：{exc.option_name}{maybe}。"
    if isinstance(exc, click_exc.MissingParameter):
        return f"缺少参数 {hint}。"
    if isinstance(exc, click_exc.BadParameter):
        return f"参数 {hint} 的值无效：{_bad_value(exc.message)}。"
    message = exc.message
    unknown = re.match(r"No such command '(.+?)'\.(?: Did you mean '(.+?)'\?)?", message)
    if unknown:
        maybe = f"，您是不是想输入 {unknown.group(2)}" if unknown.group(2) else ""
        return f"没有这个命令：{unknown.group(1)}{maybe}。"
    needs = re.match(r"Option '(.+?)' requires", message)
    if needs:
        return f"选项 {needs.group(1)} 后面缺少取值。"
    extra = re.match(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)$", message)
    if extra:
        return f"多余的参数：{extra.group(1)}（含空格的文字请用引号括起来）。"
    return f"用法错误：{message}"


def _bad_value(message: str) -> str:
    """Click's words for a bad number, in Chinese (others are passed on as they are)."""
    not_int = re.match(r"'(.*)' is not a valid integer", message)
    if not_int:
        return f"{not_int.group(1)!r} 不是整数"
    out_of_range = re.match(r"(.+?) is not in the range x>=(\S+?)\.?$", message)
    if out_of_range:
        return f"{out_of_range.group(1)} 太小，应不小于 {out_of_range.group(2)}"
    return message


class ChineseFormatter(HelpFormatter):
    """Click's plain help layout in Chinese: its fixed English words translated, lines
    broken the way Chinese is typeset (避头尾), and Click's ``[default: 10; x>=1]`` said
    as one unbreakable ``［默认 10，至少 1］``."""

    SECTIONS = {"Options": "选项", "Arguments": "参数", "Commands": "命令"}

    def write_usage(self, prog, args="", prefix=None):
        args = args.replace("[OPTIONS]", "[选项]").replace("COMMAND [ARGS]...", "命令 [参数]...")
        super().write_usage(prog, args, "用法：")

    def section(self, name):
        return super().section(self.SECTIONS.get(name, name))

    def write_heading(self, heading):
        self.write(f"{'':>{self.current_indent}}{heading}：\n")

    def write_text(self, text):
        """A command's description and its example (the epilog), wrapped by display width."""
        indent = " " * self.current_indent
        for n, paragraph in enumerate(text.split("\n\n")):
            if n:
                self.write("\n")
            for line in wrap_cjk(" ".join(paragraph.split()), max(self.width - self.current_indent, 20)):
                self.write(indent + line + "\n")

    def write_dl(self, rows, col_max=30, col_spacing=2):
        """Two columns aligned by display width (a Chinese character takes two cells)."""
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
            lines = help_lines(second, max(self.width - len(hang), 20))
            self.write(("\n" + hang).join(lines) + "\n")


#: Click's notes after an option's help: ``[default: 10; x>=1]``, ``[required]``…
CLICK_EXTRA = lazy_regex(r"\s*\[((?:default|env var|required|x[<>]|-?\d)[^\[\]]*)\]$")


#: Notes written in the help itself (``［必填］`` on an option checked by the command).
OWN_NOTES = lazy_regex(r"\s*(［[^［］]*］)$")


def help_lines(text: str, width: int) -> list[str]:
    """An option's help in lines of ``width``, its notes in Chinese kept whole on the last line."""
    found = CLICK_EXTRA().search(text)
    if found:
        notes = f"［{'，'.join(_note(part) for part in found.group(1).split('; '))}］"
    else:
        found = OWN_NOTES().search(text)
        notes = found.group(1) if found else ""
    lines = wrap_cjk(text[: found.start()] if found else text, width)
    if notes and display_width(lines[-1]) + display_width(notes) <= width:
        lines[-1] += notes
    elif notes:
        lines.append(notes)
    return lines


def _note(part: str) -> str:
    """One of Click's notes, in Chinese."""
    if part == "required":
        return "必填"
    for english, chinese in (("default: ", "默认 "), ("env var: ", "环境变量 ")):
        if part.startswith(english):
            return chinese + part.removeprefix(english)
    bounds = re.fullmatch(r"(?:(\S+?)<=)?x(?:>=(\S+)|<=(\S+))?", part)
    if bounds:
        low, at_least, at_most = bounds.group(1), bounds.group(2), bounds.group(3)
        if low is not None and at_most is not None:
            return f"{low}~{at_most}"
        if at_least is not None:
            return f"至少 {at_least}"
        if at_most is not None:
            return f"至多 {at_most}"
    return part


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


#: Commands in the order a clerk meets them (Click would list them as registered).
COMMAND_ORDER = (
    *("goals", "report", "export", "new", "import", "check", "plan", "init", "log", "undo", "whoami", "backup"),
    "notice",
    "county",
    *("issue", "list", "show", "update", "due", "sign", "reply", "claim", "edit", "milestone", "close", "reopen"),
    *("add", "remove"),
)


class AnminSubGroup(ChineseHelp, TyperGroup):
    """Every command group under `anmin` uses this class."""

    def list_commands(self, ctx):
        names = super().list_commands(ctx)
        return sorted(
            names, key=lambda name: COMMAND_ORDER.index(name) if name in COMMAND_ORDER else len(COMMAND_ORDER)
        )


COMPLETION_HELP = {
    "install_completion": "为当前使用的 shell 安装命令补全（Tab 补全命令、选项和任务编号）。",
    "show_completion": "显示当前 shell 的命令补全脚本，可复制或自行安装。",
}


def _install_completion(ctx, param, value) -> None:
    """Typer's installer, reporting in Chinese."""
    if not value or ctx.resilient_parsing:
        return
    from typer._completion_shared import install

    shell, path = install(shell=value if isinstance(value, str) else None)
    out(f"已为 {shell} 安装命令补全，写入 {path}。重新打开终端后生效。")
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
        # --debug is a global switch: accepted anywhere (`anmin goals show 1.2 --debug`)
        args = [arg for arg in args if arg != "--debug"]
        try:
            code = super().main(
                args, prog_name or "anmin", complete_var, standalone_mode=False, obj={"args": args}, **extra
            )
            if code == 130:  # Typer turns Ctrl-C (KeyboardInterrupt) into a silent exit code 130
                _interrupted()
        except click_exc.NoArgsIsHelpError as exc:
            out(exc.ctx.get_help())
            code = 0
        except click_exc.UsageError as exc:
            command = exc.ctx.command_path if exc.ctx else "anmin"
            error(f"{_usage_message(exc)}运行 `{command} --help` 查看用法。")
            code = 2
        except Cancelled:
            out("已取消，未作任何修改。")
            code = 0
        except AnminError as exc:  # the core's words, with its next steps and options as typed here
            error(said(str(exc), exc.steps, exc.options))
            code = exc.exit_code
        except (click_exc.Abort, KeyboardInterrupt):
            _interrupted()
            code = 130
        except BrokenPipeError:
            code = 0
        except Exception as exc:  # noqa: BLE001 - the last line of defence: no tracebacks for staff
            if debug:
                traceback.print_exc()
            if _made_a_change():
                written_but_unshown(exc)
                code = 0  # the change is whole: only showing its result failed
            elif isinstance(exc, OSError):  # a file operation no layer above expected: said in Chinese
                where = f" {visible(str(exc.filename), oneline=True)}" if exc.filename else ""
                error(f"无法访问{where}：{system_reason(exc)}。")
                code = 1
            else:
                error(f"程序内部错误（{type(exc).__name__}）。请加 --debug 重新运行查看详情，并把输出发给维护人员。")
                code = 1
        sys.exit(code if isinstance(code, int) else 0)


def _made_a_change() -> bool:
    from anmin_track.store.journal import WRITTEN

    return bool(WRITTEN)


def written_but_unshown(exc: BaseException) -> None:
    """After this process made a change, a failure (to print its result: a full disk, a closed
    stream) must not read as the change failing: say on stderr that it was made (if stderr takes it)."""
    from anmin_track.store.journal import WRITTEN

    why = system_reason(exc) if isinstance(exc, OSError) else type(exc).__name__
    try:
        sys.stderr.write(
            visible(f"已记录：{'；'.join(WRITTEN)}（修改已完整保存；只是结果未能显示：{why}）。", oneline=True) + "\n"
        )
        sys.stderr.flush()
    except (OSError, ValueError):
        pass  # nowhere to say it: the exit code still says the change was made


def _interrupted() -> None:
    """Ctrl-C: say whether the change was made (writes hold it back until they are whole)."""
    from anmin_track.store.journal import WRITTEN

    if WRITTEN:
        sys.stderr.write(
            visible(f"已记录：{'；'.join(WRITTEN)}（命令被中断，但这次修改已完整保存，无需重新输入）。", oneline=True)
            + "\n"
        )
    else:
        error("已取消，数据未作任何修改。")


T = TypeVar("T")

HELP_OPTIONS = ("-h", "--help")
ROOT_VALUE_OPTIONS = {"--data"}  # root options that take a value (skipped when looking for the command)


def app_for(app: typer.Typer, args: list[str]) -> typer.Typer:
    """``app`` cut down to the one command that ``args`` plainly run, else ``app`` itself.

    Typer turns every registered function into a Click command at start-up (about
    0.25 ms each); `anmin goals list` needs only its own. Anything less plain than
    ``[root options] [group] command ...`` (help of a group, an unknown name, shell
    completion, which passes no arguments) gets the whole app.
    """
    options, word, rest = _root_part(args)
    if any(option in HELP_OPTIONS for option in options):
        return _groups_unfilled(app)
    if word is None:
        return app
    group = next((g for g in app.registered_groups if g.name == word), None)
    owner = group.typer_instance if group else app
    if owner is None:
        return app
    name = (rest[0] if rest else None) if group else word
    chosen = [c for c in owner.registered_commands if command_name(c) == name]
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


def is_root_help(args: list[str]) -> bool:
    """``anmin --help``: a help option among the root options, before any command word (``anmin -h goals
    list`` too: Click answers the root's eager help first). The groups are shown by their own help."""
    return any(option in HELP_OPTIONS for option in _root_part(args)[0])


def _groups_unfilled(app: typer.Typer) -> typer.Typer:
    """``app`` with its groups but not their commands: building every command for Click takes
    about 0.25 ms each, and the root help shows none of them."""
    pruned = copy.copy(app)
    pruned.registered_groups = []
    for group in app.registered_groups:
        empty = copy.copy(group)
        if group.typer_instance is not None:
            empty.typer_instance = copy.copy(group.typer_instance)
            empty.typer_instance.registered_commands = []
        pruned.registered_groups.append(empty)
    return pruned


def command_word(args: list[str]) -> str | None:
    """The root command or group that ``args`` run (None: only root options)."""
    return _root_part(args)[1]


def _root_part(args: list[str]) -> tuple[list[str], str | None, list[str]]:
    """``args`` as the root options before the command word (without their values), that word (None:
    there is none) and the words after it."""
    options: list[str] = []
    words = iter(args)
    for word in words:
        if not word.startswith("-"):
            return options, word, list(words)
        options.append(word)
        if word in ROOT_VALUE_OPTIONS:
            next(words, None)
    return options, None, []


def command_name(info) -> str:
    return info.name or typer.main.get_command_name(info.callback.__name__)


class Cancelled(Exception):
    """The user said no at a prompt (or ended the input): a normal end, nothing was changed."""


#: How often a prompt asks before it gives up on answers it cannot take.
ATTEMPTS = 3
YES = {"y", "yes", "是", "确认", "好"}
NO = {"", "n", "no", "否", "不", "取消"}


def ask(question: str, answer_of: Callable[[str], T]) -> T:
    """Ask at the terminal until ``answer_of`` takes the answer (it raises InputError when
    it cannot), three times at most. Ctrl-C starts a new line before the command stops;
    end of input cancels."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            sys.stdout.write(question)
            sys.stdout.flush()
            text = input()
        except KeyboardInterrupt:
            sys.stderr.write("\n")
            raise
        except (EOFError, RuntimeError, OSError, ValueError):  # end of input; no input at all (closed, lost)
            sys.stdout.write("\n")
            raise Cancelled from None
        try:
            return answer_of(text.strip())
        except InputError as exc:
            if attempt == ATTEMPTS:
                raise
            error(f"{exc}请重新输入（还可输入 {ATTEMPTS - attempt} 次）。")
    raise AssertionError("unreachable")


def confirm(question: str) -> None:
    """Ask yes/no; anything but yes raises Cancelled (``已取消，未作任何修改。``, exit 0)."""
    if not ask(f"{question}输入 y 确认，n 或直接回车取消：", _yes_or_no):
        raise Cancelled


def _yes_or_no(text: str) -> bool:
    word = unicodedata.normalize("NFKC", text).lower()
    if word in YES or word in NO:
        return word in YES
    raise InputError(f"无法理解回答 {visible(text, oneline=True)!r}，请输入 y（确认）或 n（取消）。")
