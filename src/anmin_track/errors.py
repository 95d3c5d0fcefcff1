"""Errors the core raises; only the CLI prints them.

Each error carries the exit code the CLI should use and a message that is
already written for the user (Simplified Chinese, one or two lines), in words only:
no command or option is spelled, since a caller other than the CLI may show it. What
the user can do next is carried beside it (``steps``, ``options``), for each caller to
say its own way (the CLI: ``cli.common.said``).
"""

from __future__ import annotations

import errno

from anmin_track.tuples import NamedTuple


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
    "EFBIG": "文件太大，超出了磁盘或文件系统允许的大小",
    "EOVERFLOW": "文件太大，无法处理",
    "ENOMEM": "内存不足",
    "ENXIO": "设备不存在或未连接",
    "ENODEV": "设备不存在或不支持此操作",
    "ENOMEDIUM": "设备中没有存储介质（如 U 盘已拔出）",
    "ESPIPE": "不是普通文件（无法定位读写位置）",
    "EPIPE": "连接已断开",
    "EBADF": "文件已关闭或无法访问",
    "EINTR": "操作被中断",
    "EDEADLK": "文件锁冲突（可能会互相等待）",
    "ENOTSUP": "所在磁盘不支持此操作",
    "EOPNOTSUPP": "所在磁盘不支持此操作",
    "ENOSYS": "系统不支持此操作",
    "EILSEQ": "文件名含有无效的字符",
    "EMLINK": "链接数过多",
    "EUCLEAN": "文件系统已损坏，需要修复",
    "EREMOTEIO": "网络盘读写出错",
    "ENOLINK": "网络盘连接已断开",
    "ENETDOWN": "网络已断开",
    "ENETUNREACH": "网络不可达",
    "EHOSTDOWN": "网络盘所在的计算机已关机",
    "EHOSTUNREACH": "无法连接网络盘所在的计算机",
    "ECONNREFUSED": "连接被拒绝",
    "ECONNRESET": "连接被重置（网络盘可能已断开）",
    "ECONNABORTED": "连接已中断",
    "ECANCELED": "操作已取消",
    "ENODATA": "没有数据",
    "ETIME": "操作超时",
    "ENOTCONN": "网络盘未连接",
    "ESHUTDOWN": "连接已关闭",
    "ECOMM": "通信出错",
    "EPROTO": "通信协议出错",
    "EKEYEXPIRED": "密钥已过期",
    "EKEYREJECTED": "密钥被拒绝",
    "ENOKEY": "缺少所需的密钥",
    "EOWNERDEAD": "持有者已退出",
}


def system_reason(exc: OSError) -> str:
    """Why a file operation failed, in Chinese (errno → words; texts already in Chinese are kept)."""
    text = exc.strerror or ""
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return text
    name = errno.errorcode.get(exc.errno or 0)
    if name in SYSTEM_REASONS:
        return SYSTEM_REASONS[name]
    if isinstance(exc.errno, int):
        return f"操作系统报告的错误（错误码 {exc.errno}）"
    return "操作系统报告的错误"


class RepeatError(AnminError):
    """The same progress record as the task's latest one, most likely sent twice: refused unless asked for again."""
