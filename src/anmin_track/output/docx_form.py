"""The forms of a Word file (the 督办单): rows of ``field`` blocks as one ruled table, and sections whose
pages are numbered from 1. Only ``output.docx`` imports this module, on the path that writes a .docx.

A form's rows are in 四号仿宋 (14 pt) on an 18 pt line, not the 三号 of the body, so that a whole 督办单
(its title, eleven rows with room to write a reply, its 落款) fits one page. Names of fields are
bold; a blank field (text "") is ``BLANK_LINES`` empty lines high, to fill in by hand.
"""

from __future__ import annotations

import docx
from docx.oxml.ns import qn
from docx.shared import Twips

from anmin_track.output.document import Block
from anmin_track.output.docx_style import (
    FANGSONG,
    RECORD_SIZE_PT,
    TEXT_WIDTH,
    _el,
    _ppr,
    _rpr,
    _run,
    _Style,
    clean_lines,
)

FORM_LINE = 360  # twips: 18 pt a line for 14 pt characters
BLANK_LINES = 3
#: Column widths (twips): the first names (办理情况反馈: six 四号 characters and the cell's margins), a
#: value, a second name (four characters: 成文日期), a value (a date or a number on one line).
LABEL_WIDTH, SECOND_LABEL_WIDTH = 1900, 1500
HALF_WIDTH = (TEXT_WIDTH - LABEL_WIDTH - SECOND_LABEL_WIDTH) // 2
WIDTHS = (LABEL_WIDTH, HALF_WIDTH, SECOND_LABEL_WIDTH, HALF_WIDTH)
_CELL = _Style(FANGSONG, RECORD_SIZE_PT, "left", on_grid=False)
_LABEL = _Style(FANGSONG, RECORD_SIZE_PT, "center", bold=True, on_grid=False)


def write_form(target: docx.document.Document, rows: list[Block]) -> None:
    """``rows`` (``field`` and ``field_half`` blocks) as one table: a ``field`` across the row, two ``field_half`` side by side."""
    table = target.add_table(rows=0, cols=4)
    _rule(table)
    table.autofit = False
    for column, width in zip(table.columns, WIDTHS, strict=True):
        column.width = Twips(width)
    n = 0
    while n < len(rows):
        row = table.add_row()
        for cell, width in zip(row.cells, WIDTHS, strict=True):
            cell.width = Twips(width)
        block = rows[n]
        if block.kind == "field_half" and n + 1 < len(rows) and rows[n + 1].kind == "field_half":
            for k, half in enumerate(rows[n : n + 2]):
                _fill(row.cells[2 * k], half.label, _LABEL)
                _fill(row.cells[2 * k + 1], half.text, _CELL)
            n += 2
            continue
        _fill(row.cells[0], block.label, _LABEL)
        _fill(row.cells[1].merge(row.cells[3]), block.text, _CELL, BLANK_LINES if block.kind == "field" else 1)
        n += 1


def _fill(cell, text: str, style: _Style, blank_lines: int = 1) -> None:
    """Write ``text`` in ``cell`` (its first paragraph, one more for each line); blank: ``blank_lines`` empty lines."""
    lines = clean_lines(text) if text else [""] * blank_lines
    first = cell.paragraphs[0]
    for k in range(len(cell.paragraphs) - 1, 0, -1):  # a merged cell keeps the paragraphs of those merged
        cell._tc.remove(cell.paragraphs[k]._p)
    for k, line in enumerate(lines):
        p = first if k == 0 else cell.add_paragraph()
        _ppr(p, style, line=FORM_LINE)
        if line:
            _run(p, line, _rpr(style.font, style.size_pt, style.bold))
    cell.vertical_alignment = 1  # centred: a label beside a tall blank sits in its middle


def _rule(table) -> None:
    """Every cell ruled with a thin black line (the user's template need not have a "Table Grid" style)."""
    from docx.enum.table import WD_TABLE_ALIGNMENT

    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = table._tbl.tblPr
    width = tbl_pr.find(qn("w:tblW"))
    if width is not None:
        width.set(qn("w:w"), str(TEXT_WIDTH))
        width.set(qn("w:type"), "dxa")
    borders = _el("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="single", sz="6", space="0", color="000000"))
    tbl_pr.insert_element_before(borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption")


def new_section(target: docx.document.Document) -> None:
    """A new section (from a new page) whose pages are numbered from 1; it takes the page setup and the
    page-number footers of the one before."""
    from docx.enum.section import WD_SECTION

    target.add_section(WD_SECTION.NEW_PAGE)


def number_each_section_from_one(target: docx.document.Document) -> None:
    """Every section's page numbers start at 1 (``w:pgNumType``, in the place the schema gives it)."""
    later = "cols formProt vAlign noEndnote titlePg textDirection bidi rtlGutter docGrid printerSettings sectPrChange"
    for section in target.sections:
        sect_pr = section._sectPr
        found = sect_pr.find(qn("w:pgNumType"))
        if found is None:
            found = _el("w:pgNumType")
            sect_pr.insert_element_before(found, *(f"w:{name}" for name in later.split()))
        found.set(qn("w:start"), "1")
