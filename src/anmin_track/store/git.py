"""The ``git`` program, as ``anmin sync`` uses it: run it, and what this clone's repository says.

git does the distributed work (commits, fetch, push, the merge itself); this module only calls it.
A data folder that syncs is the top of its own repository (``.git`` inside it), whose config names
our merge driver (``anmin merge-driver``, see ``store.merge``) and whose ``.gitattributes`` says
which files it merges; ``.gitignore`` keeps what is only this PC's out of it.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from anmin_track.errors import DataError, WriteError
from anmin_track.store.folder import HISTORY_DIR, LOCK_FILE, NOTICE_STATE_FILE, NOTICES_FILE, PLAN_FILE, DataDir

GIT_DIR = ".git"
BRANCH = "main"
REMOTE = "origin"
DRIVER = "anmin"
#: Where the driver adds its conflict lines when ``sync`` runs the merge (else only to stderr).
REPORT_ENV = "ANMIN_MERGE_REPORT"
#: How long one git command may take (a fetch from a slow shared folder) before it is given up.
GIT_TIMEOUT = 600
#: Where a clerk gets git for Windows (the offline kit cannot carry it).
GIT_FOR_WINDOWS = "https://git-scm.com/download/win"

IGNORED = (
    "# anmin sync：以下文件只属于本机，不同步（锁、修改记录、索引和缓存、临时文件）",
    f"/{LOCK_FILE}*",
    f"/{HISTORY_DIR}/",
    "/progress/index.toml",
    "/progress/index-*.toml",
    "/progress/.cache/",
    ".*.tmp",
    ".merge_file_*",
)
ATTRIBUTES = (
    "# anmin sync：计划、进展、督办登记按记录合并（anmin merge-driver）；不转换换行符",
    "* -text",
    f"/{PLAN_FILE} merge={DRIVER}",
    f"/plans/*.toml merge={DRIVER}",
    f"/progress/*.toml merge={DRIVER}",
    f"/{NOTICES_FILE} merge={DRIVER}",
    f"/{NOTICE_STATE_FILE} merge={DRIVER}",
)


class GitFailed(WriteError):
    """A git command ended with an error: what it said is kept for the message; ``state``: what the data
    folder is now, in words."""

    def __init__(self, what: str, said: str, state: str = "数据目录未作任何修改。"):
        last = next((line for line in reversed(said.strip().splitlines()) if line.strip()), "")
        super().__init__(f"{what}未成功（git：{last[:200]}）。{state}")
        self.said = said


def git(repo: Path, *args: str, env: dict[str, str] | None = None, check: str = "") -> subprocess.CompletedProcess[str]:
    """Run ``git -C repo ARGS``; ``check``: what it does in words, to raise GitFailed with when it fails."""
    command = ["git", "-C", str(repo), "-c", "core.quotepath=off", "-c", "core.autocrlf=false", *args]
    quiet = {"LC_ALL": "C", "LANGUAGE": "C", "GIT_TERMINAL_PROMPT": "0"}  # English to read, no password prompt
    quiet["GIT_SSH_COMMAND"] = os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes")  # nor an ssh one
    full_env = {**os.environ, **quiet, **(env or {})}
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=full_env,
            timeout=GIT_TIMEOUT,
        )
    except FileNotFoundError:
        raise DataError(no_git()) from None
    except subprocess.TimeoutExpired:
        raise WriteError(
            f"git 运行超过 {GIT_TIMEOUT} 秒仍未结束（网络或共享文件夹可能不通），已停止。请稍后再同步。"
        ) from None
    if check and done.returncode != 0:
        raise GitFailed(check, done.stderr or done.stdout)
    return done


def blob(repo: Path, revision: str, path: str) -> bytes:
    """A file's bytes as of ``revision``."""
    command = ["git", "-C", str(repo), "cat-file", "blob", f"{revision}:{path}"]
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=GIT_TIMEOUT)
    except (FileNotFoundError, subprocess.TimeoutExpired):
        raise DataError(no_git()) from None
    if done.returncode != 0:
        raise GitFailed("读取合并结果", done.stderr.decode("utf-8", "replace"))
    return done.stdout


def no_git() -> str:
    return f"没有找到 git 程序。同步要用 git：Windows 上请安装 Git for Windows（{GIT_FOR_WINDOWS}），装好后重新打开命令窗口再试。"


def is_repository(data: DataDir) -> bool:
    """The data folder is the top of its own repository (not a folder inside some other one)."""
    return (data.path / GIT_DIR).exists()


def config(data: DataDir, key: str) -> str:
    return git(data.path, "config", "--local", "--get", key).stdout.strip()


def driver_command() -> str:
    """The command git runs to merge a file: this very program, by the absolute path of its Python (not resolved:
    a virtual environment's python is a link to the base one, which does not have this program)."""
    python = shlex.quote(Path(sys.executable).absolute().as_posix())
    return f"{python} -m anmin_track merge-driver %O %A %B %P"


def configure(data: DataDir) -> None:
    """Register the merge driver in this clone's config (git never copies config from a remote), no line-ending
    conversion, and nothing that would stop a commit (signing) or run in the background while we hold the lock."""
    settings = {
        f"merge.{DRIVER}.name": "anmin-track 按记录合并",
        f"merge.{DRIVER}.driver": driver_command(),
        "core.autocrlf": "false",
        "commit.gpgsign": "false",
        "gc.autoDetach": "false",
    }
    for key, value in settings.items():
        git(data.path, "config", "--local", key, value, check="登记合并程序")


def driver_configured(data: DataDir) -> bool:
    return bool(config(data, f"merge.{DRIVER}.driver"))


def author_env(who: str) -> dict[str, str]:
    """Commits are signed with the clerk's name (git needs an e-mail too: a fixed stand-in)."""
    name = who or "anmin"
    mail = "anmin-track@localhost"
    return {"GIT_AUTHOR_NAME": name, "GIT_AUTHOR_EMAIL": mail, "GIT_COMMITTER_NAME": name, "GIT_COMMITTER_EMAIL": mail}


def revision(data: DataDir, name: str, repo: Path | None = None) -> str | None:
    done = git(repo or data.path, "rev-parse", "--verify", "--quiet", f"{name}^{{commit}}")
    return done.stdout.strip() or None if done.returncode == 0 else None


def is_ancestor(data: DataDir, older: str, newer: str) -> bool:
    return git(data.path, "merge-base", "--is-ancestor", older, newer).returncode == 0


def remote_url(data: DataDir) -> str:
    return config(data, f"remote.{REMOTE}.url")


def remote_has_branch(remote: str, cwd: Path) -> bool:
    done = git(cwd, "ls-remote", "--heads", remote, BRANCH, check="连接远端仓库")
    return bool(done.stdout.strip())


def lines_of(text: str) -> list[str]:
    return [line for line in text.split("\0") if line]
