"""The first hour on a Chinese office PC: Notepad's files, finding the data folder, the
bundled plan, system errors, help screens and prompts — all through the real CLI.

Windows itself cannot run here: its files (BOM, GBK, CRLF) and terminals are simulated.
"""

from __future__ import annotations

import errno
import re
import shutil
import tomllib

import pytest

from anmin_track import store
from anmin_track.errors import system_reason
from conftest import snapshot

BOM = b"\xef\xbb\xbf"
ENGLISH_OS_TEXTS = ("No such file", "Is a directory", "Not a directory", "Directory not empty", "Permission denied")


def record(cli, task="1.2", progress="30", day="2024-05-10", note="完成方案"):
    result = cli("goals", "update", task, "--progress", progress, "--date", day, "--note", note)
    assert result.exit_code == 0, result.output
    return result


def as_notepad_saves(path):
    """What Notepad's "UTF-8 with BOM" does to a file (with Windows line ends)."""
    path.write_bytes(BOM + path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))


# --------------------------------------------------------------------------- files from Notepad


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_bom_files_are_read_and_appended_to(cli, data_dir):
    record(cli)
    month = data_dir / "progress" / "2024-05.toml"
    as_notepad_saves(data_dir / "goals.toml")
    as_notepad_saves(month)
    listed = cli("goals", "list", "--as-of", "2024-05-31")
    assert listed.exit_code == 0 and "错误" not in listed.stderr, listed.output
    assert cli("check").exit_code == 0
    # the index now vouches for the BOM file, so this record takes the append fast path
    record(cli, progress="40", day="2024-05-12", note="完成布展")
    assert not month.read_bytes().startswith(BOM)  # writes may drop the BOM
    records = tomllib.loads(month.read_text("utf-8"))["records"]
    assert [(r["progress"], r["note"]) for r in records] == [(30, "完成方案"), (40, "完成布展")]
    checked = cli("check")
    assert checked.exit_code == 0 and "2 条进展记录" in checked.stdout, checked.output
    shown = cli("goals", "show", "1.2", "--as-of", "2024-05-31")
    assert "完成方案" in shown.stdout and "完成布展" in shown.stdout
    claimed = cli("goals", "claim", "1.2")  # a plan write on a BOM goals.toml
    assert claimed.exit_code == 0, claimed.output
    assert "测试员" in (data_dir / "goals.toml").read_text("utf-8")


def test_undo_restores_a_bom_file(cli, data_dir):
    as_notepad_saves(data_dir / "goals.toml")
    assert cli("goals", "claim", "1.2").exit_code == 0
    undone = cli("undo", "--yes")
    assert undone.exit_code == 0, undone.output
    assert (data_dir / "goals.toml").read_bytes().startswith(BOM)  # the file as it was
    assert cli("check").exit_code == 0


def test_gbk_file_is_refused_at_its_real_line(cli, data_dir):
    plan = data_dir / "goals.toml"
    lines = plan.read_text("utf-8").splitlines(keepends=True)
    n = next(i for i, line in enumerate(lines) if i >= 5 and re.search(r"[\u4e00-\u9fff]", line))
    # the clerk retyped one title in a GBK editor: everything above it is still UTF-8
    plan.write_bytes(b"".join(line.encode("gbk" if i == n else "utf-8") for i, line in enumerate(lines)))
    before = snapshot(data_dir)
    result = cli("goals", "update", "1.2", "--progress", "30", "--date", "2024-05-10")
    assert result.exit_code == 1
    assert f"goals.toml:{n + 1}: 文件不是 UTF-8 编码" in result.stderr, result.stderr
    assert "另存为" in result.stderr and "字节" not in result.stderr
    assert snapshot(data_dir) == before


def test_gbk_month_file_is_named_with_its_line_by_check(cli, data_dir):
    record(cli)
    month = data_dir / "progress" / "2024-05.toml"
    text = month.read_text("utf-8")
    line = text[: text.index("完成方案")].count("\n") + 1
    month.write_bytes(text.encode("gbk"))
    result = cli("check")
    assert result.exit_code == 1
    assert f"progress/2024-05.toml:{line}: 文件不是 UTF-8 编码" in result.stdout + result.stderr


# --------------------------------------------------------------------------- finding the data folder


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_init_says_what_to_do_next_and_is_found_from_inside(cli, anmin, monkeypatch, tmp_path):
    monkeypatch.delenv(store.DATA_ENV)
    office = tmp_path / "office"
    office.mkdir()
    monkeypatch.chdir(office)
    made = cli("init", "台账数据")
    assert made.exit_code == 0, made.output
    assert "cd 台账数据" in made.stdout and "anmin goals list" in made.stdout and "--data 台账数据" in made.stdout
    nested = office / "台账数据" / "progress"
    claimed = anmin("goals", "claim", "1.2", cwd=nested)  # found upward, as git finds its repository
    assert claimed.returncode == 0, claimed.stderr
    assert "测试员" in (office / "台账数据" / "goals.toml").read_text("utf-8")


def test_data_subfolder_is_found_from_a_nested_folder(anmin, monkeypatch, data_dir, tmp_path):
    monkeypatch.delenv(store.DATA_ENV)
    nested = tmp_path / "月报" / "2024"
    nested.mkdir(parents=True)
    result = anmin("goals", "update", "1.2", "--progress", "30", "--date", "2024-05-10", cwd=nested)
    assert result.returncode == 0, result.stderr
    assert (data_dir / "progress" / "2024-05.toml").is_file()


@pytest.fixture
def no_data_folder(monkeypatch, data_dir):
    """Neither --data nor ANMIN_DATA, and no plan from the current folder upward."""
    monkeypatch.delenv(store.DATA_ENV)
    shutil.rmtree(data_dir)


def test_bundled_plan_is_named_on_reads(cli, no_data_folder):
    for args in (("goals", "list", "--as-of", "2024-05-31"), ("check",)):
        result = cli(*args)
        assert result.exit_code == 0, result.output
        assert "深化转型升级" in result.stdout or "检查通过" in result.stdout
        notice = result.stderr.splitlines()
        assert len(notice) == 1 and "自带的2024年计划（只读" in notice[0] and "anmin init" in notice[0], notice


@pytest.mark.parametrize(
    "args, refused",
    [
        (("goals", "update", "1.2", "--progress", "30"), "记录进展"),
        (("goals", "claim", "1.2"), "认领任务"),
        (("goals", "close", "1.2"), "销号"),
        (("goals", "edit", "1.2", "--owner", "张三"), "修改计划"),
        (("undo", "--yes"), "撤销修改"),
    ],
)
def test_bundled_plan_refusal_names_what_was_refused(cli, no_data_folder, args, refused):
    result = cli(*args)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("错误："), lines
    assert f"不能{refused}。" in lines[0] and "anmin init 台账数据" in lines[0]


# --------------------------------------------------------------------------- system errors


@pytest.mark.parametrize(
    "code, words",
    [
        (errno.ENOENT, "不存在"),
        (errno.EISDIR, "是文件夹"),
        (errno.ENOTEMPTY, "文件夹不是空的"),
        (errno.EACCES, "权限不足"),
        (errno.EEXIST, "已存在"),
        (errno.ENOSPC, "磁盘空间不足"),
        (errno.EROFS, "只读"),
    ],
)
def test_system_errors_are_said_in_chinese(code, words):
    import os

    reason = system_reason(OSError(code, os.strerror(code)))
    assert words in reason and not re.search(r"[A-Za-z]{3,}", reason)


def test_every_system_error_is_said_in_chinese():
    """EFBIG and the rest: no English name or sentence, whichever errno the system gives."""
    import os

    for code in errno.errorcode:
        reason = system_reason(OSError(code, os.strerror(code)))
        assert re.search("[\u4e00-\u9fff]", reason) and not re.search(r"[A-Za-z]{2,}", reason), (code, reason)
    assert "太大" in system_reason(OSError(errno.EFBIG, "File too large"))
    assert system_reason(OSError(99999, "Strange")) == "操作系统报告的错误（错误码 99999）"


def test_file_errors_reach_the_screen_in_chinese(cli, tmp_path):
    (tmp_path / "folder").mkdir()
    (tmp_path / "a-file").write_text("x")
    cases = [
        (("import", str(tmp_path / "folder")), "是文件夹"),
        (("import", str(tmp_path / "missing.xlsx")), "不存在"),
        (("init", str(tmp_path / "a-file" / "data")), "不是文件夹"),
    ]
    for args, words in cases:
        result = cli(*args)
        assert result.exit_code in (1, 2), result.output
        assert words in result.stderr, result.stderr
        assert not any(text in result.output for text in ENGLISH_OS_TEXTS), result.output


# --------------------------------------------------------------------------- prompts


def test_no_at_the_undo_prompt_is_a_normal_cancel(cli, data_dir):
    record(cli)
    before = snapshot(data_dir)
    for answer in ("n\n", "\n", "否\n", ""):  # "" is the end of input
        result = cli("undo", input=answer)
        assert result.exit_code == 0, result.output
        assert result.stdout.endswith("已取消，未作任何修改。\n") and "错误" not in result.stderr
    assert snapshot(data_dir) == before


def test_an_answer_it_cannot_take_is_asked_again_three_times_at_most(cli, data_dir):
    record(cli)
    before = snapshot(data_dir)
    refused = cli("undo", input="好的吧\nmaybe\nok?\ny\n")
    assert refused.exit_code == 2 and snapshot(data_dir) == before
    assert refused.stdout.count("输入 y 确认") == 3 and refused.stderr.count("请重新输入") == 2
    assert "无法理解回答 'ok?'" in refused.stderr.splitlines()[-1]
    undone = cli("undo", input="maybe\nＹ\n")  # asked again, then a full-width Y is a yes
    assert undone.exit_code == 0 and "已撤销 #1" in undone.stdout, undone.output


def _pty_session(args, cwd, steps, env):
    """Run `anmin ARGS` on a pseudo-terminal; ``steps``: (text to wait for, keys to send)."""
    import os
    import pty
    import select
    import signal
    import time

    from conftest import ANMIN

    pid, master = pty.fork()  # the child gets the terminal as its own: Ctrl-C sends it SIGINT
    if pid == 0:  # pragma: no cover - the child process
        # as a terminal starts a command: Ctrl-C neither ignored nor blocked (a test runner's
        # thread may have it blocked, and a blocked signal stays blocked across exec)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.chdir(cwd)
        os.execve(str(ANMIN), [str(ANMIN), *args], env)
    seen = b""

    def read_until(pattern: bytes | None) -> None:
        nonlocal seen
        while pattern is None or pattern not in seen:
            ready, _, _ = select.select([master], [], [], 20)
            if not ready:
                raise AssertionError(f"no {pattern!r} in {seen.decode('utf-8', 'replace')}")
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the process ended and closed the terminal
                chunk = b""
            if not chunk:
                return
            seen += chunk

    for wait_for, keys in steps:
        read_until(wait_for.encode("utf-8"))
        if b"\x03" in keys:
            # Ctrl-C a moment after the question, as a person presses it: a SIGINT that lands between the
            # prompt's flush and input()'s read() is only seen at the next key (CPython's input() checks
            # signals when read() is interrupted, not before it blocks); it failed 1 time in 24 without this
            time.sleep(0.5)
        os.write(master, keys)
    read_until(None)
    _, status = os.waitpid(pid, 0)
    os.close(master)
    code = os.waitstatus_to_exitcode(status)
    return code, seen.decode("utf-8").replace("\r\n", "\n")


@pytest.mark.slow  # two sessions on a real terminal, about 1.5 s (20.3 s once measured was the Ctrl-C race below)
def test_progress_prompt_asks_again_and_ctrl_c_starts_a_new_line(data_dir, tmp_path):
    import os

    env = {**os.environ, "COLUMNS": "80"}
    code, screen = _pty_session(
        ["goals", "update", "1.2", "--date", "2024-05-10"],
        tmp_path,
        [("当前进度（0~100）：", "六十\r".encode()), ("当前进度（0~100）：", b"60\r"), ("进展情况", b"\r")],
        env,
    )
    assert code == 0 and "请重新输入（还可输入 2 次）" in screen and "进度 60%" in screen, screen
    assert "错误：进度 '六十' 无效" in screen and "--progress" not in screen, screen  # a prompt has no option to name
    code, screen = _pty_session(["undo"], tmp_path, [("输入 y 确认", b"\x03")], env)
    assert code == 130, screen
    # the message stands on a line of its own, not after the question
    assert re.search(r"^错误：已取消，数据未作任何修改。$", screen, re.MULTILINE), screen
    assert (data_dir / "progress" / "2024-05.toml").is_file()


# --------------------------------------------------------------------------- help screens

HALF_WIDTH_NEXT_TO_CHINESE = re.compile(r"[\u4e00-\u9fff（）。，][,;:()]|[,;:()][\u4e00-\u9fff（）。，]")


def _all_command_paths():
    import typer

    from anmin_track.cli import app

    def walk(group, prefix=()):
        for name, command in group.commands.items():
            yield (*prefix, name)
            if hasattr(command, "commands"):
                yield from walk(command, (*prefix, name))

    return [(), *walk(typer.main.get_command(app))]


@pytest.mark.parametrize("columns", [80, 120])
@pytest.mark.slow  # 0.7 s on the 2-core CI host: the fast pass stays under 30 s
def test_every_help_screen_reads_as_chinese(cli, monkeypatch, columns):
    from anmin_track.text import display_width

    monkeypatch.setenv("COLUMNS", str(columns))
    for path in _all_command_paths():
        shown = cli(*path, "--help").stdout
        lines = shown.rstrip("\n").splitlines()
        assert lines[0].startswith("用法："), (path, lines[0])  # CliRunner names the program "root"
        assert lines[-1].strip().startswith("示例：anmin "), (path, lines[-1])  # one example, last
        assert all(display_width(line) <= columns for line in lines), (path, shown)
        assert not [line for line in lines if line.strip() in set("。，；：）")], (path, shown)
        assert not HALF_WIDTH_NEXT_TO_CHINESE.search(shown), (path, HALF_WIDTH_NEXT_TO_CHINESE.findall(shown))
        for english in ("[default", "[required", "x>=", "Options", "Arguments", "Commands", "Usage", "Show this"):
            assert english not in shown, (path, english)
        for line in lines:  # Click's notes stay whole, on one line
            assert line.count("［") == line.count("］"), (path, line)


def test_help_says_defaults_limits_and_required_in_chinese(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert "最多显示几条进展记录。［默认 10，至少 1］" in cli("goals", "show", "--help").stdout
    assert "重点任务编号，如 1.2。［必填］" in cli("goals", "update", "--help").stdout
    assert "审核意见，如 经党政办核验资料齐全。［必填］" in cli("goals", "close", "--help").stdout
    root = cli("--help").stdout
    listed = [
        line.split()[0] for line in root.split("命令：")[1].splitlines() if line.startswith("  ") and line[2] != " "
    ]
    assert listed[:13] == [
        "goals",
        "report",
        "export",
        "import",
        "check",
        "plan",
        "init",
        "log",
        "undo",
        "whoami",
        "backup",
        "notice",
        "county",
    ]
