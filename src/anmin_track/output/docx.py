"""Render a :class:`~anmin_track.output.document.Document` as a Word file in 公文 layout (GB/T 9704-2012).

Only the CLI imports this module, and only when a .docx is written, so python-docx and
lxml are loaded on that path alone.

Layout decisions, in short (the numbers are explained where they are defined):

* A4, margins 37/35/28/26 mm (版心 156 × 225 mm), 22 lines × 28 characters of 三号 text:
  every paragraph has an exact line height equal to the grid's line pitch, and every run is
  condensed by a quarter point so that 28 characters fill the line in Word, WPS and
  LibreOffice alike (see ``CONDENSED``; a character grid would give LibreOffice 14 a line).
* Fonts are named as the standard names them (仿宋_GB2312, 楷体_GB2312, 黑体, 方正小标宋简体);
  the font table gives each one a Windows font as ``w:altName`` plus the GB2312 charset and
  PANOSE numbers, which is what Word's substitution uses on a machine without that font.
  Digits and Latin letters are Times New Roman.
* Every ``\\n`` inside a block's text starts a new paragraph of the same kind (a line break in a
  justified paragraph would stretch the line before it across the whole width).
* 落款 without a seal follows §7.3.5.2: the issuer right-aligned two characters from the right
  edge, the date on the next line starting two characters further right (or, if the date is
  too long for that, the date two characters from the edge and the issuer moved left to keep
  the two-character step).
* Page numbers ``— 1 —`` in 四号宋体 from a PAGE field, odd pages right, even pages left, one
  character in from the edge.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Pt, Twips

from anmin_track.errors import InputError
from anmin_track.output.document import Block, Document
from anmin_track.output.docx_form import new_section, number_each_section_from_one, write_form
from anmin_track.output.docx_safety import make_harmless
from anmin_track.output.docx_style import (
    _FONT_TABLE,
    _PAGE_NUMBER_SIZE_PT,
    _RECORD,
    _SIGNATURE,
    _STYLES,
    _TITLE_GROUP,
    BODY_SIZE_PT,
    CHAR,
    FANGSONG,
    FOOTER_DISTANCE,
    HEADER_DISTANCE,
    KAITI,
    LATIN,
    LINE_PITCH,
    MARGIN_BOTTOM,
    MARGIN_LEFT,
    MARGIN_RIGHT,
    MARGIN_TOP,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    RECORD_SIZE_PT,
    RULE_THICK,
    RULE_THIN,
    SONG,
    TEXT_WIDTH,
    _el,
    _ppr,
    _rpr,
    _run,
    _Style,
    clean_lines,
    signature_indents,
    width_in_chars,
)

# --- the renderer ---------------------------------------------------------------------


class _Writer:
    def __init__(self, target: docx.document.Document, has_content: bool):
        self.doc = target
        self.has_content = has_content  # a page break before the very first line would leave a blank page
        self.break_pending = False

    def paragraph(self, style: _Style, text: str = "", label: str = "", **ppr) -> None:
        p = self.doc.add_paragraph()
        _ppr(p, style, page_break_before=self.break_pending and self.has_content, **ppr)
        self.break_pending = False
        self.has_content = True
        for part in (label, text):
            if part:
                _run(p, part, _rpr(style.font, style.size_pt, style.bold))

    def blank(self) -> None:
        self.paragraph(_STYLES["para"])

    def signed_number(self, number: Block, signer: Block) -> None:
        """上行文: the 字号 居左空一字 and 签发人：姓名 居右空一字 on one line (§7.2.5–7.2.6; the name in 楷体)."""
        style = _STYLES["doc_number"]
        p = self.doc.add_paragraph()
        _ppr(p, _Style(FANGSONG, BODY_SIZE_PT, "left"), right_tab=TEXT_WIDTH - CHAR, left=(CHAR, 0))
        self.has_content = True
        body = _rpr(style.font, style.size_pt)
        _run(p, "".join(clean_lines(number.text)) + "\t" + "".join(clean_lines(signer.label)), body)
        _run(p, "".join(clean_lines(signer.text)), _rpr(KAITI, style.size_pt))
        p.paragraph_format.right_indent = Twips(CHAR)

    def record(self, blocks: list[Block]) -> None:
        """版记 after the 落款, kept together on the last page: 抄送 (回行与冒号后首字对齐) and 印发机关 with
        印发日期, between rules. (A frame would set it at the foot of the page, but LibreOffice drops a
        frame's rules and position: it would be lost to the office suites built on it.)"""
        one = RECORD_SIZE_PT * 20  # a 四号 character, in twips
        if blocks:
            self.blank()
        for n, block in enumerate(blocks):
            top = RULE_THICK if n == 0 else None
            bottom = RULE_THICK if n == len(blocks) - 1 else RULE_THIN
            style = _STYLES[block.kind]
            p = self.doc.add_paragraph()
            label, text = "".join(clean_lines(block.label)), "".join(clean_lines(block.text))
            # Rules run between a paragraph's indents, and those of the 版记 are 版心 wide: the 空一字
            # on either side is a full-width space and a tab stop, not an indent.
            if block.kind == "cc":
                _ppr(p, style, rules=(top, bottom), keep_next=n < len(blocks) - 1)
                _run(p, f"\u3000{label}{text}", _rpr(style.font, style.size_pt))
            else:
                _ppr(p, style, rules=(top, bottom), right_tab=TEXT_WIDTH - one)
                _run(p, f"\u3000{text}\t{label}", _rpr(style.font, style.size_pt))

    def write(self, blocks: tuple[Block, ...]) -> None:
        record = [b for b in blocks if b.kind in _RECORD]
        blocks = tuple(b for b in blocks if b.kind not in _RECORD)
        indents = _signature_plan(blocks)
        previous: str | None = None  # kind of the last block written on this page
        form: list[Block] = []  # the rows of a form, written as one table once they end
        for index, block in enumerate(blocks):
            kind = block.kind
            if kind in ("field", "field_half"):
                if not form and previous in _TITLE_GROUP:
                    self.blank()  # 标题下空一行
                form.append(block)
                continue
            if form:
                write_form(self.doc, form)
                form, previous = [], "field"
            if kind == "section_break":
                new_section(self.doc)
                previous = None
                continue
            if kind == "page_break":
                # Consecutive breaks collapse; a trailing one has nothing to push over.
                self.break_pending = True
                previous = None
                continue
            if kind == "signer":
                continue  # written with its 字号
            if kind == "doc_number" and index + 1 < len(blocks) and blocks[index + 1].kind == "signer":
                self.signed_number(block, blocks[index + 1])
                previous = kind
                continue
            style = _STYLES[kind]
            if previous in _TITLE_GROUP and kind not in _TITLE_GROUP:
                self.blank()  # 标题下空一行
            elif previous == "doc_number" and kind != "doc_number":
                self.blank()  # 发文字号下空一行, then the title
            elif kind in _SIGNATURE and previous is not None and previous not in _SIGNATURE:
                self.blank()  # 正文下空一行编排发文机关署名
            lines = clean_lines(block.text)
            label = clean_lines(block.label)
            label_text = "".join(label)  # a label is a number: a stray newline in it means nothing
            for line_no, line in enumerate(lines):
                self.paragraph(
                    style,
                    line,
                    label_text if line_no == 0 else "",
                    right_chars=indents.get(index, 0.0),
                    keep_next=style.outline is not None or kind in _TITLE_GROUP or kind == "issuer",
                )
            previous = kind
        if form:
            write_form(self.doc, form)
        self.record(record)


def _signature_plan(blocks: tuple[Block, ...]) -> dict[int, float]:
    """Right indent (characters) of each issuer/date block, pairing an issuer with the date after it."""
    plan: dict[int, float] = {}
    for index, block in enumerate(blocks):
        if block.kind == "issuer":
            issuer = max(clean_lines(block.text), key=width_in_chars)
            follower = blocks[index + 1] if index + 1 < len(blocks) else None
            if follower is not None and follower.kind == "date":
                issuer_right, date_right = signature_indents(issuer, "".join(clean_lines(follower.text)))
                plan[index], plan[index + 1] = issuer_right, date_right
            else:
                plan[index] = signature_indents(issuer, None)[0]
        elif block.kind == "date" and index not in plan:
            plan[index] = signature_indents(None, block.text)[1]
    return plan


#: A template's paragraph reading this is where the body goes.
BODY_MARK = "{{正文}}"
#: A template's 版记 starts with one of these: without the mark, the body goes before it.
TEMPLATE_RECORD = ("抄送", "印发")


def render_docx(
    doc: Document,
    template: Path | bytes | None = None,
    *,
    created: datetime | None = None,
    notes: list[str] | None = None,
) -> bytes:
    """The bytes of a .docx holding ``doc`` in 公文 layout.

    With ``template`` (an office's own .docx or .dotx, holding its red 版头 and perhaps a
    版记), the body goes where a paragraph reads ``{{正文}}``; without one, after the
    template's content but before its 版记 (paragraphs starting 抄送/印发), and ``notes``
    gets a sentence saying the mark is missing. The template's styles and its
    headers/footers are kept, and our page-number footers are added only when it has
    none. The page setup and grid are applied to every section either way. Whatever in the
    template would reach outside or run when the file is opened is removed, and ``notes`` says
    what (``docx_safety``).

    ``created`` becomes the file's created/modified time; without it both are left out,
    so the same document always gives the same bytes.
    """
    if template is None:
        target = docx.Document()
        _set_defaults(target)
        has_content = False
    else:
        target = _open_template(template)
        removed = make_harmless(target)
        if notes is not None:
            notes += removed
        has_content = any(True for _ in target.element.body.iterchildren(qn("w:p"), qn("w:tbl")))
    _page_setup(target)
    if template is None or not _has_footers(target):
        _add_page_numbers(target)
    _add_font_table(target)
    _set_properties(target, doc.name, created, fresh=template is None)
    before = list(target.element.body.iterchildren(qn("w:p"), qn("w:tbl")))
    _Writer(target, has_content).write(doc.blocks)
    if any(b.kind == "section_break" for b in doc.blocks):
        number_each_section_from_one(target)
    if template is not None:
        _place_body(target, before, notes)
    out = io.BytesIO()
    target.save(out)
    return _stable_zip(out.getvalue())


def _place_body(target: docx.document.Document, template_parts: list, notes: list[str] | None) -> None:
    """Move what was written after the template's own paragraphs to its ``{{正文}}`` mark (which goes),
    or else before the template's 版记; when it has neither, it stays at the end."""

    def text(element) -> str:
        return "".join(element.xpath(".//w:t/text()")).strip() if element.tag == qn("w:p") else ""

    body = target.element.body
    ours = [e for e in body.iterchildren(qn("w:p"), qn("w:tbl")) if e not in template_parts]
    mark = next((e for e in template_parts if text(e) == BODY_MARK), None)
    anchor = (
        mark if mark is not None else next((e for e in template_parts if text(e).startswith(TEMPLATE_RECORD)), None)
    )
    if mark is None and notes is not None:
        where = "模板的版记之前" if anchor is not None else "模板内容之后"
        notes.append(
            f"模板中没有写着 {BODY_MARK} 的段落，正文放在了{where}；在模板中正文的位置单独写一段 {BODY_MARK} 即可"
        )
    if anchor is None:
        return
    for element in ours:
        anchor.addprevious(element)
    if mark is not None:
        body.remove(mark)


# --- setup ----------------------------------------------------------------------------

_DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_DOTX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml"
#: A template, or a document with macros (.dotx, .docm, .dotm): opened as a .docx, its macros then dropped.
_OTHER_MAINS = (
    _DOTX_MAIN,
    "application/vnd.ms-word.document.macroEnabled.main+xml",
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
)


def _open_template(path: Path | bytes) -> docx.document.Document:
    try:
        data = path if isinstance(path, bytes) else path.read_bytes()
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            types = z.read("[Content_Types].xml")
        for main in _OTHER_MAINS:  # a .dotx is a .docx with another content type
            if main.encode() in types:
                types = types.replace(main.encode(), _DOCX_MAIN.encode())
                data = _replace_member(data, "[Content_Types].xml", types)
        return docx.Document(io.BytesIO(data))
    except Exception as e:  # whatever is wrong inside the user's file, it is the file that is wrong
        raise InputError(
            f"模板文件无法作为 Word 文档（.docx）打开{'' if isinstance(path, bytes) else '：' + str(path)}"
        ) from e


def _replace_member(data: bytes, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, content if info.filename == name else src.read(info))
    return out.getvalue()


def _page_setup(target: docx.document.Document) -> None:
    for section in target.sections:
        section.page_width = Twips(PAGE_WIDTH)
        section.page_height = Twips(PAGE_HEIGHT)
        section.top_margin = Twips(MARGIN_TOP)
        section.bottom_margin = Twips(MARGIN_BOTTOM)
        section.left_margin = Twips(MARGIN_LEFT)
        section.right_margin = Twips(MARGIN_RIGHT)
        section.header_distance = Twips(HEADER_DISTANCE)
        section.footer_distance = Twips(FOOTER_DISTANCE)
        section.gutter = Twips(0)
        sect_pr = section._sectPr
        grid = sect_pr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            sect_pr.insert_element_before(grid, "w:printerSettings", "w:sectPrChange")
        for name in list(grid.attrib):
            del grid.attrib[name]
        grid.set(qn("w:type"), "lines")
        grid.set(qn("w:linePitch"), str(LINE_PITCH))


def _set_defaults(target: docx.document.Document) -> None:
    """Document defaults and Normal: 三号仿宋_GB2312 on the grid, for anything a clerk types later."""
    styles = target.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr_default = defaults.find(qn("w:rPrDefault"))
    rpr = rpr_default.find(qn("w:rPr"))
    rpr_default.remove(rpr)
    rpr = _rpr(FANGSONG, BODY_SIZE_PT)
    rpr.append(_el("w:lang", val="en-US", eastAsia="zh-CN", bidi="ar-SA"))
    rpr_default.append(rpr)
    ppr_default = defaults.find(qn("w:pPrDefault"))
    ppr_default.remove(ppr_default.find(qn("w:pPr")))
    ppr = _el("w:pPr")
    ppr.append(_el("w:widowControl", val="0"))
    ppr.append(_el("w:autoSpaceDE", val="0"))
    ppr.append(_el("w:autoSpaceDN", val="0"))
    ppr.append(_el("w:spacing", before="0", after="0", line=str(LINE_PITCH), lineRule="exact"))
    ppr.append(_el("w:jc", val="both"))
    ppr_default.append(ppr)
    normal = target.styles["Normal"]
    normal.font.name = LATIN
    normal.font.size = Pt(BODY_SIZE_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)
    # The stock template says its East Asian theme language is Japanese.
    lang = target.settings.element.find(qn("w:themeFontLang"))
    if lang is not None:
        lang.set(qn("w:eastAsia"), "zh-CN")


def _has_footers(target: docx.document.Document) -> bool:
    return any(s._sectPr.find(qn("w:footerReference")) is not None for s in target.sections)


def _add_page_numbers(target: docx.document.Document) -> None:
    """``— n —`` footers from a PAGE field: odd pages right, even pages left, one character in."""
    target.settings.odd_and_even_pages_header_footer = True
    section = target.sections[0]  # later sections inherit (they are linked to previous)
    _page_number_footer(section.footer, odd=True)
    _page_number_footer(section.even_page_footer, odd=False)


def _page_number_footer(footer, odd: bool) -> None:
    footer.is_linked_to_previous = False
    body = footer._element
    for p in list(body.iterchildren(qn("w:p"))):
        body.remove(p)
    p = footer.add_paragraph()
    ppr = p._p.get_or_add_pPr()
    ppr.append(_el("w:snapToGrid", val="0"))  # 四号 digits at their own width, not the 三号 grid
    ppr.append(_el("w:spacing", before="0", after="0", line="240", lineRule="auto"))
    side = "right" if odd else "left"
    ppr.append(_el("w:ind", **{f"{side}Chars": "100", side: str(CHAR)}))
    ppr.append(_el("w:jc", val=side))

    def rpr() -> BaseOxmlElement:
        return _rpr(SONG, _PAGE_NUMBER_SIZE_PT, latin=SONG)  # 半角宋体阿拉伯数字

    _run(p, "— ", rpr())
    for field_part in ("begin", None, "separate", "1" if odd else "2", "end"):
        run = p.add_run()
        run._r.insert(0, rpr())
        if field_part in ("begin", "separate", "end"):
            run._r.append(_el("w:fldChar", fldCharType=field_part))
        elif field_part is None:
            instr = OxmlElement("w:instrText")
            instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
            instr.text = " PAGE "
            run._r.append(instr)
        else:
            run.text = field_part  # the cached result until Word updates the field
    _run(p, " —", rpr())


def _add_font_table(target: docx.document.Document) -> None:
    """Font-table entries so Word can find a stand-in for a missing GB2312 font."""
    part = next((rel.target_part for rel in target.part.rels.values() if rel.reltype == RT.FONT_TABLE), None)
    if part is None:
        return  # Word rebuilds a missing font table; substitution just loses its hints
    from lxml import etree

    fonts = etree.fromstring(part.blob)
    for name, entry in _FONT_TABLE.items():
        for old in fonts.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                fonts.remove(old)
        font = etree.SubElement(fonts, qn("w:font"))
        font.set(qn("w:name"), name)
        if entry.alt:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), entry.alt)
        etree.SubElement(font, qn("w:panose1")).set(qn("w:val"), entry.panose)
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86")
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), entry.family)
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), entry.pitch)
        sig = etree.SubElement(font, qn("w:sig"))
        for key, value in (
            ("usb0", "00000001"),
            ("usb1", "080E0000"),
            ("usb2", "00000010"),
            ("usb3", "00000000"),
            ("csb0", "00040000"),
            ("csb1", "00000000"),
        ):
            sig.set(qn(f"w:{key}"), value)
    part._blob = etree.tostring(fonts, xml_declaration=True, encoding="UTF-8", standalone=True)


def _set_properties(target: docx.document.Document, name: str, created: datetime | None, fresh: bool) -> None:
    props = target.core_properties
    props.title = "".join(clean_lines(name))
    if fresh:  # the stock template signs itself "python-docx"
        props.author = ""
        props.comments = ""
        props.last_modified_by = ""
        props.revision = 1
    if created is not None:
        props.created = created
        props.modified = created
    else:
        element = props._element
        for child in list(element):
            if etree_localname(child.tag) in ("created", "modified", "lastPrinted"):
                element.remove(child)
    # The stock template carries a thumbnail of some other document: drop it.
    package = target.part.package
    for rid, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            package.rels.pop(rid)


def etree_localname(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _stable_zip(data: bytes) -> bytes:
    """The same package with fixed member timestamps, so equal input gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            dst.writestr(member, src.read(info))
    return out.getvalue()
