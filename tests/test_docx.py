"""The .docx renderer: a Document laid out as a GB/T 9704-2012 公文, read back with python-docx."""

from __future__ import annotations

import io
import re
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import docx
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from lxml import etree

from anmin_track.errors import InputError
from anmin_track.output.document import Block, Document
from anmin_track.output.docx import render_docx
from anmin_track.output.docx_style import signature_indents, width_in_chars

BODY = "全乡重点工作有序推进，完成投资1234万元，占年度计划的56.7%。"

REPORT = Document(
    "安民乡2024年5月月报",
    (
        Block("doc_number", "安民〔2024〕3号"),
        Block("title", "安民乡人民政府关于2024年5月\n重点工作推进情况的报告"),
        Block("subtitle", "（2024年5月）"),
        Block("addressee", "县委、县政府督查室："),
        Block("h1", "总体进展", "一、"),
        Block("h2", "基础设施", "（一）"),
        Block("h3", "道路硬化", "1."),
        Block("h4", "资金拨付", "（1）"),
        Block("para", BODY, "一是"),
        Block("para", "第一行\n第二行"),
        Block("para", "坏\x00字\x07符\x1b号\ufffe在\ud800此\x85处"),
        Block("closing", "特此报告。"),
        Block("issuer", "安民乡人民政府"),
        Block("date", "2024年5月31日"),
        Block("page_break"),
        Block("title", "督办单"),
        Block("addressee", "乡城建办："),
        Block("para", "请于6月10日前书面报告整改措施。"),
        Block("issuer", "安民乡重点工作督查办公室"),
        Block("date", "2024年6月3日"),
        Block("page_break"),
    ),
)


def _open(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


@pytest.fixture(scope="module")
def rendered() -> bytes:
    return render_docx(REPORT)


@pytest.fixture(scope="module")
def word(rendered: bytes) -> docx.document.Document:
    return _open(rendered)


def _paragraph(word, text: str):
    found = [p for p in word.paragraphs if p.text == text]
    assert found, f"no paragraph reads {text!r}; have {[p.text for p in word.paragraphs]}"
    return found[0]


def _east_asian_fonts(paragraph) -> set[str]:
    return {r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in paragraph.runs}


def _ind(paragraph, name: str) -> str | None:
    ind = paragraph._p.pPr.find(qn("w:ind"))
    return None if ind is None else ind.get(qn(f"w:{name}"))


def test_page_is_a4_with_the_standard_margins(word) -> None:
    (section,) = word.sections
    assert section.page_width.mm == pytest.approx(210, abs=0.1)
    assert section.page_height.mm == pytest.approx(297, abs=0.1)
    assert section.top_margin.mm == pytest.approx(37, abs=0.1)
    assert section.bottom_margin.mm == pytest.approx(35, abs=0.1)
    assert section.left_margin.mm == pytest.approx(28, abs=0.1)
    assert section.right_margin.mm == pytest.approx(26, abs=0.1)


def test_document_grid_gives_22_lines_of_28_characters(word) -> None:
    """22 lines from the line pitch; 28 characters from condensing every run by a quarter point.

    Until 2026-12 a "linesAndChars" grid (w:charSpace −842) set the 28 characters: Word and WPS
    squeeze 三号 text onto such a grid, but LibreOffice lays each 16 pt character across two
    15.8 pt cells, 14–16 characters a line (test_libreoffice_lays_out_28_characters_a_line).
    """
    section = word.sections[0]
    grid = section._sectPr.find(qn("w:docGrid"))
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:charSpace")) is None
    line_pitch = int(grid.get(qn("w:linePitch")))
    height = section.page_height.twips - section.top_margin.twips - section.bottom_margin.twips
    width_pt = (section.page_width.twips - section.left_margin.twips - section.right_margin.twips) / 20
    assert (line_pitch, height // line_pitch) == (579, 22)
    for paragraph in word.paragraphs:
        spacing = paragraph._p.pPr.find(qn("w:spacing"))
        assert (spacing.get(qn("w:line")), spacing.get(qn("w:lineRule"))) == ("579", "exact")
        for run in paragraph.runs:
            size_pt = int(run._r.rPr.find(qn("w:sz")).get(qn("w:val"))) / 2
            pitch_pt = size_pt + int(run._r.rPr.find(qn("w:spacing")).get(qn("w:val"))) / 20
            if size_pt == 16:  # 三号 body text: exactly 28 to the line, in any office suite
                assert 28 * pitch_pt <= width_pt < 29 * pitch_pt


@pytest.mark.parametrize(
    ("text", "font", "size", "alignment", "first_line_chars"),
    [
        ("安民〔2024〕3号", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.CENTER, None),
        ("安民乡人民政府关于2024年5月", "方正小标宋简体", 22, WD_ALIGN_PARAGRAPH.CENTER, None),
        ("（2024年5月）", "楷体_GB2312", 16, WD_ALIGN_PARAGRAPH.CENTER, None),
        ("县委、县政府督查室：", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, None),
        ("一、总体进展", "黑体", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "200"),
        ("（一）基础设施", "楷体_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "200"),
        ("1.道路硬化", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "200"),
        ("（1）资金拨付", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "200"),
        ("一是" + BODY, "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "200"),
        ("特此报告。", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.JUSTIFY, "200"),
        ("安民乡人民政府", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.RIGHT, None),
        ("2024年5月31日", "仿宋_GB2312", 16, WD_ALIGN_PARAGRAPH.RIGHT, None),
    ],
)
def test_each_kind_has_its_font_size_and_place(word, text, font, size, alignment, first_line_chars) -> None:
    paragraph = _paragraph(word, text)
    assert _east_asian_fonts(paragraph) == {font}
    assert {r.font.size.pt for r in paragraph.runs} == {size}
    assert paragraph.alignment == alignment
    assert _ind(paragraph, "firstLineChars") == first_line_chars


def test_labels_are_run_ins_in_the_paragraph_font(word) -> None:
    heading = _paragraph(word, "一、总体进展")
    assert [r.text for r in heading.runs] == ["一、", "总体进展"]
    assert _east_asian_fonts(heading) == {"黑体"}
    assert heading._p.pPr.find(qn("w:outlineLvl")).get(qn("w:val")) == "0"


def test_every_run_sets_an_east_asian_font_and_times_for_latin(word) -> None:
    runs = [r for p in word.paragraphs for r in p.runs]
    assert len(runs) > 20
    for run in runs:
        fonts = run._r.rPr.rFonts
        assert fonts.get(qn("w:eastAsia")), run.text
        assert fonts.get(qn("w:ascii")) == fonts.get(qn("w:hAnsi")) == "Times New Roman"


def test_document_defaults_are_sanfang_fangsong(word) -> None:
    defaults = word.styles.element.find(qn("w:docDefaults"))
    fonts = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    assert fonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert fonts.get(qn("w:eastAsiaTheme")) is None  # a theme font would win over the name
    normal = word.styles["Normal"]
    assert normal.font.size.pt == 16
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"


def test_font_table_names_a_windows_stand_in_for_gb2312_fonts(rendered: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(rendered)) as z:
        fonts = etree.fromstring(z.read("word/fontTable.xml"))
    alt = {
        f.get(qn("w:name")): f.find(qn("w:altName")).get(qn("w:val"))
        for f in fonts.findall(qn("w:font"))
        if f.find(qn("w:altName")) is not None
    }
    assert alt["仿宋_GB2312"] == "仿宋"
    assert alt["楷体_GB2312"] == "楷体"


def test_signature_steps_the_date_two_characters_right_of_the_issuer(word) -> None:
    paragraphs = word.paragraphs
    issuer = _paragraph(word, "安民乡人民政府")
    date = _paragraph(word, "2024年5月31日")
    # 安民乡人民政府 is 7 characters, the date 6½: the date is set 右空二字 and the issuer
    # moved left so it starts two characters before the date.
    assert (_ind(issuer, "rightChars"), _ind(date, "rightChars")) == ("350", "200")
    start_issuer = 3.5 + width_in_chars(issuer.text)
    start_date = 2 + width_in_chars(date.text)
    assert start_issuer - start_date == 2
    index = [p._p for p in paragraphs].index(issuer._p)
    assert paragraphs[index - 1].text == "" and paragraphs[index - 2].text == "特此报告。"  # 空一行
    assert paragraphs[index + 1]._p is date._p


def test_signature_indents_when_the_issuer_is_the_longer() -> None:
    assert signature_indents("安民乡重点工作督查办公室", "2024年6月3日") == (2.0, 6.0)
    assert signature_indents("安民乡人民政府", "2024年12月31日") == (4.0, 2.0)
    assert signature_indents("安民乡人民政府", None) == (2.0, 2.0)


def test_page_numbers_are_page_fields_right_on_odd_left_on_even(word, rendered: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(rendered)) as z:
        settings = etree.fromstring(z.read("word/settings.xml"))
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    section = word.sections[0]
    for footer, side in ((section.footer, "right"), (section.even_page_footer, "left")):
        assert not footer.is_linked_to_previous
        (paragraph,) = footer.paragraphs
        instr = "".join(paragraph._p.xpath(".//w:instrText/text()"))
        assert instr.strip() == "PAGE"
        kinds = paragraph._p.xpath(".//w:fldChar/@w:fldCharType")
        assert kinds == ["begin", "separate", "end"]
        assert paragraph.text.startswith("— ") and paragraph.text.endswith(" —")
        assert paragraph.alignment == getattr(WD_ALIGN_PARAGRAPH, side.upper())
        assert _ind(paragraph, f"{side}Chars") == "100"
        assert _east_asian_fonts(paragraph) == {"宋体"}
        assert {r.font.size.pt for r in paragraph.runs} == {14}


def test_page_break_starts_the_next_notice_on_a_new_page(word) -> None:
    breaking = [p.text for p in word.paragraphs if p._p.pPr.find(qn("w:pageBreakBefore")) is not None]
    assert breaking == ["督办单"]  # the trailing page_break has nothing to push over


def test_newline_in_text_starts_a_new_paragraph(word) -> None:
    first, second = _paragraph(word, "第一行"), _paragraph(word, "第二行")
    assert _ind(first, "firstLineChars") == _ind(second, "firstLineChars") == "200"
    assert _paragraph(word, "重点工作推进情况的报告").alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert not any("\n" in t for t in word.element.body.xpath(".//w:t/text()"))
    assert not word.element.body.xpath(".//w:br")


def test_control_characters_are_removed(word) -> None:
    _paragraph(word, "坏字符号在此")
    _paragraph(word, "处")  # U+0085 NEXT LINE is a newline


def test_blank_line_after_title_and_before_body(word) -> None:
    texts = [p.text for p in word.paragraphs]
    start = texts.index("安民〔2024〕3号")
    assert texts[start : start + 7] == [
        "安民〔2024〕3号",
        "",
        "安民乡人民政府关于2024年5月",
        "重点工作推进情况的报告",
        "（2024年5月）",
        "",
        "县委、县政府督查室：",
    ]


def test_output_is_deterministic_and_created_is_optional(rendered: bytes) -> None:
    assert render_docx(REPORT) == rendered
    stamped = render_docx(REPORT, created=datetime(2024, 5, 31, 9, 0, tzinfo=UTC))
    props = _open(stamped).core_properties
    assert props.created == props.modified == datetime(2024, 5, 31, 9, 0, tzinfo=UTC)
    assert _open(rendered).core_properties.created is None
    assert props.title == "安民乡2024年5月月报"
    assert props.author == ""


def _template(path: Path, with_footer: bool) -> Path:
    office = docx.Document()
    office.add_paragraph("安民乡人民政府文件")
    office.add_paragraph("版头红线")
    if with_footer:
        office.sections[0].footer.paragraphs[0].text = "本单位页脚"
    office.save(path)
    return path


def test_template_keeps_its_content_and_footer_and_gets_the_page_setup(tmp_path: Path) -> None:
    data = render_docx(REPORT, _template(tmp_path / "红头.docx", with_footer=True))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        footers = [z.read(n) for n in z.namelist() if n.startswith("word/footer")]
    assert len(footers) == 1 and "本单位页脚".encode() in footers[0] and b"PAGE" not in footers[0]
    word = _open(data)
    texts = [p.text for p in word.paragraphs]
    assert texts[:3] == ["安民乡人民政府文件", "版头红线", "安民〔2024〕3号"]
    assert texts.count("督办单") == 1
    section = word.sections[0]
    assert section.footer.paragraphs[0].text == "本单位页脚"
    assert section.top_margin.mm == pytest.approx(37, abs=0.1)
    grid = section._sectPr.find(qn("w:docGrid"))
    # The template's Normal is 11 pt: our runs carry their own size and spacing, so it does not matter.
    assert grid.get(qn("w:type")) == "lines" and grid.get(qn("w:charSpace")) is None
    body = next(p for p in word.paragraphs if p.text.startswith("　　") or "督办" in p.text)
    assert body.runs[0]._r.rPr.find(qn("w:spacing")).get(qn("w:val")) == "-5"


def test_template_without_footers_gets_our_page_numbers(tmp_path: Path) -> None:
    word = _open(render_docx(REPORT, _template(tmp_path / "红头.docx", with_footer=False)))
    assert "PAGE" in "".join(word.sections[0].footer._element.xpath(".//w:instrText/text()"))
    assert word.settings.odd_and_even_pages_header_footer


def test_a_page_break_first_after_a_template_is_kept(tmp_path: Path) -> None:
    blocks = (Block("page_break"), Block("title", "督办单"))
    word = _open(render_docx(Document("d", blocks), _template(tmp_path / "t.docx", with_footer=False)))
    assert _paragraph(word, "督办单")._p.pPr.find(qn("w:pageBreakBefore")) is not None
    alone = _open(render_docx(Document("d", blocks)))
    assert _paragraph(alone, "督办单")._p.pPr.find(qn("w:pageBreakBefore")) is None


def test_dotx_template_is_accepted(tmp_path: Path) -> None:
    docx_path = _template(tmp_path / "t.docx", with_footer=False)
    dotx = tmp_path / "公文模板.dotx"
    with zipfile.ZipFile(docx_path) as src, zipfile.ZipFile(dotx, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(info, data)
    assert _open(render_docx(REPORT, dotx)).paragraphs[0].text == "安民乡人民政府文件"


@pytest.mark.parametrize("content", [b"not a zip", None, b"PK\x03\x04broken"])
def test_unreadable_template_is_an_input_error_naming_the_file(tmp_path: Path, content: bytes | None) -> None:
    path = tmp_path / "红头模板.docx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        render_docx(REPORT, path)
    message = str(caught.value)
    assert "红头模板.docx" in message and "\n" not in message
    assert caught.value.exit_code == 2


SOFFICE = (shutil.which("soffice") or shutil.which("libreoffice")) if shutil.which("pdftotext") else None


@pytest.mark.slow
@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed (.ci/run installs it where it can)")
def test_libreoffice_lays_out_28_characters_a_line_and_22_lines_a_page(tmp_path: Path) -> None:
    """The body as LibreOffice sets it: every full line of body text holds 28 characters, a page 22 lines."""
    import subprocess

    body = "安民乡重点工作推进情况良好，各项任务按序时进度推进。" * 40
    doc = Document("测试", (Block("title", "关于测试的报告"), Block("para", body)))
    path = tmp_path / "测试.docx"
    path.write_bytes(render_docx(doc))
    subprocess.run(
        [SOFFICE, "--headless", "--convert-to", "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True,
        timeout=180,
        check=True,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(tmp_path / "测试.pdf"), "-"], capture_output=True, text=True
    ).stdout
    page = text.split("\f")[0]
    lines = [line for line in page.splitlines() if line.strip() and "—" not in line and "报告" not in line]
    widths = [len(re.findall(r"[\u4e00-\u9fff，。]", line)) for line in lines]
    assert widths[1:-1] and set(widths[1:-1]) == {28}, widths  # the first has the indent
    assert len(lines) == 22 - 2  # the title's two lines and the blank after it… on the first page
