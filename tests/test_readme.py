"""The README is what the township's clerks read: its Chinese prose uses full-width punctuation.

Fenced blocks (console output, commands, TOML) and inline `code` are what the program prints or what
staff type, so they are left out; only the prose around them is checked.
"""

from __future__ import annotations

import re
from pathlib import Path

from test_first_hour import HALF_WIDTH_NEXT_TO_CHINESE

README = Path(__file__).resolve().parent.parent / "README.md"
INLINE_CODE = re.compile(r"`[^`\n]*`")


def prose_lines(markdown: str):
    """(line number, line) for each line outside fenced blocks, inline code replaced by a neutral mark."""
    fenced = False
    for number, line in enumerate(markdown.splitlines(), 1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced:
            yield number, INLINE_CODE.sub("·", line)


def half_width_next_to_chinese(markdown: str) -> list[str]:
    return [f"README.md:{number}: {line}" for number, line in prose_lines(markdown)
            if HALF_WIDTH_NEXT_TO_CHINESE.search(line)]


def test_readme_prose_uses_full_width_punctuation_next_to_chinese():
    offending = half_width_next_to_chinese(README.read_text(encoding="utf-8"))
    assert not offending, "\n".join(offending)


def test_the_check_sees_prose_but_not_code():
    markdown = "\n".join([
        "数据目录是唯一记录,`anmin` 保证：",   # prose: caught
        "写成 `文件:行: 说明`（代码不算）。",    # inline code: not caught
        "```console",
        "检查通过:4 项重点工作",               # fenced: not caught
        "```",
        "`--yes`(`-y`)不询问",                 # a half-width bracket next to Chinese, after code: caught
        "English (two commands, Python 3.11), 10:00 and 1,000.",
    ])
    assert [entry.split(":")[1] for entry in half_width_next_to_chinese(markdown)] == ["1", "6"]
