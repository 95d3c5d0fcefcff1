"""Errors the core raises; only the CLI prints them.

Each error carries the exit code the CLI should use and a message that is
already written for the user (Simplified Chinese, one or two lines), in words only:
no command or option is spelled, since a caller other than the CLI may show it. What
the user can do next is carried beside it (``steps``, ``options``), for each caller to
say its own way (the CLI: ``cli.common.said``).
"""

import errno
from typing import NamedTuple


class Step(NamedTuple):
    """A next step the user can take, by what it does: ``Step("reopen", ("1.2",))``.

    ``options``: (key, value) pairs the step takes, as ``(("progress", "100"),)``. Actions and
    keys are the CLI's command and long option names (``cli.common.STEP_COMMANDS``).
    """

    action: str
    args: tuple[str, ...] = ()
    options: tuple[tuple[str, str], ...] = ()


class Message(NamedTuple):
    """Words for the user that are not an error (a warning), with the same hints an error carries."""

    text: str
    steps: tuple[Step, ...] = ()
    options: tuple[str, ...] = ()


class AnminError(Exception):
    """Base for every error meant to reach the user as a message, not a traceback.

    The message's last sentence says the ``steps`` in words and ends with 。; ``options`` are
    the keys (long option names) of the values the message asks for (说明原因 → ``note``).
    """

    exit_code = 1

    def __init__(self, message: str, *, steps: tuple[Step, ...] = (), options: tuple[str, ...] = ()):
        super().__init__(message)
        self.steps = steps
        self.options = options


class DataError(AnminError):
    """A data file cannot be parsed or does not validate; nothing is written."""

    def __init__(self, message: str, problems: list | None = None, *, steps: tuple[Step, ...] = ()):
        super().__init__(message, steps=steps)
        self.problems = problems or []


class InputError(AnminError):
    """A value the user typed is not allowed (bad date, progress out of range...)."""

    exit_code = 2


class NotFoundError(InputError):
    """An id the user typed names no goal or task."""


class WriteError(AnminError):
    """A write could not be done (read-only folder, disk full, lock held)."""


class ReadOnlyError(WriteError):
    """A write asked of the bundled read-only plan (the CLI adds how to make one's own data folder)."""


#: What the operating system's errors mean, in Chinese: its own texts (``strerror``) are
#: English on Linux and macOS and never reach the screen.
SYSTEM_REASONS = {
    "ENOENT": "文件或文件夹不存在",
    "EISDIR": "是文件夹，不是文件",
    "ENOTDIR": "路径中有一项不是文件夹",
    "ENOTEMPTY": "文件夹不是空的",
    "EEXIST": "已存在同名的文件或文件夹",
    "EACCES": "权限不足",
    "EPERM": "操作不被允许（权限不足）",
    "ENOSPC": "磁盘空间不足",
    "EDQUOT": "磁盘配额已用完",
    "EROFS": "所在磁盘是只读的",
    "EBUSY": "正被其他程序占用",
    "ETXTBSY": "正被其他程序占用",
    "ENAMETOOLONG": "文件名或路径太长",
    "ELOOP": "符号链接层数过多（可能指向自身）",
    "EMFILE": "打开的文件过多",
    "ENFILE": "打开的文件过多",
    "EIO": "磁盘读写出错（输入/输出错误）",
    "EXDEV": "不能跨磁盘移动",
    "ENOLCK": "不支持文件锁",
    "EINVAL": "参数无效（文件名可能含有不允许的字符）",
    "EAGAIN": "资源暂时不可用",
    "ETIMEDOUT": "连接超时（网络盘可能已断开）",
    "ESTALE": "网络盘上的文件已失效",
}


def system_reason(exc: OSError) -> str:
    """Why a file operation failed, in Chinese (errno → words; texts already in Chinese are kept)."""
    text = exc.strerror or ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    name = errno.errorcode.get(exc.errno or 0)
    if name in SYSTEM_REASONS:
        return SYSTEM_REASONS[name]
    return f"系统错误 {name or exc.errno or type(exc).__name__}"


class RepeatError(AnminError):
    """The same progress record as the task's latest one, most likely sent twice: refused unless asked for again."""
