"""Documents of a period as 公文: ``report_document`` words a ``PeriodReport`` (``report_model``) as the 对上报告
of a month or quarter (``upward``) or the 工作总结 of a half year or a year (``summary``); ``bulletin`` is the
对内通报 (``output.bulletin``). This module adds the 版头 (字号, 签发人, 标题, 主送) and the 落款 with its 版记;
``report_words`` has the wording they share; ``report_text`` (text, Markdown), ``output.docx`` and
``report_json`` lay them out. Headings ``一、`` → ``（一）`` → ``1.`` (GB/T 15834), full-width punctuation,
dates without leading zeros.

This module is what the CLI calls: it names the builder and the renderers too.
"""

from __future__ import annotations

from collections.abc import Sequence

from anmin_track import model
from anmin_track.output import frame
from anmin_track.output.bulletin import OpenNotice, bulletin_document, bulletin_json
from anmin_track.output.document import Block, Document
from anmin_track.output.report_json import to_json
from anmin_track.output.report_model import PeriodReport, build_report
from anmin_track.output.report_text import PAGE_RULE, render_markdown, render_text
from anmin_track.output.report_words import (
    baseline_words,
    clean,
    cn_number,
)
from anmin_track.output.summary import summary_document
from anmin_track.output.upward import upward_document
from anmin_track.text import cn_date

# --------------------------------------------------------------------------- the document


def doc_number(pattern: str, year: int, n: int | None) -> str:
    """The 发文字号 from the ``[report]`` pattern; without a number, a gap for the office to fill in."""
    if not pattern:
        return ""
    return pattern.format(year=year, n=n if n is not None else "\u3000\u3000")


def report_document(r: PeriodReport, number: int | None = None) -> Document:
    """The period's document: the 对上报告 for a month or quarter, the 工作总结 of a half year or a year."""
    if r.period.kind in (model.MONTHLY, model.QUARTERLY):
        return upward_document(r, _head(r, number), _signature(r))
    return summary_document(r, _head(r, number), _signature(r))


def _head(r: PeriodReport, number: int | None) -> list[Block]:
    """发文字号 (and 签发人), 标题 in balanced lines, 主送机关."""
    b = frame.head(doc_number(r.doc_number, r.signing_date.year, number), clean(r.frame.signer) if r.upward else "")
    b.append(Block("title", frame.title_lines([clean(word) for word in r.title_words])))
    if r.addressee.strip():
        b.append(Block("addressee", clean(r.addressee).rstrip("：:") + "："))
    return b


def _signature(r: PeriodReport) -> list[Block]:
    """落款, then the 版记 (抄送, 印发机关 and 印发日期 = 成文日期) when [report] has them."""
    settings = r.frame._replace(cc=clean(r.frame.cc), printer=clean(r.frame.printer))
    return [
        Block("issuer", clean(r.issuer)),
        Block("date", cn_date(r.signing_date)),
        *frame.record(settings, frame.printed_on(r.signing_date)),
    ]


def bulletin(r: PeriodReport, notices: Sequence[OpenNotice]) -> Document:
    """The 对内通报 of the period, with the 督办单 still open at its end."""
    return bulletin_document(r, notices, _signature(r))


#: What the CLI and the 督办单 use of the reporting modules, named in one place.
__all__ = [
    "PAGE_RULE",
    "PeriodReport",
    "baseline_words",
    "bulletin",
    "bulletin_json",
    "build_report",
    "clean",
    "cn_number",
    "doc_number",
    "render_markdown",
    "render_text",
    "report_document",
    "to_json",
]
