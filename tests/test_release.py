"""Releases have numbers: one version, shown by `anmin --version`, recorded in CHANGELOG.md with the data formats it writes."""

from __future__ import annotations

import re
from importlib.metadata import version

from anmin_track import __version__, model
from anmin_track.store import journal
from conftest import REPO

CHANGELOG = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")


def newest_release() -> tuple[str, str]:
    """The newest release's version and its section of the changelog."""
    found = re.search(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}\n(.*?)(?=^## \[|\Z)", CHANGELOG, re.M | re.S)
    assert found, "CHANGELOG.md has no release heading like ## [0.2.0] - 2026-12-02"
    return found.group(1), found.group(2)


def test_the_version_is_one_number_everywhere(cli):
    number, _ = newest_release()
    assert __version__ == number == version("anmin-track")
    result = cli("--version")
    assert result.exit_code == 0 and result.stdout == f"anmin-track {number}\n"


def test_the_newest_release_names_the_data_formats_it_writes():
    _, section = newest_release()
    assert f"计划 `schema = {model.PLAN_SCHEMA}`" in section
    assert f"进展记录 `schema = {model.SCHEMA}`" in section
    assert f"修改记录 `format = {journal.JOURNAL_FORMAT}`" in section


def test_every_release_since_the_first_is_there_in_order():
    versions = re.findall(r"^## \[(\d+)\.(\d+)\.(\d+)\]", CHANGELOG, re.M)
    numbers = [tuple(map(int, v)) for v in versions]
    assert numbers == sorted(numbers, reverse=True) and numbers[-1] == (0, 1, 0)
