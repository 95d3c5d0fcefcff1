"""The register of issued 督办单 numbers: ``.notices.toml`` in the data folder.

A number once used stays used, as in an office's 发文登记簿: the register is written
outside the journal, so ``anmin undo`` never rolls it back (and the journal refuses to
restore it, see ``journal._safe_rel``). It is rewritten whole and atomically under the
data folder's lock by the one caller that takes numbers (``actions.issue_notices``), so
two clerks issuing at the same moment never get the same number. Validated on every
read: a register that does not parse stops the issuing of numbers (``anmin check``
names the line).
"""

from __future__ import annotations

from datetime import date, datetime

from anmin_track import fields
from anmin_track.errors import DataError, WriteError
from anmin_track.store.folder import DataDir
from anmin_track.store.lock import write_failure
from anmin_track.store.safe_io import Replaced, atomic_write, read_or_none, require_own_path
from anmin_track.store.tomlcheck import Checker, LineIndex, Problem, dump_toml, parse_toml, raise_if_problems, read_text
from anmin_track.tuples import NamedTuple

HEADER = (
    "# 督办单编号登记簿：anmin report notice 每发出一份督办单，在此登记一条。\n"
    "# 编号一经使用不再重复；anmin undo 不会撤销本文件。请勿手工删改。\n"
)


class IssuedNotice(NamedTuple):
    """One 督办单 as registered (field names and labels: ``fields.NOTICE``)."""

    year: int  # the signing year, which numbers count in
    number: int
    code: str  # 督办〔2024〕3号, as printed on the notice
    task: str
    title: str
    signed: date
    as_of: date
    reply_by: date
    by: str
    at: datetime
    output: str = ""  # the file written, or "" for the screen


def load_register(data: DataDir) -> list[IssuedNotice]:
    """Every notice issued so far, in the order issued; DataError naming file and line when it is wrong."""
    register, problems = check_register(data)
    raise_if_problems(problems)
    return register


def check_register(data: DataDir) -> tuple[list[IssuedNotice], list[Problem]]:
    """The register and its problems (none when there is no register yet)."""
    path = data.notices_file
    if not path.exists() and not path.is_symlink():
        return [], []
    label = data.label(path)
    try:
        text = read_text(path, label)
        doc = parse_toml(text, label)
    except DataError as exc:
        return [], exc.problems
    check = Checker(label, LineIndex(text))
    if not check.table(doc, fields.NOTICE_REGISTER, "", None):
        return [], check.problems
    register: list[IssuedNotice] = []
    seen: set[tuple[int, int]] = set()
    for n, raw in enumerate(doc.get("notices", [])):
        line = check.lines.entry("notices", n)
        if not check.table(raw, fields.NOTICE, f"第 {n + 1} 条督办单登记", line):
            continue
        entry = IssuedNotice(**raw)
        if (entry.year, entry.number) in seen:
            check.add(line, f"编号 {entry.code} 登记了两次（{entry.year}年第 {entry.number} 号）")
        seen.add((entry.year, entry.number))
        register.append(entry)
    return register, check.problems


def next_number(register: list[IssuedNotice], year: int) -> int:
    """The first number not yet used in ``year``: one past the highest (a gap is never filled)."""
    return max((e.number for e in register if e.year == year), default=0) + 1


def append_register(data: DataDir, entries: list[IssuedNotice]) -> None:
    """Add ``entries`` at the end of the register, atomically. The caller holds the lock
    and has read the register under it (``load_register``)."""
    path = data.notices_file
    require_own_path(data, path)  # a symlinked register: never write through it
    before = read_or_none(path) or HEADER.encode("utf-8")
    added = b"".join(b"\n[[notices]]\n" + dump_toml(e._asdict()) for e in entries)
    try:
        atomic_write(path, before + added)
    except Replaced:
        pass  # the numbers are in the register
    except OSError as exc:
        raise WriteError(write_failure(path, exc).replace("数据未作任何修改", "没有登记任何编号")) from None
