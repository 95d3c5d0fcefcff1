"""The README is a page and the manual (docs/) a book, both what the township's clerks read: every command is in the
manual, and the Chinese prose uses full-width punctuation.

Fenced blocks (console output, commands, TOML) and inline `code` are what the program prints or what
staff type, so they are left out; only the prose around them is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer

from anmin_track.cli import app
from test_first_hour import HALF_WIDTH_NEXT_TO_CHINESE

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
#: One page of the manual per job a clerk or an office has (issue: a manual that is a book).
JOBS = (
    "日常记录",
    "新年度计划",
    "报告与公文",
    "督办",
    "台账",
    "多台电脑同步",
    "县级汇总",
    "离线安装",
    "数据安全与恢复",
    "出错时怎么办",
    "性能",
)
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK_TARGET = re.compile(r"\]\([^)\s]*\)")  # [名称](docs/页.md): the target is a path, not prose


def prose_lines(markdown: str):
    """(line number, line) for each line outside fenced blocks, inline code replaced by a neutral mark."""
    fenced = False
    for number, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            yield number, LINK_TARGET.sub("]·", INLINE_CODE.sub("·", line))


def half_width_next_to_chinese(markdown: str, name: str = "README.md") -> list[str]:
    return [
        f"{name}:{number}: {line}" for number, line in prose_lines(markdown) if HALF_WIDTH_NEXT_TO_CHINESE.search(line)
    ]


@pytest.mark.parametrize(
    "path", [README, ROOT / "CHANGELOG.md", *(DOCS / f"{job}.md" for job in JOBS)], ids=lambda p: p.name
)
def test_prose_uses_full_width_punctuation_next_to_chinese(path):
    offending = half_width_next_to_chinese(path.read_text(encoding="utf-8"), path.name)
    assert not offending, "\n".join(offending)


def test_the_readme_is_a_page_that_points_into_the_manual():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 250
    assert sorted(p.stem for p in DOCS.glob("*.md")) == sorted(JOBS)
    links = re.findall(r"\]\((docs/[^)]+|CHANGELOG\.md|CONTRIBUTING\.md)\)", text)
    assert {f"docs/{job}.md" for job in JOBS} <= set(links)
    assert all((ROOT / link).is_file() for link in links)
    for page in DOCS.glob("*.md"):  # links between pages of the manual lead somewhere
        for link in re.findall(r"\]\(([^)#:]+\.md)\)", page.read_text(encoding="utf-8")):
            assert (page.parent / link).resolve().is_file(), (page.name, link)


def _command_paths() -> list[str]:
    """Every command and subcommand `anmin --help` lists, as typed after `anmin`."""

    def walk(group, prefix: str):
        for name, command in group.commands.items():
            if name in ("--install-completion", "--show-completion"):
                continue
            path = f"{prefix} {name}".strip()
            if hasattr(command, "commands"):
                yield from walk(command, path)
            else:
                yield path

    return list(walk(typer.main.get_command(app), ""))


def test_every_command_is_in_the_manual():
    manual = "\n".join(page.read_text(encoding="utf-8") for page in DOCS.glob("*.md"))
    paths = _command_paths()
    assert "plan import" in paths and "goals list" in paths  # the walk sees subcommands
    missing = [path for path in paths if f"anmin {path}" not in manual]
    assert not missing, f"commands no page of docs/ shows: {missing}"


def test_the_check_sees_prose_but_not_code():
    markdown = "\n".join(
        [
            "数据目录是唯一记录,`anmin` 保证：",  # prose: caught
            "写成 `文件:行: 说明`（代码不算）。",  # inline code: not caught
            "```console",
            "检查通过:4 项重点工作",  # fenced: not caught
            "```",
            "`--yes`(`-y`)不询问",  # a half-width bracket next to Chinese, after code: caught
            "English (two commands, Python 3.11), 10:00 and 1,000.",
            "见[督办](docs/督办.md)。",  # a link's target is a path: not caught
            "见[督办](docs/督办.md)(另见)。",  # but a bracket after it is prose: caught
        ]
    )
    assert [entry.split(":")[1] for entry in half_width_next_to_chinese(markdown)] == ["1", "6", "9"]
