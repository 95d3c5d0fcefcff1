"""The 公文 page, fonts and paragraph styles of the Word files (GB/T 9704-2012), and the XML they are
written with: what ``output.docx`` lays a document out with. See ``output.docx`` for the layout decisions.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement

# --- page and grid --------------------------------------------------------------------
# All lengths in twips (1/20 pt; 1 mm = 1440 / 25.4 ≈ 56.69 twips), rounded to the
# nearest twip as Word itself stores them.
PAGE_WIDTH = 11906  # 210 mm
PAGE_HEIGHT = 16838  # 297 mm
MARGIN_TOP = 2098  # 37 mm (天头)
MARGIN_BOTTOM = 1984  # 35 mm
MARGIN_LEFT = 1587  # 28 mm (订口)
MARGIN_RIGHT = 1474  # 26 mm
HEADER_DISTANCE = 851  # 15 mm; no header is written, but the value must sit inside the top margin
# GB/T 9704 §7.5: the page number's 一字线 is 7 mm below the 版心. The footer paragraph is one
# 四号 line (≈ 5 mm); its bottom edge at 25.5 mm above the paper edge puts the dashes, which sit
# half-way up the line, about 7 mm under the 35 mm bottom margin.
FOOTER_DISTANCE = 1446  # 25.5 mm

TEXT_WIDTH = PAGE_WIDTH - MARGIN_LEFT - MARGIN_RIGHT  # 8845 twips = 442.25 pt ≈ 156 mm
TEXT_HEIGHT = PAGE_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM  # 12756 twips = 637.8 pt ≈ 225 mm
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28
BODY_SIZE_PT = 16  # 三号
RECORD_SIZE_PT = 14  # 四号: the 版记

# Line pitch: 12756 / 22 = 579.8 twips. Word fits floor(height / pitch) lines, so the pitch
# must be rounded *down*: 579 × 22 = 12738 ≤ 12756 gives 22 lines, 580 × 22 = 12760 only 21.
# 579 twips = 28.95 pt, the "固定值 28.95 磅" of the usual 公文 templates. Every paragraph
# also gets this as its exact line height, so the 22 lines hold even where the grid is off.
LINE_PITCH = TEXT_HEIGHT // LINES_PER_PAGE  # 579

# Characters a line: 28 三号 (16 pt) characters need 448 pt, the line has 8845 twips = 442.25 pt.
# A "linesAndChars" document grid with a negative w:charSpace (15.79 pt a character) makes Word
# and WPS squeeze them in, but LibreOffice (and the office suites built on it) lays a character
# wider than a grid cell across two cells: 14–16 characters a line. Instead every run is
# condensed (w:spacing, ECMA-376 §17.3.2.35: pitch added after each character) by a quarter
# point: 28 × 15.75 = 441 pt fits, 29 × 15.75 = 456.75 does not, in every one of them; the
# document grid only sets the line pitch. Measured by rendering with LibreOffice (tests).
CONDENSED = -5  # twentieths of a point: 16 − 0.25 = 15.75 pt a character
CHAR_PITCH_TWIPS = TEXT_WIDTH / CHARS_PER_LINE  # 315.9: one "字" in indents
CHAR = round(CHAR_PITCH_TWIPS)  # 316 twips, twips fallback for w:*Chars indents


# --- fonts ----------------------------------------------------------------------------
LATIN = "Times New Roman"
FANGSONG = "仿宋_GB2312"
KAITI = "楷体_GB2312"
HEITI = "黑体"
XIAOBIAOSONG = "方正小标宋简体"
SONG = "宋体"


@dataclass(frozen=True)
class _FontEntry:
    alt: str | None  # what Word looks for when the named font is missing
    panose: str
    family: str
    pitch: str


# Font-table entries for every East Asian font used. charset 86 is GB2312 and csb0 bit 18 the
# simplified-Chinese code page: with those and w:altName a Word without 仿宋_GB2312 picks the
# system 仿宋 (FangSong) rather than the default 宋体. 方正小标宋简体 has no near relative on a
# stock Windows; 宋体 at least keeps it a serif (Song) face.
_FONT_TABLE = {
    FANGSONG: _FontEntry("仿宋", "02010609030101010101", "modern", "fixed"),
    KAITI: _FontEntry("楷体", "02010609030101010101", "modern", "fixed"),
    XIAOBIAOSONG: _FontEntry("宋体", "02000000000000000000", "auto", "variable"),
    HEITI: _FontEntry(None, "02010609060101010101", "modern", "fixed"),
    SONG: _FontEntry(None, "02010600030101010101", "auto", "variable"),
}


@dataclass(frozen=True)
class _Style:
    font: str
    size_pt: float
    align: str  # w:jc value
    first_line_chars: int = 0
    bold: bool = False
    outline: int | None = None  # w:outlineLvl, so Word's navigation pane shows the headings
    # The 二号 title keeps its own letter width (the 三号 character grid would squeeze it) and
    # one exact 28.95 pt line per title line.
    on_grid: bool = True


_STYLES: dict[str, _Style] = {
    "title": _Style(XIAOBIAOSONG, 22, "center", on_grid=False),  # 二号
    "subtitle": _Style(KAITI, BODY_SIZE_PT, "center"),
    "doc_number": _Style(FANGSONG, BODY_SIZE_PT, "center"),
    "addressee": _Style(FANGSONG, BODY_SIZE_PT, "both"),  # 顶格: no indent
    "h1": _Style(HEITI, BODY_SIZE_PT, "both", 2, outline=0),
    "h2": _Style(KAITI, BODY_SIZE_PT, "both", 2, outline=1),
    "h3": _Style(FANGSONG, BODY_SIZE_PT, "both", 2, outline=2),
    "h4": _Style(FANGSONG, BODY_SIZE_PT, "both", 2, outline=3),
    "para": _Style(FANGSONG, BODY_SIZE_PT, "both", 2),
    "closing": _Style(FANGSONG, BODY_SIZE_PT, "both", 2),
    "issuer": _Style(FANGSONG, BODY_SIZE_PT, "right"),
    "date": _Style(FANGSONG, BODY_SIZE_PT, "right"),
    # 版记 (§7.4): 四号仿宋 between rules, at the foot of the last page.
    "cc": _Style(FANGSONG, RECORD_SIZE_PT, "left"),
    "printed": _Style(FANGSONG, RECORD_SIZE_PT, "left"),
}
_RECORD = ("cc", "printed")
_PAGE_NUMBER_SIZE_PT = 14  # 四号
# 版记 rules (§7.4): the first and last 0.35 mm, those between 0.25 mm (w:sz in eighths of a point).
RULE_THICK, RULE_THIN = "8", "6"
_SIGNATURE = ("issuer", "date")
_TITLE_GROUP = ("title", "subtitle")

# --- text -----------------------------------------------------------------------------
# XML 1.0 cannot hold C0 controls other than tab/LF/CR, lone surrogates or U+FFFE/U+FFFF;
# C1 controls (U+0080–U+009F) are legal but invisible junk from bad copy-paste, so they go too.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NEWLINE = re.compile("\r\n|[\r\u2028\u2029\x0b\x0c\x85]")


def clean_lines(text: str) -> list[str]:
    """``text`` as the lines it holds, with everything a Word file cannot carry removed."""
    return _NOT_XML.sub("", _NEWLINE.sub("\n", text)).split("\n")


def width_in_chars(text: str) -> float:
    """Width of ``text`` in 三号 characters: 汉字 and full-width forms 1, digits and Latin ½."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "FWA" else 0.5 for c in text)


def signature_indents(issuer: str | None, date: str | None) -> tuple[float, float]:
    """Right indents, in characters, of the issuer and date lines (GB/T 9704 §7.3.5.2).

    The issuer is set 右空二字; the date goes on the next line with its first character two
    characters right of the issuer's. When that would bring the date closer than two
    characters to the right edge, the date is set 右空二字 and the issuer moves left by as
    much, so the two-character step stays.
    """
    issuer_w = width_in_chars(issuer or "")
    date_w = width_in_chars(date or "")
    if issuer is None or date is None:
        return 2.0, 2.0
    date_right = issuer_w - date_w  # issuer starts at W-2-issuer_w; date 2 characters later
    if date_right >= 2:
        return 2.0, date_right
    return date_w + 4 - issuer_w, 2.0


# --- XML helpers ----------------------------------------------------------------------


def _el(tag: str, **attrs: str) -> BaseOxmlElement:
    element = OxmlElement(tag)
    for name, value in attrs.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _rpr(font: str, size_pt: float, bold: bool = False, latin: str = LATIN) -> BaseOxmlElement:
    """Run properties: an East Asian font by name (python-docx's ``font.name`` sets only Latin)."""
    rpr = _el("w:rPr")
    # hint="eastAsia": characters both scripts share (“”、—、…) take the Chinese font.
    rpr.append(_el("w:rFonts", ascii=latin, hAnsi=latin, eastAsia=font, cs=latin, hint="eastAsia"))
    if bold:
        rpr.append(_el("w:b"))
        rpr.append(_el("w:bCs"))
    rpr.append(_el("w:spacing", val=str(CONDENSED)))  # before w:sz, as CT_RPr orders them
    half_points = str(round(size_pt * 2))
    rpr.append(_el("w:sz", val=half_points))
    rpr.append(_el("w:szCs", val=half_points))
    return rpr


def _run(paragraph, text: str, rpr: BaseOxmlElement) -> None:
    run = paragraph.add_run()
    run._r.insert(0, rpr)
    if text:
        run.text = text  # python-docx writes \t as <w:tab/>; no \n is left by now


def _ppr(
    paragraph,
    style: _Style,
    *,
    right_chars: float = 0,
    page_break_before: bool = False,
    keep_next: bool = False,
    rules: tuple[str | None, str | None] = (None, None),
    right_tab: int | None = None,
    left: tuple[int, int] | None = None,
    line: int = LINE_PITCH,
) -> None:
    """Paragraph properties, appended in the order the schema (and Word) require.

    ``rules``: widths of a rule above and below; ``right_tab``: a right-aligned tab stop (twips);
    ``left``: left indent and hanging indent (twips); ``line``: the exact line height (twips), the grid's by default.
    """
    ppr = paragraph._p.get_or_add_pPr()
    if keep_next:
        ppr.append(_el("w:keepNext"))
    if page_break_before:
        ppr.append(_el("w:pageBreakBefore"))
    ppr.append(_el("w:widowControl", val="0"))  # keep every page at 22 full lines
    if any(rules):
        borders = _el("w:pBdr")
        for side, size in zip(("top", "bottom"), rules, strict=True):
            if size:
                borders.append(_el(f"w:{side}", val="single", sz=size, space="1", color="000000"))
        ppr.append(borders)
    if right_tab is not None:
        tabs = _el("w:tabs")
        tabs.append(_el("w:tab", val="right", pos=str(right_tab)))
        ppr.append(tabs)
    # No automatic gap between 汉字 and digits/Latin: it would push text off the grid.
    ppr.append(_el("w:autoSpaceDE", val="0"))
    ppr.append(_el("w:autoSpaceDN", val="0"))
    if not style.on_grid:
        ppr.append(_el("w:snapToGrid", val="0"))
    ppr.append(_el("w:spacing", before="0", after="0", line=str(line), lineRule="exact"))
    ind: dict[str, str] = {}
    if left is not None:
        ind.update(left=str(left[0]), hanging=str(left[1])) if left[1] else ind.update(left=str(left[0]))
    if style.first_line_chars:
        ind.update(firstLineChars=str(style.first_line_chars * 100), firstLine=str(style.first_line_chars * CHAR))
    if right_chars:
        ind.update(rightChars=str(round(right_chars * 100)), right=str(round(right_chars * CHAR)))
    if ind:
        ppr.append(_el("w:ind", **ind))
    ppr.append(_el("w:jc", val=style.align))
    if style.outline is not None:
        ppr.append(_el("w:outlineLvl", val=str(style.outline)))
    # The paragraph mark in the same font, so an empty line is as high as a full one.
    ppr.append(_rpr(style.font, style.size_pt, style.bold))
