"""Issue 27 §3: a template is never the output. `--template X -o X` — however X is spelled,
or another name of the same file — is refused before anything is written or numbered."""

import os
from pathlib import Path

import pytest

from conftest import snapshot

RED_TASK = ("2.2",)


@pytest.fixture
def template(anmin, data_dir, tmp_path) -> Path:
    """A real .docx to serve as the 红头 template (one of our own reports)."""
    path = tmp_path / "out" / "红头模板.docx"
    path.parent.mkdir()
    made = anmin("report", "monthly", "2024-05", "-o", str(path))
    assert made.returncode == 0, made.stderr
    return path


def _same_file_names(template: Path) -> list[str]:
    link = template.with_name("硬链接.docx")
    os.link(template, link)
    return [str(template), str(template.parent / ".." / template.parent.name / template.name), str(link)]


COMMANDS = {
    "monthly": ("report", "monthly", "2024-05"),
    "quarterly": ("report", "quarterly", "2024-Q2"),
    # the bundled plan names no one for its tasks: --to; the date is far from today: --yes
    "notice": ("report", "notice", *RED_TASK, "--date", "2024-06-03", "--to", "乡综治办", "--yes"),
    "notice-preview": ("report", "notice", *RED_TASK, "--date", "2024-06-03", "--preview", "--to", "乡综治办"),
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_the_template_as_output_is_refused_before_anything_is_written(anmin, data_dir, template, command):
    original = template.read_bytes()
    before = snapshot(data_dir)
    for name in _same_file_names(template):
        result = anmin(*COMMANDS[command], "--template", str(template), "-o", name)
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith("错误：") and "模板" in result.stderr and "--output" in result.stderr
        assert "Traceback" not in result.stderr and result.stdout == ""
        assert template.read_bytes() == original
        assert snapshot(data_dir) == before  # no 督办单 number registered either
        assert sorted(p.name for p in template.parent.iterdir()) == ["硬链接.docx", "红头模板.docx"]


@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_template_beside_the_output_still_works(anmin, data_dir, template):
    original = template.read_bytes()
    target = template.with_name("六月督办单.docx")
    result = anmin(*COMMANDS["notice"], "--template", str(template), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert template.read_bytes() == original and target.exists()
    listed = anmin("report", "notice", "--list")
    assert "督办〔2024〕1号" in listed.stdout and "共1份" in listed.stdout
