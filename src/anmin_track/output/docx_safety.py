"""A Word template from outside, made harmless before a report is written on it.

What Word would fetch or run when the report is opened goes, and the CLI says what went:
a remote template reference (``attachedTemplate``, the classic way to load a document from
a server), every external relationship (linked images, hyperlinks, linked objects), macros
and other active parts (``vbaProject.bin``, ActiveX), and fields that run a command or read
another file (DDE, DDEAUTO, INCLUDETEXT, INCLUDEPICTURE, LINK, IMPORT). The text a hyperlink
or a field shows stays; the link or the command does not.
"""

from __future__ import annotations

import re
from collections import Counter

from docx.oxml.ns import qn
from lxml import etree

_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
#: Relationship types (their last part) of parts that hold code or active content.
_ACTIVE = (
    "vbaProject",
    "vbaData",
    "wordVbaData",
    "keyMapCustomizations",
    "attachedToolbars",
    "control",
    "activeXControlBinary",
)
#: Fields that run a command (DDE) or bring in another file when the document is opened or updated.
_OUTSIDE_FIELD = re.compile(r"\s*(DDE|DDEAUTO|INCLUDETEXT|INCLUDEPICTURE|INCLUDE|IMPORT|LINK)\b", re.IGNORECASE)

#: What went, in the words of the note the user gets.
REMOTE_TEMPLATE = "远程模板引用"
EXTERNAL = "外部链接（超链接、链接的图片或对象）"
ACTIVE = "宏或 ActiveX 控件"
FIELD = "会运行命令或读取其他文件的域（DDE、INCLUDETEXT 等）"


def make_harmless(document) -> list[str]:
    """Take out of ``document`` (a python-docx Document opened from a template) whatever could reach
    outside or run; returns one note per kind removed, saying how many."""
    removed: Counter[str] = Counter()
    package = document.part.package
    _drop_active(package.rels, removed)
    for part in list(package.iter_parts()):
        root = _xml_of(part)
        _drop_active(part.rels, removed)
        if root is None:
            continue
        for rid, rel in list(part.rels.items()):
            if rel.is_external:
                removed[REMOTE_TEMPLATE if rel.reltype.endswith("/attachedTemplate") else EXTERNAL] += 1
                _drop_references(root, rid)
                part.rels.pop(rid)
        for template in root.iter(qn("w:attachedTemplate")):
            template.getparent().remove(template)
        removed[FIELD] += _drop_outside_fields(root)
        if not hasattr(part, "_element"):  # a part python-docx keeps as bytes
            part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return [f"模板中有 {n} 处{kind}，已删除，生成的文件中不含这些内容" for kind, n in removed.items() if n]


def _xml_of(part):
    """The part's XML tree to edit in place (None: not XML)."""
    element = getattr(part, "_element", None)
    if element is not None:
        return element
    if not part.content_type.endswith("xml"):
        return None
    try:
        return etree.fromstring(part.blob, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None


def _drop_active(rels, removed: Counter[str]) -> None:
    """Parts of code are dropped with the relationship that reaches them (only reachable parts are saved)."""
    for rid, rel in list(rels.items()):
        if rel.reltype.rsplit("/", 1)[-1] in _ACTIVE:
            rels.pop(rid)
            removed[ACTIVE] += 1


def _drop_references(root, rid: str) -> None:
    """Every use of relationship ``rid``: a hyperlink keeps its text; a linked picture keeps its embedded copy,
    if it has one, else goes with its run; anything else (a linked object, a frame) goes with its run."""
    users = [
        e
        for e in root.iter()
        if isinstance(e.tag, str)
        and any(name.startswith(f"{{{_R}}}") and value == rid for name, value in e.attrib.items())
    ]
    for element in users:
        if element.tag == qn("w:hyperlink"):
            _unwrap(element)
            continue
        if element.tag == qn("a:blip") and element.get(qn("r:embed")):
            del element.attrib[qn("r:link")]
            continue
        _remove(_run_of(element))


def _drop_outside_fields(root) -> int:
    """Fields whose instruction reaches outside: a simple field keeps its shown text; a complex field
    (begin, instruction runs, separate, result, end) keeps its result and loses its instruction."""
    count = 0
    for simple in list(root.iter(qn("w:fldSimple"))):
        if _OUTSIDE_FIELD.match(simple.get(qn("w:instr"), "")):
            _unwrap(simple)
            count += 1
    open_fields: list[list] = []  # one list of instruction elements per field begun and not yet ended
    for element in list(root.iter(qn("w:fldChar"), qn("w:instrText"))):
        if element.tag == qn("w:instrText"):
            if open_fields:
                open_fields[-1].append(element)
            continue
        kind = element.get(qn("w:fldCharType"))
        if kind == "begin":
            open_fields.append([])
        elif kind == "end" and open_fields:
            instruction = open_fields.pop()
            if _OUTSIDE_FIELD.match("".join(e.text or "" for e in instruction)):
                for e in instruction:
                    e.text = ""
                count += 1
    return count


def _run_of(element):
    run = element
    while run is not None and run.tag != qn("w:r"):
        run = run.getparent()
    return element if run is None else run


def _unwrap(element) -> None:
    parent = element.getparent()
    at = parent.index(element)
    for n, child in enumerate(list(element)):
        parent.insert(at + n, child)
    parent.remove(element)


def _remove(element) -> None:
    parent = element.getparent()
    if parent is not None:
        parent.remove(element)
