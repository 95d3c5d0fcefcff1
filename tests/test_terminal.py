"""Screen output on any terminal: any output encoding, ambiguous-width fonts, 80 columns.

The end-to-end tests run the installed `anmin` as a real process: only there does the
output go through a real stream with the encoding under test (CliRunner captures bytes).
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from anmin_track.output import grid
from anmin_track.output.grid import Chrome
from anmin_track.text import (
    ENCODE_ERRORS,
    NO_LINE_END,
    NO_LINE_START,
    cell_width,
    fallback,
    protect_streams,
    wrap_cjk,
)
from conftest import ANMIN

NOTE = "争取上级资金30万元，完成路基（含边沟）施工；“四好农村路”验收通过，群众满意度达到95%以上。"
OMITTED_UPDATED = "（窗口较窄，已省略：最近更新）"


# --------------------------------------------------------------------------- wrap_cjk


def body(line: str, indent: str) -> str:
    return line[len(indent) :] if line.startswith(indent) else line


def test_wrap_keeps_closing_punctuation_off_the_line_start():
    # plain cell-by-cell filling would start the second line with "，"
    assert wrap_cjk("深化转型升级，加速", 12) == ["深化转型升", "级，加速"]
    assert wrap_cjk("深化转型升级,加速", 12) == ["深化转型升", "级,加速"]  # the ASCII comma of the plan
    assert wrap_cjk("完成路基（含边沟）施工", 10) == ["完成路基", "（含边沟）", "施工"]
    assert wrap_cjk("一二三“四”", 7) == ["一二三", "“四”"]
    assert wrap_cjk("一二三 ，四", 7) == ["一二", "三 ，四"]  # the space before "，" does not break


def test_wrap_keeps_numbers_with_units_and_ascii_runs_whole():
    assert wrap_cjk("争取上级资金30万元", 14) == ["争取上级资金", "30万元"]
    assert wrap_cjk("满意度达到95%以上", 12) == ["满意度达到", "95%以上"]
    assert wrap_cjk("数据在 goals.toml 里", 12) == ["数据在", "goals.toml", "里"]


def test_wrap_keeps_the_indent_and_the_newlines():
    assert wrap_cjk("  推进山海协作浙西南革命文化遗址", 16) == ["  推进山海协作浙", "  西南革命文化遗", "  址"]
    assert wrap_cjk("第一行\n第二行很长很长", 8) == ["第一行", "第二行很", "长很长"]
    assert wrap_cjk("", 8) == [""]


def test_wrap_cuts_what_is_wider_than_a_line():
    lines = wrap_cjk("见 https://example.org/a/very/long/path 处", 10)
    assert all(cell_width(line) <= 10 for line in lines)
    assert "".join(lines).replace(" ", "") == "见https://example.org/a/very/long/path处"


def test_ambiguous_characters_can_count_two_cells():
    assert cell_width("“坪安里”") == 8 and cell_width("“坪安里”", ambiguous_wide=True) == 10
    assert cell_width("▰▱", ambiguous_wide=True) == 2  # neutral, not ambiguous
    assert cell_width("─—·…", ambiguous_wide=True) == 8
    assert wrap_cjk("“走”“聊”", 8) == ["“走”“聊”"]
    assert wrap_cjk("“走”“聊”", 8, ambiguous_wide=True) == ["“走”", "“聊”"]


CJK = st.sampled_from("安民乡重点工作任务进度推进建设基地红色教育")
CORE = st.one_of(
    st.text(CJK, min_size=1, max_size=3),
    st.sampled_from(["30万元", "45%", "12个", "2024年", "5月"]),
    st.text(st.sampled_from("abcxyz"), min_size=1, max_size=6).map(lambda w: f" {w} "),
)
SEGMENT = st.tuples(
    st.sampled_from(["", "（", "“", "《"]), CORE, st.sampled_from(["", "，", "。", "）", "”", "、", "："])
)
TEXT = st.lists(SEGMENT, max_size=30).map(lambda parts: "".join(o + c + e for o, c, e in parts))


@settings(max_examples=200, deadline=None)
@given(text=TEXT, indent=st.sampled_from(["", "  "]), width=st.integers(14, 40), wide=st.booleans())
@pytest.mark.slow  # 0.6 s on the 2-core CI host: the fast pass stays under 30 s
def test_wrap_properties(text, indent, width, wide):
    """On text whose unbreakable pieces (at most 12 cells here) fit a line, every rule holds."""
    text = indent + text.lstrip(" ")
    lines = wrap_cjk(text, width, ambiguous_wide=wide)
    assert all(cell_width(line, wide) <= width for line in lines)
    rest = [body(line, indent) for line in lines[1:]]
    assert "".join([lines[0], *rest]).replace(" ", "") == text.replace(" ", "")
    assert not any(line.lstrip(" ")[:1] in NO_LINE_START for line in rest if line.strip())
    assert not any(line[-1:] in NO_LINE_END for line in lines)
    assert all(line.startswith(indent) for line in lines)
    for a, b in zip(lines, lines[1:], strict=False):  # no number cut from its unit or digits
        assert not (a[-1:].isdigit() and (b.lstrip()[:1].isdigit() or b.lstrip()[:1] in "万元个年月%"))


# --------------------------------------------------------------------------- encodings


def test_fallbacks_for_what_an_encoding_lacks():
    protect_streams()  # registers the error handler
    shown = "进度 ▰▰▱▱ 45% −3 一 ⏎ 二 ─"
    assert shown.encode("gbk", ENCODE_ERRORS).decode("gbk") == "进度 ##-- 45% -3 一 / 二 ─"
    assert shown.encode("latin-1", ENCODE_ERRORS).decode("latin-1") == "?? ##-- 45% -3 ? / ? -"
    assert [fallback(ch) for ch in "，（）：“”😀"] == [",", "(", ")", ":", '"', '"', "?"]
    assert "▰—".encode("gb18030", ENCODE_ERRORS).decode("gb18030") == "▰—"  # it has them all


def test_chrome_follows_the_encoding_and_the_ambiguous_setting():
    assert Chrome.for_output("utf-8") == Chrome()
    gbk = Chrome.for_output("gbk")
    assert (gbk.full, gbk.empty, gbk.rule, gbk.none) == ("#", "-", "─", "—")
    assert Chrome.for_output("gb18030").full == "▰"
    latin = Chrome.for_output("latin-1")
    assert (latin.rule, latin.none) == ("-", "-")
    wide = Chrome.for_output("utf-8", ambiguous_wide=True)
    assert (wide.full, wide.empty, wide.rule, wide.none, wide.dot) == ("#", "-", "-", "-", "  ")


def run(*args: str, encoding: str = "utf-8", **env: str) -> tuple[int, str, str]:
    """`anmin ARGS` as a real process writing ``encoding``; its output decoded strictly."""
    full_env = {**os.environ, "COLUMNS": "120", "PYTHONIOENCODING": encoding, **env}
    done = subprocess.run([str(ANMIN), *args], capture_output=True, env=full_env, timeout=60)
    return done.returncode, done.stdout.decode(encoding), done.stderr.decode(encoding)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "latin-1"])
@pytest.mark.slow  # 0.6 s on the 2-core CI host: the fast pass stays under 30 s
def test_every_screen_works_in_a_narrow_encoding(cli, encoding):
    chinese = encoding != "latin-1"
    assert cli("goals", "update", "2.1", "-p", "30", "-d", "2024-05-20").exit_code == 0  # log: a "+3 −0 行" next
    code, out, err = run(
        "goals",
        "update",
        "1.2",
        "--progress",
        "45",
        "--date",
        "2024-05-28",
        "--note",
        "完成展陈方案",
        encoding=encoding,
    )
    assert code == 0 and err == "" and ("已记录 1.2" if chinese else "1.2") in out
    day = ("--as-of", "2024-05-31")
    screens = {
        "list": run("goals", "list", *day, encoding=encoding),
        "tasks": run("goals", "list", "--tasks", *day, encoding=encoding),
        "show": run("goals", "show", "1.2", *day, encoding=encoding),
        "log": run("log", encoding=encoding),
    }
    for name, (code, out, err) in screens.items():
        assert code == 0 and err == "", (name, err)
        assert "42%" in out or name == "log", name
    code, out, err = run("goals", "show", "9.9", encoding=encoding)
    assert code == 2 and out == "" and "'9.9'" in err and "内部错误" not in err and err.endswith("\n")
    show, log = screens["show"][1], screens["log"][1]
    minus = "−" if encoding == "gb18030" else "-"
    if chinese:
        assert "高标准建设红色教育基地" in screens["tasks"][1] and "完成展陈方案" in show
        assert err.startswith("错误：没有编号为 '9.9'") and re.search(rf"（\+\d+ {minus}0 行）", log)
        bar = "▰▰▰▰▱▱▱▱▱▱" if encoding == "gb18030" else "####------"  # GB18030 has every character
        assert f"{bar}  45%" in show
    else:
        assert err.startswith("??:") and "?" in show and "####------  45%" in show
        assert "anmin goals update 1.2 --progress 45" in log and re.search(r"\(\+\d+ -0 \?\)", log)


# --------------------------------------------------------------------------- 80 columns


def cells_before(line: str, part: str, wide: bool = False) -> int:
    return cell_width(line[: line.index(part)], wide)


def table_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if line.strip()]


def assert_fits(out: str, width: int, wide: bool = False) -> None:
    for line in out.splitlines():
        assert cell_width(line, wide) <= width, line
        for cell in re.split(" {2,}", line.strip()):  # what each column shows on this line
            assert cell[:1] not in NO_LINE_START, line
            assert cell[-1:] not in NO_LINE_END, line


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_tasks_at_80_columns_give_titles_the_room():
    code, out, _ = run("goals", "list", "--tasks", "--as-of", "2024-05-31", COLUMNS="80")
    assert code == 0
    assert_fits(out, 80)
    header = next(line for line in out.splitlines() if line.startswith("编号"))
    assert cells_before(header, "责任人") - cells_before(header, "重点工作") >= 24 + 2
    assert "最近更新" not in header and out.rstrip().endswith(OMITTED_UPDATED)
    lines = out.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("1.1 "))
    title_at = cells_before(lines[first], "推进")
    assert lines[first + 1].startswith(" " * title_at) and lines[first + 1][title_at:][:1] != " "
    assert re.search(r"^1\.2 +高标准建设红色教育基地 .* 0% +42% +红灯", out, re.M)  # a number, no bar

    code, wide_out, _ = run("goals", "list", "--tasks", "--as-of", "2024-05-31", COLUMNS="120")
    assert code == 0 and "最近更新" in wide_out and "已省略" not in wide_out and "▱▱▱▱▱▱▱▱▱▱   0%" in wide_out


def test_goals_at_80_columns_never_drop_a_column_silently():
    code, out, _ = run("goals", "list", "--as-of", "2024-05-31", COLUMNS="80")
    assert code == 0
    assert_fits(out, 80)
    header = next(line for line in out.splitlines() if line.startswith("编号"))
    note = out.splitlines()[-1]
    for name in ("进度", "序时", "亮灯", "任务分布", "最近更新"):
        assert name in header or (note.startswith("（窗口较窄") and name in note), name
    assert cells_before(header, "进度") - cells_before(header, "重点工作") >= 24 + 2


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_task_details_at_80_columns(cli):
    assert (
        cli(
            "goals", "update", "1.2", "-p", "45", "-d", "2024-05-28", "--note", NOTE, "--problem", "资金缺口约12万元"
        ).exit_code
        == 0
    )
    code, out, _ = run("goals", "show", "1.2", "--as-of", "2024-05-31", COLUMNS="80")
    assert code == 0
    assert_fits(out, 80)
    assert "30万元" in out and "95%以上" in out and "12万元" in out
    code, out, _ = run("goals", "show", "1", "--as-of", "2024-05-31", COLUMNS="80")
    assert code == 0
    assert_fits(out, 80)


def test_ambiguous_wide_terminals_get_unambiguous_chrome():
    code, out, _ = run("goals", "list", "--tasks", "--as-of", "2024-05-31", COLUMNS="80", ANMIN_AMBIGUOUS_WIDE="1")
    assert code == 0
    assert_fits(out, 80, wide=True)
    assert not set("─—·▰▱") & set(out) and "-" * 80 in out
    header = next(line for line in out.splitlines() if line.startswith("编号"))
    tasks = [line for line in out.splitlines() if re.match(r"\d\.\d ", line)]
    columns = {cells_before(line, "待认领", wide=True) for line in tasks}  # as that terminal draws them
    assert columns == {cells_before(header, "责任人", wide=True)}, columns


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(st.sampled_from("安民乡，。、（）“”《》 abc12%万元\n😀é\u0301\t"), max_size=40),
    width=st.integers(2, 20),
)
def test_wrap_of_any_text_stays_in_width_and_loses_nothing(text, width):
    for wide in (False, True):
        lines = wrap_cjk(text, width, ambiguous_wide=wide)
        assert all(cell_width(line, wide) <= width for line in lines), lines
        assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", "")


def test_the_setting_hook_and_the_environment_over_it(monkeypatch):
    monkeypatch.delenv(grid.AMBIGUOUS_ENV, raising=False)
    try:
        assert not grid.ambiguous_wide()  # narrow by default
        grid.configure(ambiguous_wide=True)  # goals.toml [settings]
        assert grid.ambiguous_wide()
        monkeypatch.setenv(grid.AMBIGUOUS_ENV, "0")  # this terminal says otherwise
        assert not grid.ambiguous_wide()
    finally:
        grid.configure(None)


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_the_plan_setting_turns_wide_mode_on(data_dir):
    """`ambiguous_wide = true` in [settings] does what ANMIN_AMBIGUOUS_WIDE=1 does, for everyone using the folder."""
    plan = data_dir / "goals.toml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("stale_days = 35", "stale_days = 35\nambiguous_wide = true")
    )
    code, out, _ = run("goals", "list", "--tasks", "--as-of", "2024-05-31", COLUMNS="80")
    assert code == 0 and "─" not in out and "—" not in out
    code, out, _ = run("goals", "list", "--tasks", "--as-of", "2024-05-31", COLUMNS="80", ANMIN_AMBIGUOUS_WIDE="0")
    assert code == 0 and "─" in out
