"""Issue 29 §1: a file the user names is a regular file of bounded size, and an Office file crafted
to exhaust time or memory (a huge claimed range, a zip bomb, a DTD, malformed XML) is refused in
bounded time and memory with one Chinese sentence."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from tests.conftest import ANMIN

SHEET = "xl/worksheets/sheet1.xml"


def _ledger(tmp_path: Path) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "序号"
    book.active["A2"] = "1.1"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _with_member(content: bytes, name: str, change) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            dst.writestr(info.filename, change(data) if info.filename == name else data)
    return out.getvalue()


def _far_cells(xml: bytes) -> bytes:
    return xml.replace(
        b"</row></sheetData>", b'</row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
    )


def _huge_merge(xml: bytes) -> bytes:
    return xml.replace(
        b"</sheetData>", b'</sheetData><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>'
    )


def _claimed_dimension(xml: bytes) -> bytes:
    import re

    return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', xml)


def _malformed(xml: bytes) -> bytes:
    return xml[: len(xml) // 2]


def _laughs(xml: bytes) -> bytes:
    entities = b"".join(b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;">' % (n, n - 1, n - 1, n - 1, n - 1) for n in range(1, 30))
    head = b'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "ha">' + entities + b"]>"
    body = xml.split(b"?>", 1)[-1]
    return (
        head + body.replace(b"<v>", b"<v>&l29;", 1)
        if b"<v>" in body
        else head + body.replace(b"</row>", b'<c r="B1" t="inlineStr"><is><t>&l29;</t></is></c></row>', 1)
    )


def _bomb(xml: bytes) -> bytes:
    return xml + b" " * (100 * 1024 * 1024)  # compresses to well under 1 MB


def _many_cells(xml: bytes) -> bytes:
    cells = b"".join(b'<c r="A%d"><v>1</v></c>' % n for n in range(3, 40_000))
    return xml.replace(b"</row></sheetData>", b'</row><row r="3">' + cells + b"</row></sheetData>")


@pytest.mark.parametrize(
    "damage",
    [_far_cells, _huge_merge, _claimed_dimension, _malformed, _laughs, _bomb, _many_cells],
    ids=["far-cell", "huge-merge", "claimed-dimension", "malformed-xml", "entities", "zip-bomb", "many-cells"],
)
@pytest.mark.slow  # 0.6 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_hostile_xlsx_is_refused_in_bounded_time_and_memory(data_dir, tmp_path, damage):
    hostile = tmp_path / "台账.xlsx"
    hostile.write_bytes(_with_member(_ledger(tmp_path), SHEET, damage))
    assert hostile.stat().st_size < 1024 * 1024
    env = {**os.environ, "ANMIN_DATA": str(data_dir)}
    result = subprocess.run(
        [sys.executable, "-c", MEASURED, str(ANMIN), "import", str(hostile)],
        capture_output=True, text=True, env=env, timeout=60,
    )  # fmt: skip
    *said, measured = result.stderr.strip().splitlines()
    code, elapsed, peak_kb = measured.split()
    assert code in ("1", "2"), result.stderr
    assert len(said) == 1 and said[0].startswith("错误：台账.xlsx") and "内部错误" not in said[0], result.stderr
    assert float(elapsed) <= 2.0, elapsed
    assert int(peak_kb) <= 200 * 1024, peak_kb


#: Runs the command from a small process, so its peak memory is its own (a child forked from
#: this test process would count the test's pages until it execs), and prints code, seconds, KB.
MEASURED = """
import resource, subprocess, sys, time
started = time.monotonic()
code = subprocess.run(sys.argv[1:]).returncode
print(code, round(time.monotonic() - started, 3), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
"""


def test_a_named_file_that_is_a_fifo_or_a_folder_is_refused_at_once(cli, tmp_path):
    fifo = tmp_path / "台账.csv"
    os.mkfifo(fifo)
    result = cli("import", str(fifo))  # a read would block for ever
    assert result.exit_code == 2 and "不是普通文件" in result.output
    assert cli("import", str(tmp_path)).exit_code == 2
    assert "不是普通文件" in cli("plan", "import", str(fifo), "--year", "2025").output


def test_a_named_file_too_large_is_not_read(cli, tmp_path):
    big = tmp_path / "台账.csv"
    with big.open("wb") as f:
        f.truncate(6 * 1024 * 1024)
    result = cli("import", str(big))
    assert result.exit_code == 2 and "大于 5 MB" in result.output


@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_hostile_template_is_refused(cli, tmp_path):
    template = tmp_path / "红头.docx"
    doc = io.BytesIO()
    with zipfile.ZipFile(doc, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"<w:document>" + b" " * (100 * 1024 * 1024))
    template.write_bytes(doc.getvalue())
    result = cli("report", "monthly", "2024-05", "-o", str(tmp_path / "月报.docx"), "--template", str(template))
    assert result.exit_code == 1 and "解压后超过" in result.output
