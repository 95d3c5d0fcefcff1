"""Reading TOML for people: problems named by file and line, values checked against ``fields``.

tomllib reports no positions for values, so ``LineIndex`` scans the text for them,
and only when a problem has to be reported.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from anmin_track import fields
from anmin_track.errors import DataError, Step, system_reason
from anmin_track.store.folder import NotRegularFile, read_regular
from anmin_track.text import lazy_regex
from anmin_track.tuples import NamedTuple


class Problem(NamedTuple):
    """One thing wrong in a data file, printed as ``文件:行: 说明``."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 1}: {self.message}"


def data_error(problems: list[Problem]) -> DataError:
    if len(problems) == 1:
        return DataError(f"{problems[0]}。数据未作任何修改。", problems)
    more = f"另有 {len(problems) - 1} 处问题，可检查全部数据查看。"
    return DataError(f"{problems[0]}。数据未作任何修改；{more}", problems, steps=(Step("check"),))


def raise_if_problems(problems: list[Problem]) -> None:
    if problems:
        raise data_error(problems)


class LineIndex:
    """Where tables and keys stand in a TOML text, for line numbers in messages.

    tomllib reports no positions for values, so this scans the text: the n-th
    ``[[name]]`` header is taken to open the n-th entry of that array. The scan runs
    on first use only, which for valid files is never (see ``records_from_toml``).
    """

    _HEADER = staticmethod(lazy_regex(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$"))
    _KEY = staticmethod(lazy_regex(r"""^\s*["']?([^"'=\s]+)["']?\s*="""))

    def __init__(self, text: str):
        self._text = text

    @functools.cached_property
    def _scan(self) -> tuple[list[tuple[int, str, bool]], list[tuple[int, str]]]:
        headers: list[tuple[int, str, bool]] = []
        keys: list[tuple[int, str]] = []
        fence = None
        for no, line in enumerate(self._text.splitlines(), 1):
            if fence:
                if fence in line:
                    fence = None
                continue
            header = self._HEADER().match(line)
            if header:
                headers.append((no, header.group(2), header.group(1) == "[["))
                continue
            key = self._KEY().match(line)
            if key:
                keys.append((no, key.group(1)))
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2:
                        fence = quote
        return headers, keys

    @property
    def headers(self) -> list[tuple[int, str, bool]]:
        return self._scan[0]

    @property
    def keys(self) -> list[tuple[int, str]]:
        return self._scan[1]

    @functools.cached_property
    def _entries(self) -> dict[str, list[int]]:
        entries: dict[str, list[int]] = {}
        for no, name, is_array in self.headers:
            if is_array:
                entries.setdefault(name, []).append(no)
        return entries

    def entry(self, array: str, n: int) -> int | None:
        lines = self._entries.get(array, [])
        return lines[n] if n < len(lines) else None

    def key(self, name: str, after: int | None = None) -> int | None:
        start = after or 0
        stop = next((no for no, _, _ in self.headers if no > start), None)
        for no, key in self.keys:
            if no > start and (stop is None or no < stop) and key == name:
                return no
        return after


@functools.cache
def toml_parser():
    """The compiled tomli when it is installed (a dependency; its wheels are compiled for every
    platform we ship), else the stdlib tomllib it was copied from: tomli parses goals.toml about
    4 times faster (0.4 against 2 ms) and an index of a year's records 2.5 times (0.8 against
    2.2 ms), and importing it costs no more than importing tomllib, whose module-level regexes
    and imports (string, typing) it does not have."""
    try:
        import tomli

        return tomli.loads, tomli.TOMLDecodeError
    except ImportError:
        import tomllib

        return tomllib.loads, tomllib.TOMLDecodeError


def parse_toml(text: str, label: str) -> dict:
    """The TOML document in ``text``; DataError naming ``label`` and the line when it does not parse.

    The last few answers are kept: one command reads the index twice (the hand-edit check,
    then the query), and the plan before and under the lock; so is a document read from its
    parsed copy (``remember_parsed``). Callers must not change the document they get.
    """
    doc = _DOCS.get(text)
    if doc is None:
        doc = parse_afresh(text, label)
        remember_parsed(text, doc)
    return doc


#: The documents of the last few texts parsed (or read from ``parsed_cache``), oldest first.
_DOCS: dict[str, dict] = {}
_DOCS_KEPT = 4


def remember_parsed(text: str, doc: dict) -> None:
    """Let ``parse_toml`` answer ``doc`` for ``text`` (which is known to parse to it)."""
    _DOCS.pop(text, None)
    _DOCS[text] = doc
    if len(_DOCS) > _DOCS_KEPT:
        del _DOCS[next(iter(_DOCS))]


def is_parsed(text: str) -> bool:
    """Whether ``parse_toml`` already has the document of ``text`` in this process."""
    return text in _DOCS


def parse_afresh(text: str, label: str) -> dict:
    """``parse_toml`` without the documents kept: what ``anmin check`` compares a parsed copy with."""
    loads, decode_error = toml_parser()
    try:
        return loads(text)
    except decode_error as exc:
        found = re.search(r"line (\d+), column (\d+)", str(exc))
        if found:
            line, where = int(found.group(1)), f"第 {found.group(2)} 列"
        else:  # "at end of document"
            line, where = max(1, len(text.splitlines())), "文件末尾"
        raise data_error([Problem(label, line, f"TOML 格式错误（{where}）：{_toml_reason(str(exc))}")]) from None
    except RecursionError:
        raise data_error([Problem(label, None, "TOML 格式错误（数组或表嵌套层数过深）")]) from None


TOML_REASONS = (
    ("Invalid value", "值的写法不对（文字要用英文双引号括起来，日期写成 2024-05-31）"),
    ("Cannot overwrite", "同一个字段或表写了两次"),
    ("Cannot declare", "同一个表写了两次"),
    ("Illegal character", "文字缺少结尾的引号，或含有不允许的字符"),
    ("Unterminated string", "文字缺少结尾的引号"),
    ("Expected '=' after a key", "字段名后面缺少 ="),
    ("Expected newline", "一行只能写一个字段"),
    ("Unclosed array", "列表缺少结尾的 ]"),
)


def _toml_reason(message: str) -> str:
    return next((chinese for english, chinese in TOML_REASONS if message.startswith(english)), "格式不正确")


def read_text(path: Path, label: str) -> str:
    """A data file's text (see ``text_of``); DataError naming ``label`` when it cannot be read."""
    return text_of(read_bytes(path, label), label)


def read_bytes(path: Path, label: str) -> bytes:
    """A data file's content; DataError naming ``label`` when it cannot be read."""
    try:
        return read_regular(path)
    except FileNotFoundError:
        reason = "文件不存在"
    except NotRegularFile as exc:
        reason = f"{system_reason(exc)}，无法读取；请把它移走或改名"
    except OSError as exc:
        reason = f"无法读取（{system_reason(exc)}）"
    raise data_error([Problem(label, None, reason)])


def text_of(content: bytes, label: str) -> str:
    """The one place data files' bytes become text: UTF-8, with or without the BOM that
    Notepad puts first (dropped here, so writes drop it too); anything else is refused
    with the line where the first byte that is not UTF-8 stands."""
    body = content[3:] if content.startswith(b"\xef\xbb\xbf") else content  # not "utf-8-sig": its codec is an import
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = body.count(b"\n", 0, exc.start) + 1
        reason = "文件不是 UTF-8 编码（可能是 GBK），请用记事本或 WPS 打开后“另存为”UTF-8 编码"
        raise data_error([Problem(label, line, reason)]) from None


# Numbers beyond this are typing slips, and would overflow (or lose precision in) float sums.
NUMBER_LIMIT = 2**53


def _is_number(value) -> bool:
    # abs() < limit is also False for nan, so inf and nan are refused too
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < NUMBER_LIMIT


#: A test per kind of field: looked up once per value (``check`` reads every field of 200,000 records).
_KIND_TESTS = {
    fields.TEXT: lambda v: isinstance(v, str),
    fields.INT: lambda v: isinstance(v, int) and not isinstance(v, bool) and abs(v) < NUMBER_LIMIT,
    fields.NUMBER: _is_number,
    fields.DATE: lambda v: isinstance(v, date) and not isinstance(v, datetime),
    fields.DATETIME: lambda v: isinstance(v, datetime),
    fields.BOOL: lambda v: isinstance(v, bool),
    fields.TEXT_LIST: lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
    fields.DATE_LIST: lambda v: (
        isinstance(v, list) and all(isinstance(x, date) and not isinstance(x, datetime) for x in v)
    ),
    fields.TABLE: lambda v: isinstance(v, dict),
    fields.TABLE_LIST: lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
}


def is_kind(value, kind: str) -> bool:
    return _KIND_TESTS[kind](value)


#: Each field table's (name, test, required), made once: ``Checker.table`` runs for every record.
_TABLE_TESTS: dict[int, tuple[dict, list]] = {}


def _tests(allowed: dict[str, fields.Field]) -> list[tuple[str, Callable[[object], bool], bool]]:
    found = _TABLE_TESTS.get(id(allowed))
    if found is None or found[0] is not allowed:  # keyed by identity: the tables are constants of ``fields``
        found = (allowed, [(key, _KIND_TESTS[spec.kind], spec.required) for key, spec in allowed.items()])
        _TABLE_TESTS[id(allowed)] = found
    return found[1]


class Checker:
    """Collects the problems of one file, each with its line where it can be found.

    (A plain class: a dataclass costs every command ~0.4 ms to make at import.)"""

    def __init__(self, label: str, lines: LineIndex) -> None:
        self.label = label
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.label, line, message))

    def table(self, table: dict, allowed: dict[str, fields.Field], where: str, line: int | None) -> bool:
        """Check ``table`` against a field table of ``fields``; False when anything is wrong."""
        if table.keys() <= allowed.keys() and all(
            test(table[key]) if key in table else not required for key, test, required in _tests(allowed)
        ):
            return True  # the usual case, in one pass; else the slow one below says what is wrong
        ok = True
        for key in table:
            if key not in allowed:
                names = "、".join(allowed)
                self.add(self.lines.key(key, line), f"{where}中有未知字段 {key}（允许的字段：{names}）")
                ok = False
        for key, spec in allowed.items():
            if key not in table:
                if spec.required:
                    self.add(line, f"{where}缺少字段 {key}（应为{spec.kind}）")
                    ok = False
            elif not is_kind(table[key], spec.kind):
                self.add(
                    self.lines.key(key, line),
                    f"{where}的字段 {key} 应为{spec.kind}，实际是 {_as_written(table[key]):.40}",
                )
                ok = False
        return ok


def _as_written(value) -> str:
    """A value as it is written in TOML (``2024-10-01``, ``["国庆"]``), not as Python shows it."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_as_written(v) for v in value) + "]"
    return repr(value)


def dump_toml(doc: dict) -> bytes:
    import tomli_w

    return tomli_w.dumps(doc).encode("utf-8")
