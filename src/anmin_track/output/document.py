"""One model of a document the office submits (a report, a 督办单), rendered by every format.

Pure data: builders in ``output.report`` fill it, and the text, Markdown and .docx
renderers walk it. Text inside is already the wording of the document (full-width
punctuation, dates without leading zeros, control characters removed); renderers only
lay it out and escape what their format needs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal[
    "title",  # 标题: 二号小标宋, centred; may span lines (``\n`` separates them)
    "subtitle",  # a line under the title, e.g. （2024年5月）; centred, 三号楷体
    "doc_number",  # 发文字号 such as 安民〔2024〕3号, centred above the title (居左空一字 when a signer follows)
    "signer",  # 签发人 of a report sent upward: ``label`` 签发人：, ``text`` the name; on the 字号's line, 居右空一字
    "addressee",  # 主送机关 ending in ：, flush left, no indent
    "h1",  # 一、 heading: 黑体
    "h2",  # （一） heading: 楷体
    "h3",  # 1. heading: 仿宋 (bold allowed)
    "h4",  # （1） heading: 仿宋
    "para",  # body paragraph, first line indented two characters; ``label`` is a run-in heading
    "closing",  # 特此报告。 and the like: an indented body paragraph
    "issuer",  # 落款: 发文机关署名
    "date",  # 落款: 成文日期, 2024年5月31日
    "page_break",  # the next block starts on a new page
    "section_break",  # the next block starts a new section: a new page, numbered from 1 (one 督办单 each)
    "field",  # a row of a form (督办单): ``label`` the field's name, ``text`` its content ("": left blank to fill in)
    "field_half",  # half a row of a form: two in a row share one (督办编号 … 成文日期 …)
    "cc",  # 版记: ``label`` 抄送：, ``text`` the offices; the document's last lines, between rules
    "printed",  # 版记: ``text`` the 印发机关, ``label`` the 印发日期 (2024年6月3日印发)
]


@dataclass(frozen=True)
class Block:
    kind: BlockKind
    text: str = ""
    #: A run-in numbering or heading set before ``text`` in the same paragraph
    #: (``（1）`` before a record, ``1.`` before a task title). For h1–h4 it is the
    #: number itself (``一、``) so renderers may style it apart from the words.
    label: str = ""


@dataclass(frozen=True)
class Document:
    """A 公文 body: blocks in reading order. ``name`` is what a file of it is called."""

    name: str
    blocks: tuple[Block, ...] = field(default_factory=tuple)
