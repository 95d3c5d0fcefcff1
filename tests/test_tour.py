"""The tour of docs/日常记录.md runs as written: its console blocks marked ``<!-- tour -->`` are run in
order on a fresh data folder, each command's output compared with what the page shows.

Steps the page does not show (other staff's records between two blocks) are written in the page
as ``<!-- tour: `anmin …` -->`` and run in their place. What changes from run to run is made equal
on both sides: the moment a change was made (in `anmin log`, in the refusal of a repeated record). A line ``...`` in a
block stands for any number of lines.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "日常记录.md"
MARK = "<!-- tour -->"
HIDDEN = re.compile(r"^<!-- tour: `(.+)` -->$")
#: When a change was made (a day and a clock time, or a clock time alone): another on every run.
MOMENT = re.compile(r"(?:\d{4}年\d{1,2}月\d{1,2}日 )?\b\d{1,2}:\d{2}(?::\d{2})?\b")


def tour(text: str) -> list[tuple[str, list[str] | None]]:
    """(command line, lines it prints; None for a hidden step) in page order."""
    steps: list[tuple[str, list[str] | None]] = []
    lines = text.splitlines()
    marked = inside = False
    for line in lines:
        if inside:
            if line.startswith("```"):
                inside = False
            elif line.startswith("$ "):
                steps.append((line[2:], []))
            elif steps and steps[-1][0].endswith("\\"):
                steps[-1] = (steps[-1][0][:-1] + " " + line.strip(), [])
            else:
                output = steps[-1][1]
                assert output is not None
                output.append(line)
        elif hidden := HIDDEN.match(line):
            steps.append((hidden.group(1), None))
        elif line == MARK:
            marked = True
        elif marked and line.startswith("```console"):
            marked, inside = False, True
    return steps


def same(line: str) -> str:
    return MOMENT.sub("（时刻）", line.rstrip())


def matches(shown: list[str], got: list[str]) -> bool:
    """Whether ``got`` is ``shown``, a ``...`` line in ``shown`` standing for any lines."""
    if not shown:
        return not got
    if shown[0].strip() == "...":
        return any(matches(shown[1:], got[n:]) for n in range(len(got) + 1))
    return bool(got) and same(shown[0]) == same(got[0]) and matches(shown[1:], got[1:])


def test_the_page_has_a_tour():
    steps = tour(DOC.read_text(encoding="utf-8"))
    assert len([s for s in steps if s[1] is not None]) >= 8
    assert any("amend" in command for command, _ in steps) and any("retract" in command for command, _ in steps)
    assert any(command.startswith("anmin report annual") for command, _ in steps)  # and the annual title


def test_the_tour_runs_as_written(cli, monkeypatch):
    monkeypatch.setenv("ANMIN_USER", "李明")
    monkeypatch.setenv("COLUMNS", "100")
    for command, shown in tour(DOC.read_text(encoding="utf-8")):
        words, _, pipe = command.partition(" | ")
        args = shlex.split(words, comments=True)
        assert args[0] == "anmin", command
        result = cli(*args[1:])
        got = (result.stdout + result.stderr).rstrip("\n").splitlines()
        if pipe:
            how, count = pipe.split()[0], int(pipe.split()[1].lstrip("-"))
            got = got[:count] if how == "head" else got[-count:]
        if shown is None:
            assert result.exit_code == 0, (command, result.output)
            continue
        assert matches(shown, got), (
            f"$ {command}\n--- the page shows:\n" + "\n".join(shown) + "\n--- it printed:\n" + "\n".join(got)
        )


@pytest.mark.parametrize(
    ("shown", "got", "equal"),
    [
        (["a", "...", "d"], ["a", "b", "c", "d"], True),
        (["a", "d"], ["a", "b", "d"], False),
        (["#5  2024年6月3日 09:12:40  李明"], ["#5  2026年1月2日 10:00:01  李明"], True),
        (["进度 45%"], ["进度 46%"], False),
    ],
)
def test_the_comparison_can_fail(shown, got, equal):
    assert matches(shown, got) is equal
