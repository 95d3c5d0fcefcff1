"""Showing text that came from data files: literally, never as markup or terminal codes."""

import math
import re
import unicodedata

# C0/C1 control characters (but newline and tab), bidi overrides/isolates, lone surrogates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, oneline: bool = False) -> str:
    """``text`` with every invisible or terminal-controlling character written as an escape.

    ``oneline`` also turns newlines into ``⏎`` for cells and one-line messages.
    """
    text = _UNSAFE.sub(_escape, text).replace("\t", "    ")
    return text.replace("\n", " ⏎ ") if oneline else text


# What json.dumps(ensure_ascii=False) leaves raw but a terminal acts on (C0 is escaped already).
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_text(payload: object) -> str:
    """Readable JSON (Chinese as is) with terminal-controlling characters written as ``\\uXXXX``.

    They can only occur inside strings, where the escape parses back to the same character.
    """
    import json  # only the --json paths need it; --help must not pay for it

    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def cn_date(day) -> str:
    """`2024年5月31日`: the form used in reports and messages (no leading zeros)."""
    return f"{day.year}年{day.month}月{day.day}日"


def percent(value: float) -> int:
    """A percentage rounded to a whole number the way staff do it (四舍五入: 32.5 → 33)."""
    return math.floor(value + 0.5)


def cn_date_iso(iso: str) -> str:
    """`2024-05-31` → `2024年5月31日` for dates that come from views as ISO text."""
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{year}年{month}月{day}日"


def pct(value: float) -> str:
    """A percentage for people: whole numbers, `45%`."""
    return f"{percent(value)}%"


def display_width(text: str) -> int:
    """Terminal cells ``text`` takes: wide and full-width characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap_by_width(text: str, width: int) -> list[str]:
    """Split ``text`` into lines of at most ``width`` cells (Chinese has no spaces to break at)."""
    lines, line, used = [], "", 0
    for ch in text:
        cells = display_width(ch)
        if used + cells > width and line:
            lines.append(line.rstrip())
            line, used = ("", 0) if ch == " " else (ch, cells)
            continue
        line, used = line + ch, used + cells
    return [*lines, line]


# --------------------------------------------------------------------------- text in documents (reports, notices)

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef\u201c\u201d\u2018\u2019"
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）"}
_PUNCT_NEAR_CJK = re.compile(rf"(?<=[{_CJK}]) *([,;:]) *|(?<![\w/]) *([,;:]) *(?=[{_CJK}])")
_PARENS = re.compile(r"\(([^()\n]*)\)")
_HAS_CJK = re.compile(f"[{_CJK}]")


def cn_punctuation(text: str) -> str:
    """Half-width ``, ; : ( )`` next to Chinese text written full-width (``1,000`` and ``a:b`` stay)."""

    def comma(m: re.Match) -> str:
        return _HALF_TO_FULL[m.group(1) or m.group(2)]

    def parens(m: re.Match) -> str:
        before = m.string[m.start() - 1 : m.start()]
        if _HAS_CJK.search(m.group(1)) or _HAS_CJK.match(before):
            return f"（{m.group(1)}）"
        return m.group()

    text = _PUNCT_NEAR_CJK.sub(comma, text)
    return _PARENS.sub(parens, text)


def document_text(text: str) -> str:
    """Data text as a document shows it: terminal codes and control characters removed (not
    escaped: a printed page has no use for ``\\x1b``), tabs as spaces, punctuation full-width
    next to Chinese. Newlines are kept for the caller to join."""
    text = _ANSI.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _UNSAFE.sub("", text).replace("\t", " ")
    return cn_punctuation(text)
