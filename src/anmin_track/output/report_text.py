"""A ``Document`` as plain text (to paste into WPS or Word) and as Markdown."""

from __future__ import annotations

import re

from anmin_track.output import frame
from anmin_track.output.document import Block, Document

INDENT = "\u3000\u3000"  # 首行缩进两字
PAGE_RULE = "-" * 20 + "（另页）" + "-" * 20  # a page break in plain text
RECORD_RULE = "─" * 28  # the rules of the 版记, one 版心 wide
LINE_CHARS = 28


# --------------------------------------------------------------------------- plain text and Markdown of a Document


def render_text(doc: Document) -> str:
    """Plain text to paste into WPS/Word: headings and paragraphs indented two full-width spaces."""
    out: list[str] = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        text = block.label + block.text
        signer = blocks[i + 1] if block.kind == "doc_number" and i + 1 < len(blocks) else None
        if signer is not None and signer.kind == "signer":
            name = signer.label + signer.text
            gap = max(1.0, LINE_CHARS - 2 - frame.width(block.text) - frame.width(name))  # 居左、居右各空一字
            out += ["\u3000" + block.text + "\u3000" * int(gap) + " " * round(2 * (gap % 1)) + name, ""]
        elif block.kind == "signer":
            continue  # on its 字号's line
        elif block.kind == "title":
            out += [*text.split("\n"), ""]
        elif block.kind in ("subtitle", "doc_number"):
            out += [text, ""]
        elif block.kind in ("cc", "printed"):
            if block.kind == "cc" or not out or out[-1] != RECORD_RULE:
                out += ["", RECORD_RULE]
            line = text if block.kind == "cc" else block.text + "\u3000" * 2 + block.label
            out += ["\u3000" + line, RECORD_RULE]
        elif block.kind == "addressee":
            out.append(text)
        elif block.kind == "h1":
            out += ["", INDENT + text]
        elif block.kind == "issuer":
            out += ["", text]
        elif block.kind == "date":
            out.append(text)
        elif block.kind in ("page_break", "section_break"):
            out += ["", PAGE_RULE, ""]  # visible on screen and when pasted (a form feed is neither)
        elif block.kind in ("field", "field_half"):
            out += _field_lines(block)
        else:
            out.append(INDENT + text)
    return "\n".join(out) + "\n"


#: Lines left under a blank field of a form, to write in by hand.
BLANK_LINES = 3


def _field_lines(block: Block) -> list[str]:
    """A row of a form as text: ``督办编号：督办〔2024〕3号``; a blank one followed by lines to write in."""
    if block.text:
        return [f"{block.label}：{block.text}"]
    return [f"{block.label}：", *[""] * (BLANK_LINES if block.kind == "field" else 0)]


_MD_INLINE = re.compile(r"([\\`*_\[\]<>#|~&])")
_MD_LINE_START = re.compile(r"^(\s*)([-+=]|\d+[.)])")


def md_escape(text: str) -> str:
    """Data text shown literally in Markdown: markup characters are backslash-escaped."""
    lines = []
    for line in text.split("\n"):
        line = _MD_INLINE.sub(r"\\\1", line)
        lines.append(_MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line))
    return "\n".join(lines)


_MD_HEADING = {"title": "# ", "h1": "## ", "h2": "### ", "h3": "#### ", "h4": "##### "}


def render_markdown(doc: Document) -> str:
    e = md_escape
    out: list[str] = []
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if block.kind in _MD_HEADING:
            label = block.label + (" " if block.label.endswith(".") else "")  # our numbering: not escaped
            joint = "" if block.kind == "title" else " "  # a title's lines are one title, broken for print
            out += [_MD_HEADING[block.kind] + label + e(block.text).replace("\n", joint), ""]
        elif block.kind == "issuer" and i + 1 < len(blocks) and blocks[i + 1].kind == "date":
            out.append(e(block.text) + "\\")
        elif block.kind in ("page_break", "section_break"):
            out += ["---", ""]
        elif block.kind in ("field", "field_half"):
            out += [f"**{e(block.label)}**：{e(block.text) or '　' * 8}", ""]
        elif block.kind == "signer":
            out[-2] = out[-2] + "\u3000\u3000" + block.label + e(block.text)  # on its 字号's line
        elif block.kind in ("cc", "printed"):
            lead = ["---", ""] if block.kind == "cc" or not out or out[-2:] != ["---", ""] else []
            line = block.label + e(block.text) if block.kind == "cc" else e(block.text) + "\u3000\u3000" + block.label
            out += [*lead, line, "", "---", ""]
        elif block.label:
            out += [block.label + e(block.text), ""]  # `1.推进…`: no space, so not a Markdown list
        else:
            out += [e(block.text), ""]
    while out and out[-1] == "":
        out.pop()
    return "\n".join(out) + "\n"
