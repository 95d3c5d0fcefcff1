"""The state of each issued 督办单: ``.notices-state.toml`` beside the register.

The register (``store.notices``) says which numbers were taken; this file says what became
of each: sent, signed for (签收), answered (反馈), closed (销号), or void (作废). Unlike the
register it is a data file written through the journal, so sign, reply and close can be
undone (and undoing an issue leaves its number void: the register still holds it).

Shape (agreed with the sync merge driver, which merges per (year, number) and field)::

    schema = 1

    [[notices]]
    year = 2024
    number = 3
    task = "2.2"
    sent_at = 2024-06-03T09:00:00+08:00
    signed_by = "王五"
    ...

one table per notice, flat scalars only, written sorted by (year, number).
"""

from __future__ import annotations

from datetime import date, datetime

from anmin_track import fields
from anmin_track.errors import DataError
from anmin_track.store.folder import DataDir
from anmin_track.store.tomlcheck import Checker, LineIndex, Problem, dump_toml, parse_toml, raise_if_problems, read_text
from anmin_track.tuples import NamedTuple

STATE_SCHEMA = 1
HEADER = (
    "# 督办单状态：发出、签收、反馈、销号、作废。由 anmin notice 等命令维护，每次修改都可用 anmin undo 撤销。\n"
    "# 每份督办单一张表，按编号年度和序号排列；已用过的编号见 .notices.toml。\n"
)


class NoticeState(NamedTuple):
    """What became of one 督办单 (field names and labels: ``fields.NOTICE_STATE``)."""

    year: int
    number: int
    task: str
    to: str = ""  # 主送: the 责任单位 (or the --to) the notice went to
    level: str = ""  # 督办等级: 黄色 / 红色
    sent_at: datetime | None = None  # delivered (the document written or shown)
    signed_by: str = ""  # 签收人
    signed_on: date | None = None
    reply: str = ""  # 办理情况反馈
    replied_on: date | None = None
    closed_on: date | None = None  # 销号
    close_note: str = ""
    closed_by: str = ""
    void: bool = False  # 作废: the number was taken, the document never went out
    void_note: str = ""

    @property
    def key(self) -> tuple[int, int]:
        return (self.year, self.number)


States = dict[tuple[int, int], NoticeState]


def load_states(data: DataDir) -> States:
    """Every notice's state by (year, number); DataError naming file and line when the file is wrong."""
    states, problems = check_states(data)
    raise_if_problems(problems)
    return states


def check_states(data: DataDir) -> tuple[States, list[Problem]]:
    """The states and the file's problems (none when there is no file yet)."""
    path = data.notice_state_file
    if not path.exists() and not path.is_symlink():
        return {}, []
    label = data.label(path)
    try:
        text = read_text(path, label)
        doc = parse_toml(text, label)
    except DataError as exc:
        return {}, exc.problems
    check = Checker(label, LineIndex(text))
    if not check.table(doc, fields.NOTICE_STATE_ROOT, "", None):
        return {}, check.problems
    if doc["schema"] != STATE_SCHEMA:
        check.add(check.lines.key("schema"), f"督办单状态的格式版本应为 {STATE_SCHEMA}，实际是 {doc['schema']}")
        return {}, check.problems
    states: States = {}
    for n, raw in enumerate(doc.get("notices", [])):
        line = check.lines.entry("notices", n)
        if not check.table(raw, fields.NOTICE_STATE, f"第 {n + 1} 份督办单的状态", line):
            continue
        state = NoticeState(**raw)
        if state.key in states:
            check.add(line, f"{state.year}年第 {state.number} 号督办单的状态写了两次")
        states[state.key] = state
    return states, check.problems


def state_document(states: States) -> bytes:
    """The file's content: the header, the schema, one table per notice sorted by (year, number), empty fields left out."""
    parts = [HEADER.encode("utf-8"), dump_toml({"schema": STATE_SCHEMA})]
    for key in sorted(states):
        table = {k: v for k, v in states[key]._asdict().items() if v not in ("", None, False)}
        parts.append(b"\n[[notices]]\n" + dump_toml(table))
    return b"".join(parts)


def highest_numbers(states: States) -> dict[int, int]:
    """The highest number each year's notices have in the state file (a register restored alone may know less)."""
    highest: dict[int, int] = {}
    for year, number in states:
        highest[year] = max(highest.get(year, 0), number)
    return highest
