"""The 公文 frame around a document's body (GB/T 9704-2012): the 版头's 字号 and 签发人, a title broken
into balanced lines, and the 版记 at the end. Pure: blocks in, blocks out.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence

from anmin_track import model
from anmin_track.output.document import Block
from anmin_track.text import cn_date

#: 二号 characters a title line holds in the 156 mm 版心 (§7.3.1: 标题……回行时要词意完整).
TITLE_WIDTH = 20
#: A line may not start with these, nor end with the openers (避头尾).
NO_LINE_START = "，。、；：）”’！？》"
NO_LINE_END = "（“‘《"
#: Where a word too long for a line may still be broken: after these.
SOFT_BREAKS = "、，；：）”’"


def width(text: str) -> float:
    """Width of ``text`` in characters of its size: 汉字 and full-width forms 1, digits and Latin ½."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "FWA" else 0.5 for c in text)


def title_lines(words: Sequence[str], limit: int = TITLE_WIDTH) -> str:
    """The title made of ``words`` in as few lines of at most ``limit`` characters as it needs, broken only
    between words, the lines as even as they can be and a longer one above a shorter (梯形); ``\\n`` between."""
    parts = [piece for word in words for piece in _fitting(word, limit)]
    for count in range(1, len(parts) + 1):
        best = None
        for cuts in itertools.combinations(range(1, len(parts)), count - 1):
            bounds = (0, *cuts, len(parts))
            lines = ["".join(parts[a:b]) for a, b in itertools.pairwise(bounds)]
            widths = [width(line) for line in lines]
            if max(widths) > limit or not _clean_edges(lines):
                continue
            rank = (max(widths) - min(widths), any(a < b for a, b in itertools.pairwise(widths)))
            if best is None or rank < best[0]:
                best = (rank, lines)
        if best is not None:
            return "\n".join(best[1])
    return "".join(words)


def _fitting(word: str, limit: int) -> list[str]:
    """A word as it is, or (too long for a line) cut after its punctuation, then by characters."""
    if width(word) <= limit:
        return [word]
    pieces, current = [], ""
    for char in word:
        current += char
        if char in SOFT_BREAKS or width(current) >= limit / 2:
            pieces.append(current)
            current = ""
    return [*pieces, current] if current else pieces


def _clean_edges(lines: list[str]) -> bool:
    return all(not line[:1] or line[0] not in NO_LINE_START for line in lines[1:]) and all(
        line[-1:] not in NO_LINE_END for line in lines[:-1]
    )


def head(number: str, signer: str) -> list[Block]:
    """发文字号, and beside it the 签发人 of a document sent upward (上行文, §7.2.5–7.2.6)."""
    if not number:
        return []
    blocks = [Block("doc_number", number)]
    if signer.strip():
        blocks.append(Block("signer", signer.strip(), "签发人："))
    return blocks


def record(settings: model.ReportSettings, printed: str | None) -> list[Block]:
    """版记 (§7.4): 抄送 and 印发机关 with 印发日期, the last things of the document; none when neither is set."""
    blocks = []
    if settings.cc.strip():
        blocks.append(Block("cc", settings.cc.strip().rstrip("。") + "。", "抄送："))
    if settings.printer.strip() and printed:
        blocks.append(Block("printed", settings.printer.strip(), printed))
    return blocks


def printed_on(day) -> str:
    return f"{cn_date(day)}印发"
