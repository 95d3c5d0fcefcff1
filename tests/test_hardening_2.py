"""Hardening III, part 2 (issue 28): nothing written or shown where it should not be, and no silent wrong
result. Each kind is attacked more than one way, against the installed `anmin` where a process can show it.
(Word templates: tests/test_template_safety.py.)"""

import os
import stat
from pathlib import Path

import pytest

from conftest import snapshot

posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX symbolic links and permissions")


def no_traceback(result) -> None:
    assert "Traceback" not in result.stderr and "程序内部错误" not in result.stderr, result.stderr


def edit_plan(data_dir: Path, old: str, new: str) -> None:
    plan = data_dir / "goals.toml"
    text = plan.read_text(encoding="utf-8")
    assert old in text
    plan.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(data_dir: Path, needle: str) -> int:
    lines = (data_dir / "goals.toml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


# --------------------------------------------------------------------------- -o never follows a planted link


@posix_only
@pytest.mark.parametrize(
    ("command", "points_at"),
    [
        ("report", "existing"),
        ("export", "missing"),
        pytest.param("notice", "existing", marks=pytest.mark.slow),
        pytest.param("report", "missing", marks=pytest.mark.slow),
        pytest.param("export", "existing", marks=pytest.mark.slow),
    ],
)
@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_output_refuses_a_symlink_planted_under_its_name(anmin, data_dir, tmp_path, command, points_at):
    """Another account plants `月报.docx -> victim` in a shared, sticky, world-writable folder: nothing is
    written through it, the victim keeps its bytes (or is not created), the link stays as it was."""
    shared = tmp_path / "共享"
    shared.mkdir()
    shared.chmod(0o1777)
    victim = tmp_path / "别人的文件.txt"
    if points_at == "existing":
        victim.write_text("别人的内容\n", encoding="utf-8")
    link = shared / "输出.docx"
    link.symlink_to(victim)
    args = {
        "report": ("report", "monthly", "2024-05"),
        "export": ("export", "--format", "xlsx"),
        "notice": ("report", "notice", "2.2", "--to", "乡交通办", "--date", "2024-06-03", "--preview"),
    }[command]
    result = anmin(*args, "-o", str(link))
    no_traceback(result)
    assert result.returncode == 1 and "符号链接" in result.stderr and "输出.docx" in result.stderr
    assert os.readlink(link) == str(victim) and [p.name for p in shared.iterdir()] == ["输出.docx"]
    if points_at == "existing":
        assert victim.read_text(encoding="utf-8") == "别人的内容\n"
    else:
        assert not victim.exists()


@posix_only
def test_output_through_a_linked_folder_still_works(anmin, data_dir, tmp_path):
    """Only the final name may not be a link: a folder reached through one (the staff's own choice) is fine."""
    real = tmp_path / "真实文件夹"
    real.mkdir()
    (tmp_path / "快捷方式").symlink_to(real)
    result = anmin("export", "-o", str(tmp_path / "快捷方式" / "台账.csv"))
    assert result.returncode == 0, result.stderr
    assert (real / "台账.csv").is_file()


# --------------------------------------------------------------------------- file names made of the data

ESCAPES = [
    ("../../逃出去", "/"),
    ("..\\\\..\\\\逃出去", "\\"),
    ("安民乡\\u0000", "\\x00"),
    ("安民\\u001b]0;标题\\u0007乡", "\\x1b"),
    ("..", "“..”"),
    ("安民乡:流", ":"),
]


@pytest.mark.parametrize(
    ("org", "named"),
    ESCAPES[:2] + [pytest.param(*e, marks=pytest.mark.slow) for e in ESCAPES[2:]],
    ids=[n for _, n in ESCAPES],
)
@pytest.mark.slow  # 0.5 s on the 2-core CI host: the fast pass stays under 30 s
def test_an_org_that_would_leave_the_folder_is_refused_by_file_and_line(anmin, data_dir, tmp_path, org, named):
    edit_plan(data_dir, 'org = "安民乡"', f'org = "{org}"')
    line = line_of(data_dir, "org = ")
    before = {p.name for p in tmp_path.iterdir()}
    check = anmin("check")
    no_traceback(check)
    assert check.returncode == 1 and f"goals.toml:{line}:" in check.stdout + check.stderr
    assert named in check.stdout + check.stderr and "文件名" in check.stdout + check.stderr
    for args in (("export",), ("report", "monthly", "2024-05", "--format", "docx")):
        result = anmin(*args)  # the default file name would be made of org
        no_traceback(result)
        assert result.returncode == 1 and f"goals.toml:{line}" in result.stderr
    assert {p.name for p in tmp_path.iterdir()} == before
    assert not list(tmp_path.parent.glob("*逃出去*"))


def test_a_plan_title_with_a_separator_is_refused(anmin, data_dir):
    edit_plan(data_dir, 'title = "2024年工作思路要点"', 'title = "2024年/../工作思路要点"')
    result = anmin("check")
    assert result.returncode == 1 and f"goals.toml:{line_of(data_dir, 'title = ')}:" in result.stdout + result.stderr


def test_default_names_are_plain_file_names(anmin, data_dir, tmp_path):
    """Belt and braces: a name the data makes is one file in the current folder."""
    from anmin_track.text import file_name, name_problem

    for raw in ["../../etc/passwd", "a\\b", "x\x00y", "\x1b]0;t\x07", "..", " .隐藏", "C:\\Windows"]:
        name = file_name(raw)
        assert name and not name_problem(name) and Path(name).name == name and name not in (".", "..")
    assert file_name("安民乡工作台账_2024-05-31.csv") == "安民乡工作台账_2024-05-31.csv"
    result = anmin("export")
    assert result.returncode == 0 and (tmp_path / "安民乡工作台账_2024-12-31.csv").is_file(), result.stderr


# --------------------------------------------------------------------------- the terminal sees no raw controls

CONTROLS = "\\u001b[31m\\u001b]8;;http://x.example\\u0007\\u202e\\u2066\\u009b"
RAW = ("\x1b", "\x07", "\u202e", "\u2066", "\x9b")


@pytest.mark.slow  # 1.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_text_from_every_field_reaches_the_terminal_escaped(anmin, data_dir):
    for old, new in [
        ('title = "深化转型升级,加速产业发展融合提档"', f'title = "深化{CONTROLS}转型"'),
        ('title = "高标准建设红色教育基地"', f'title = "高标准{CONTROLS}基地"'),
        ('lead = ""', f'lead = "张{CONTROLS}三"'),
        ('unit = ""', f'unit = "党政{CONTROLS}办"'),
        ('owner = ""', f'owner = "李{CONTROLS}四"'),
        ("partners = []", f'partners = ["农{CONTROLS}办"]'),
        ('addressee = "县委、县政府"', f'addressee = "县委{CONTROLS}"'),
    ]:
        edit_plan(data_dir, old, new)
    user = {"ANMIN_USER": "王\x1b[5m五\u202e"}
    written = anmin(
        "goals",
        "update",
        "1.2",
        "-p",
        "40",
        "-d",
        "2024-05-20",
        "--note",
        "进\x1b]0;x\x07展",
        "--problem",
        "问\u2066题",
        env=user,
    )
    assert written.returncode == 0, written.stderr
    commands = [
        ("check",),
        ("goals", "list", "--tasks"),
        ("goals", "show", "1.2"),
        ("log",),
        ("report", "monthly", "2024-05"),
        ("export", "-o", "-"),
        ("report", "notice", "1.2", "--date", "2024-06-01", "--preview"),
    ]
    for args in commands:
        result = anmin(*args, env=user)
        no_traceback(result)
        shown = result.stdout + result.stderr
        assert not [c for c in RAW if c in shown], (args, [c for c in RAW if c in shown])
    assert "\\x1b" in anmin("goals", "show", "1.2").stdout  # shown literally, not dropped


# --------------------------------------------------------------------------- init --shared


@posix_only
@pytest.mark.parametrize(
    "content", ["hidden", pytest.param("file", marks=pytest.mark.slow), pytest.param("folder", marks=pytest.mark.slow)]
)
@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_init_shared_will_not_open_a_home_folder_to_the_group(anmin, tmp_path, content):
    home = tmp_path / "家目录"
    home.mkdir(mode=0o700)
    {
        "file": lambda: (home / "私人.txt").write_text("私人\n"),
        "hidden": lambda: (home / ".bashrc").write_text(""),
        "folder": lambda: (home / "文档").mkdir(),
    }[content]()
    before = (stat.S_IMODE(home.stat().st_mode), snapshot(home))
    result = anmin("init", str(home), "--shared")
    no_traceback(result)
    assert result.returncode == 2 and "--force" in result.stderr and "家目录" in result.stderr
    assert (stat.S_IMODE(home.stat().st_mode), snapshot(home)) == before
    assert not (home / "goals.toml").exists()
    forced = anmin("init", str(home), "--shared", "--force")
    assert forced.returncode == 0, forced.stderr
    assert home.stat().st_mode & stat.S_IWGRP and (home / "goals.toml").is_file()


@posix_only
@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_init_shared_still_makes_a_new_or_empty_folder(anmin, tmp_path):
    (tmp_path / "空文件夹").mkdir()
    for name in ("空文件夹", "新文件夹"):
        result = anmin("init", str(tmp_path / name), "--shared")
        assert result.returncode == 0, result.stderr
        assert (tmp_path / name).stat().st_mode & stat.S_ISGID
    plain = tmp_path / "有东西"
    plain.mkdir()
    (plain / "旧.txt").write_text("")
    assert anmin("init", str(plain)).returncode == 0  # not shared: nothing is opened to anyone
