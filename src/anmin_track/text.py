"""Showing text that came from data files: literally, never as markup or terminal codes."""

import functools
import math
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime


def lazy_regex(pattern: str, flags: int = 0) -> Callable[[], re.Pattern[str]]:
    """``pattern`` compiled on first use: compiling this module's patterns (wide Chinese
    character classes) costs about 3 ms, which every command would pay at start-up,
    and most commands use one or two of them."""
    return functools.cache(lambda: re.compile(pattern, flags))


# C0/C1 control characters (but newline and tab), bidi overrides/isolates, lone surrogates.
_UNSAFE = lazy_regex("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, oneline: bool = False) -> str:
    """``text`` with every invisible or terminal-controlling character written as an escape.

    ``oneline`` also turns newlines into ``⏎`` for cells and one-line messages.
    """
    if text.isprintable():  # no control, format (bidi) or surrogate character, no tab or newline: as it is
        return text
    text = _UNSAFE().sub(_escape, text).replace("\t", "    ")
    return text.replace("\n", " ⏎ ") if oneline else text


# What may not be in a file name built from the data (``[plan] org``, a title): a path separator,
# a character Windows forbids in names, or anything ``_UNSAFE`` escapes on screen.
_NOT_IN_NAMES = lazy_regex('[/\\\\:*?"<>|\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]')


def name_problem(text: str) -> str:
    """Why ``text`` cannot be part of a file name (empty: it can): a folder separator, ``..``,
    a control character (NUL, ESC…) or a character Windows does not allow in names."""
    found = _NOT_IN_NAMES().search(text)
    if found:
        return f'含有不能用于文件名的字符“{visible(found.group())}”（不能有 / \\ : * ? " < > | 和控制字符）'
    if ".." in text:
        return "含有“..”（会指向上一级文件夹）"
    return ""


def file_name(text: str) -> str:
    """``text`` made safe as one file name in the current folder: what ``name_problem`` names becomes ``_``."""
    name = _NOT_IN_NAMES().sub("_", text).replace("..", "_")
    return name.strip(" .") or "_"


# What json.dumps(ensure_ascii=False) leaves raw but a terminal acts on (C0 is escaped already).
_JSON_UNSAFE = lazy_regex("[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def json_text(payload: object) -> str:
    """Readable JSON (Chinese as is) with terminal-controlling characters written as ``\\uXXXX``.

    They can only occur inside strings, where the escape parses back to the same character.
    """
    import json  # only the --json paths need it; --help must not pay for it

    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return _JSON_UNSAFE().sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def quoted(text: str) -> str:
    """``text`` in quotation marks, the marks inside it made single (“…‘坪安里’…”), as GB/T 15834 nests them."""
    return "“" + text.replace("“", "‘").replace("”", "’") + "”"


def local_now() -> datetime:
    """Now, with the local offset; in UTC when the ``TZ`` setting gives none Python can hold (``XYZ+99``)."""
    try:
        return datetime.now().astimezone()
    except (ValueError, OverflowError, OSError):
        return datetime.now(UTC)


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


# --------------------------------------------------------------------------- cells and wrapping

# Zero-width: combining marks, joiners, variation selectors (they ride on the previous character).
_ZERO_WIDTH = (("\u0300", "\u036f"), ("\u200b", "\u200d"), ("\u20d0", "\u20ff"), ("\ufe00", "\ufe0f"))
_CELLS: tuple[dict[str, int], dict[str, int]] = ({}, {})


def char_width(ch: str, ambiguous_wide: bool = False) -> int:
    """Cells one character takes: 2 for wide and full-width, 0 for combining marks, else 1.

    East Asian *ambiguous* characters (“ ” — · … ─ ①) are 1 unless ``ambiguous_wide``:
    the legacy Windows console with a Chinese font (and many CJK fonts) draws them 2 wide.
    """
    cache = _CELLS[ambiguous_wide]
    cells = cache.get(ch)
    if cells is None:
        if any(low <= ch <= high for low, high in _ZERO_WIDTH) or unicodedata.combining(ch):
            cells = 0
        else:
            kind = unicodedata.east_asian_width(ch)
            cells = 2 if kind in "WF" or (ambiguous_wide and kind == "A") else 1
        cache[ch] = cells
    return cells


def cell_width(text: str, ambiguous_wide: bool = False) -> int:
    """Cells ``text`` takes on a terminal that draws ambiguous characters narrow (or wide)."""
    if text.isascii():
        return len(text)
    return sum(char_width(ch, ambiguous_wide) for ch in text)


# 避头尾: what may not begin a line (closing punctuation, also the ASCII forms the plan uses)
# and what may not end one (opening brackets and quotes).
NO_LINE_START = frozenset("，。、；：）”！？》」』】〕〉’…‥·％‰,.;:!?)]}%")
NO_LINE_END = frozenset("（“《「『【〔〈‘([{")
# Units that stay with the number before them: 30万元, 45%, 2024年, 12个.
_UNITS = "万亿千百元角个人户次项家条处件名座所间套台辆米吨亩岁位号年月日周天时分秒倍平方公里％‰"
_ATOM = lazy_regex(
    r" +"  # spaces: where lines may break (dropped there)
    rf"|[!-~]+(?:(?<=[0-9%])[{_UNITS}]{{1,3}})?"  # a run of ASCII (words, numbers, paths) with its unit
    r"|.[\u0300-\u036f\u200b-\u200d\u20d0-\u20ff\ufe00-\ufe0f]*",  # any other character with its marks
    re.DOTALL,
)


def _atoms(text: str, start: int, end: int) -> list[list]:
    """``text[start:end]`` as [start, end, is_space] pieces that are never split, 避头尾 applied:
    a piece beginning with closing punctuation joins the piece before it, one ending with an
    opening bracket joins the piece after it (across a space, which then no longer breaks)."""
    atoms: list[list] = []
    glue_next = False
    for m in _ATOM().finditer(text, start, end):
        s, e = m.span()
        if text[s] == " ":
            if glue_next:  # "（ a": the space may not break after the bracket either
                atoms[-1][1] = e
            else:
                atoms.append([s, e, True])
            continue
        if atoms and (glue_next or text[s] in NO_LINE_START):
            if atoms[-1][2] and len(atoms) > 1 and not glue_next:
                atoms.pop()  # "a ，": the space may not break before the comma
            if not atoms[-1][2]:
                atoms[-1][1] = e
                glue_next = text[e - 1] in NO_LINE_END
                continue
        atoms.append([s, e, False])
        glue_next = text[e - 1] in NO_LINE_END
    return atoms


def _split_long(text: str, s: int, e: int, room: int, width: int, amb: bool) -> tuple[list[tuple[int, int]], int, int]:
    """Cut ``text[s:e]``, a piece wider than a line, at character boundaries: the first part
    fills ``room`` cells, the next ones ``width``. Returns the full parts as (start, end),
    where the last (unfinished) part starts and its cells."""
    parts, part_start, used, limit = [], s, 0, room
    for i in range(s, e):
        cells = char_width(text[i], amb)
        if used + cells > limit and i > part_start:
            cut = i
            while cut - 1 > part_start and (text[cut] in NO_LINE_START or text[cut] == " "):
                cut -= 1  # keep closing punctuation off the next line while the part allows
            carried = cell_width(text[cut:i], amb)
            if carried + cells > width:  # …unless what moves along no longer fits there
                cut, carried = i, 0
            parts.append((part_start, cut))
            part_start, limit, used = cut, width, carried
        used += cells
    return parts, part_start, used


def wrap_spans(text: str, width: int, ambiguous_wide: bool = False) -> tuple[list[tuple[int, int]], list[str]]:
    """Where ``wrap_cjk`` breaks ``text``: (start, end) of every line, and the indent each line
    gets in front (a paragraph's own leading spaces, repeated on its continuation lines)."""
    width = max(width, 1)
    spans: list[tuple[int, int]] = []
    indents: list[str] = []
    start = 0
    for paragraph in text.split("\n"):
        end = start + len(paragraph)
        lead = len(paragraph) - len(paragraph.lstrip(" "))
        indent = lead if lead <= width // 2 and width - lead >= 2 else 0
        first = len(spans)
        if cell_width(paragraph, ambiguous_wide) <= width:
            spans.append((start, end))
        else:
            spans.extend(_wrap_paragraph(text, start, start + lead, end, width, indent, ambiguous_wide))
        indents.extend(["" if i == first else " " * indent for i in range(first, len(spans))])
        start = end + 1
    return spans, indents


def _wrap_paragraph(text: str, start: int, s0: int, end: int, width: int, indent: int, amb: bool) -> list:
    """Greedy filling of one paragraph ``text[start:end]`` whose words begin at ``s0``."""
    spans = []
    full = max(width - indent, 1)
    line_start = start if indent else s0  # the first line keeps a small indent, drops a huge one
    used, room = s0 - line_start, width
    line_end, content, pending = s0, False, 0  # pending: cells of spaces after line_end
    for s, e, space in _atoms(text, s0, end):
        if space:
            if content:
                pending += e - s
            else:
                line_start = line_end = e  # no spaces at the start of a continuation line
            continue
        cells = cell_width(text[s:e], amb)
        if used + pending + cells <= room:
            used, line_end, pending, content = used + pending + cells, e, 0, True
            continue
        if content and cells <= full:
            spans.append((line_start, line_end))
            line_start, line_end, used, pending, room = s, e, cells, 0, full
            continue
        # a piece wider than a line: it fills what is left of this line, then whole lines
        free = room - used - pending
        if content and free < min(4, cells):
            spans.append((line_start, line_end))
            line_start, used, pending, room, free = s, 0, 0, full, full
        parts, rest, rest_cells = _split_long(text, s, e, max(free, 1), full, amb)
        for i, (part_start, cut) in enumerate(parts):
            spans.append((line_start if i == 0 else part_start, cut))
        if parts:
            line_start, used, room = rest, rest_cells, full
        else:
            used += pending + rest_cells
        line_end, pending, content = e, 0, True
    spans.append((line_start, line_end))
    return spans


def wrap_cjk(text: str, width: int, ambiguous_wide: bool = False) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken the way Chinese is typeset.

    Any two characters may be split, except that (避头尾) no line starts with closing
    punctuation (，。、；：）”！？》…) or ends with an opening one (（“《…), a number keeps
    its unit (``30万元``, ``45%``) and a run of ASCII (``goals.toml``, ``2024-05-28``)
    stays whole — unless a piece is wider than a line on its own. Lines also break at
    newlines and at spaces, which are then dropped. Continuation lines get the
    paragraph's leading spaces again, so an indented title stays indented.
    """
    spans, indents = wrap_spans(text, width, ambiguous_wide)
    return [indent + text[s:e] for (s, e), indent in zip(spans, indents, strict=True)]


# --------------------------------------------------------------------------- any output encoding

# Plain stand-ins for what a code page (GBK, cp936, latin-1, ascii) may lack. Anything else
# becomes its compatibility form when that is plain ASCII (full-width ，→ ,), else ``?``.
FALLBACKS = {
    "▰": "#",
    "▱": "-",
    "─": "-",
    "━": "-",
    "│": "|",
    "−": "-",
    "–": "-",
    "—": "-",
    "⏎": "/",
    "…": "...",
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "·": ".",
    "、": ",",
    "。": ".",
    "《": "<",
    "》": ">",
    "≥": ">=",
    "≤": "<=",
    "\u3000": " ",
}
ENCODE_ERRORS = "anmin-fallback"


def fallback(ch: str) -> str:
    """What to write for ``ch`` where the output encoding has no such character."""
    if ch in FALLBACKS:
        return FALLBACKS[ch]
    plain = unicodedata.normalize("NFKC", ch)
    return plain if plain.isascii() and plain.isprintable() and plain != ch else "?"


def encode_fallback(error: UnicodeError) -> tuple[str, int]:
    """A ``codecs.register_error`` handler: unencodable characters become ``fallback(ch)``."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start : error.end]
    return "".join(fallback(ch) for ch in bad), error.end


def encodable(text: str, encoding: str | None) -> bool:
    """Whether ``encoding`` (a stream's, maybe None) can write ``text`` as it is."""
    try:
        text.encode(encoding or "utf-8")
    except UnicodeEncodeError:
        return False
    except LookupError:
        return text.isascii()
    return True


def protect_streams(*streams) -> None:
    """Let ``streams`` (sys.stdout, sys.stderr) write any text in any encoding: what their
    encoding lacks is written as a plain stand-in instead of failing with UnicodeEncodeError
    (GBK and cp936 have no ▰ − ⏎; latin-1 has no Chinese). The encoding itself is kept."""
    import codecs

    try:
        codecs.lookup_error(ENCODE_ERRORS)
    except LookupError:
        codecs.register_error(ENCODE_ERRORS, encode_fallback)
    for stream in streams:
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        try:
            reconfigure(errors=ENCODE_ERRORS)
        except (OSError, ValueError):  # a closed or detached stream: leave it as it is
            continue


# --------------------------------------------------------------------------- text in documents (reports, notices)

_ANSI = lazy_regex(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "(": "（", ")": "）"}
_HALF_PUNCT = lazy_regex(r" *([,;:]) *")
_PARENS = lazy_regex(r"\(([^()\n]*)\)")
# Chinese characters, CJK and full-width punctuation, Chinese quotes. Tested by code point, not
# by a regex class: `re` takes about a millisecond to compile a class this wide.
_CJK_RANGES = ((0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF))
_CJK_QUOTES = frozenset("“”‘’")


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    if 0x4E00 <= code <= 0x9FFF:  # most of them: the common ideographs
        return True
    return any(low <= code <= high for low, high in _CJK_RANGES) or ch in _CJK_QUOTES


def cn_punctuation(text: str) -> str:
    """Half-width ``, ; : ( )`` next to Chinese text written full-width (``1,000`` and ``a:b`` stay).

    ``,`` ``;`` ``:`` (and the spaces around them) turn full-width after a Chinese character,
    or before one unless they follow a word or a ``/`` (``第1:中`` stays, ``完成,下步`` does not);
    ``( )`` when they enclose Chinese or follow it.
    """

    def comma(m: re.Match) -> str:
        before, after = m.string[m.start() - 1 : m.start()], m.string[m.end() : m.end() + 1]
        if (before and _is_cjk(before)) or (after and _is_cjk(after) and not (before.isalnum() or before in "_/")):
            return _HALF_TO_FULL[m.group(1)]
        return m.group()

    def parens(m: re.Match) -> str:
        before = m.string[m.start() - 1 : m.start()]
        if any(_is_cjk(ch) for ch in m.group(1)) or (before and _is_cjk(before)):
            return f"（{m.group(1)}）"
        return m.group()

    if "," in text or ";" in text or ":" in text:
        text = _HALF_PUNCT().sub(comma, text)
    return _PARENS().sub(parens, text) if "(" in text else text


def document_text(text: str) -> str:
    """Data text as a document shows it: terminal codes and control characters removed (not
    escaped: a printed page has no use for ``\\x1b``), tabs as spaces, punctuation full-width
    next to Chinese. Newlines are kept for the caller to join."""
    if not text.isprintable():  # control, format and surrogate characters all fail this quick test
        text = _ANSI().sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
        text = _UNSAFE().sub("", text).replace("\t", " ")
    return cn_punctuation(text)
