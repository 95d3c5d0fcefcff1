"""progress/YYYY-MM.toml: the progress records of one month, read, validated and appended to."""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path

from anmin_track import fields, model
from anmin_track.errors import DataError, InputError, Step, system_reason
from anmin_track.store.folder import INDEX_NAME, MONTH_FILE, PLAN_FILE, DataDir, content_hash, kind_of
from anmin_track.store.tomlcheck import (
    Checker,
    LineIndex,
    Problem,
    dump_toml,
    is_kind,
    parse_toml,
    raise_if_problems,
    read_bytes,
    read_text,
    text_of,
)
from anmin_track.text import cn_date, lazy_regex
from anmin_track.tuples import NamedTuple


def records_from_toml(
    text: str, label: str, plan: model.Plan | None, month: tuple[int, int] | None, index: bool = False
) -> tuple[list[model.Record], list[Problem], dict]:
    """Parse and validate a month file (or the index); returns records, problems, the document."""
    doc = parse_toml(text, label)
    check = Checker(label, LineIndex(text))
    if not check.table(doc, fields.INDEX_ROOT if index else fields.MONTH_ROOT, "进展文件", None):
        return [], check.problems, doc
    schema = doc["schema"]
    if schema > model.SCHEMA:
        check.add(
            check.lines.key("schema"),
            f"进展文件的格式版本为 {schema}，本程序只能读取到版本 {model.SCHEMA}。"
            "请升级 anmin-track（pip install -U anmin-track）后再试。",
        )
        return [], check.problems, doc
    if schema < 1:
        check.add(check.lines.key("schema"), f"schema 应为 1 到 {model.SCHEMA} 的整数，实际是 {schema}")
    records = records_of(doc, "records", check, plan, month, unique=not index)
    if 1 <= schema < BARE_SCHEMA and any(r.progress is None for r in records):
        check.add(
            check.lines.key("schema"),
            f"有不写进度（progress）的记录时，schema 应为 {BARE_SCHEMA}（旧版程序会据此提示升级）",
        )
    return records, check.problems, doc


#: The month-file schema that allows a record without ``progress``.
BARE_SCHEMA = 2


def month_schema(records: Iterable[model.Record]) -> int:
    """The lowest schema a month file of ``records`` needs: older programs keep reading months without
    records of 常态 tasks (which have no ``progress``)."""
    return BARE_SCHEMA if any(r.progress is None for r in records) else 1


def month_document(records: list[model.Record]) -> bytes:
    """A month file of ``records``, under the schema they need, sorted by (``at``, task): two PCs that hold the
    same records hold the same bytes (``merge`` writes merged months in this order too)."""
    ordered = sorted(records, key=lambda r: (r.at, r.task))
    return dump_toml({"schema": month_schema(records), "records": [record_to_toml(r) for r in ordered]})


#: The version of what ``_record`` and ``records_of`` check. An index vouches for the month
#: files it was saved from (``index.vouched``) only under the rules they were checked by:
#: raise it whenever a record that passed before may now be refused (2: task kinds; 3: one record per
#: task and ``at``).
RULES = 3


def records_of(
    doc: dict,
    array: str,
    check: Checker,
    plan: model.Plan | None,
    month: tuple[int, int] | None,
    unique: bool = False,
) -> list[model.Record]:
    """The valid records of ``doc[array]``; the others become problems of ``check``.

    ``unique``: a record is one per task and ``at`` (its identity, which ``sync`` merges by): one
    identical to an earlier one in every field is a pasted copy, one that differs is two versions of
    one record (say, amended differently on two PCs and put together by hand); both are problems.
    """
    records = []
    seen: dict[tuple, tuple[model.Record, int]] = {}
    for n, raw in enumerate(doc.get(array, [])):
        before = len(check.problems)
        record = _record(raw, None, plan, month, check)
        if len(check.problems) > before:  # rare: check again, now finding line numbers (scans the text)
            del check.problems[before:]
            record = _record(raw, check.lines.entry(array, n), plan, month, check)
        if record is None:
            continue
        if unique:
            same = _same_identity(seen, record, n)
            if same is not None:
                earlier, m = same
                if _identity(earlier) == _identity(record):
                    check.add(
                        check.lines.entry(array, n),
                        f"这条进展记录与第 {m + 1} 条完全相同（连记录时间 at 也相同，可能是重复粘贴），"
                        "会被重复计算，请删除其中一条",
                    )
                else:
                    check.add(
                        check.lines.entry(array, n),
                        f"这条进展记录与第 {m + 1} 条是任务 {record.task} 同一记录时间 at 的记录，内容却不同"
                        "（同一条记录的两个版本）；一项任务同一时间只能有一条记录，请保留正确的一条，删除另一条",
                    )
                continue
        records.append(record)
    return records


def _same_identity(
    seen: dict[tuple, tuple[model.Record, int]], record: model.Record, n: int
) -> tuple[model.Record, int] | None:
    """The earlier record of ``record``'s task with its ``at``, and its position (None: there is none)."""
    key = (record.task, record.at)
    if key in seen:
        return seen[key]
    seen[key] = (record, n)
    return None


def _identity(record: model.Record) -> tuple:
    return (*model.said(record), record.by)


def _record(raw: dict, line, plan, month, check: Checker) -> model.Record | None:
    where = "进展记录"
    if not check.table(raw, fields.RECORD, where, line):
        return None
    before = len(check.problems)
    if raw["at"].tzinfo is None:
        check.add(
            check.lines.key("at", line),
            f"{where}的记录时间 at = {raw['at'].isoformat()} 缺少时区，应写成如 2024-05-31T10:00:00+08:00",
        )
        return None
    progress = raw.get("progress")
    if progress is not None and not 0 <= progress <= 100:
        check.add(check.lines.key("progress", line), f"{where}的进度 {progress} 超出范围（应为 0~100）")
    if month and (raw["date"].year, raw["date"].month) != month:
        check.add(
            check.lines.key("date", line), f"{where}的日期 {raw['date']} 不属于本文件的月份 {month[0]}-{month[1]:02d}"
        )
    if raw["date"] > raw["at"].date():
        check.add(check.lines.key("date", line), f"{where}的日期 {raw['date']} 晚于记录时间 {raw['at']}")
    metrics = raw.get("metrics", {})
    for name, value in metrics.items():
        if not is_kind(value, fields.NUMBER):
            check.add(check.lines.key(name, line), f"{where}的指标 {name} 应为数字")
    task = plan.task(raw["task"]) if plan else None
    if plan and task is None:
        check.add(check.lines.key("task", line), f"{where}属于不存在的任务 {raw['task']}")
    if task is not None:
        if raw["date"] < task.start:
            check.add(check.lines.key("date", line), f"{where}的日期 {raw['date']} 早于任务开始日期 {task.start}")
        for name in metrics:
            if task.metric(name) is None:
                check.add(check.lines.key(name, line), f"{where}的指标 {name} 不是任务 {task.id} 的指标")
        if progress is None and task.measured:
            check.add(
                line,
                f"{where}缺少进度 progress：任务 {task.id} 是{task.kind}类任务，每条记录都应写进度（只有常态工作可以不写）",
            )
    if len(check.problems) > before:
        return None
    return model.Record(**{**raw, "progress": progress, "metrics": dict(metrics)})


def rule_problems(plan: model.Plan, record: model.Record) -> list[str]:
    """What in ``record`` breaks its metrics' rules (whole numbers, a maximum): ``check`` reports these for
    records written before the rules, which are still read; new and corrected records are refused."""
    task = plan.task(record.task)
    if task is None:
        return []
    found = []
    for name, value in record.metrics.items():
        metric = task.metric(name)
        why = metric.refusal(value) if metric else ""
        if why:
            found.append(f"任务 {task.id} {record.date} 的进展记录：{why}（旧记录照常读取，请更正）")
    return found


#: The keys of a record in the order ``record_to_toml`` writes them (``merge`` writes merged records so too).
RECORD_ORDER = ("task", "date", "progress", "note", "problem", "next", "by", "at", "metrics")


def record_to_toml(record: model.Record) -> dict:
    out = {
        "task": record.task,
        "date": record.date,
        **({} if record.progress is None else {"progress": record.progress}),
        "note": record.note,
        "problem": record.problem,
        "next": record.next,
        "by": record.by,
        "at": record.at,
    }
    if record.metrics:
        out["metrics"] = dict(record.metrics)
    return out


def month_files(data: DataDir) -> dict[tuple[int, int], Path]:
    """Every month file in the progress folder whose records belong to ``data``'s plan, by (year, month)."""
    found = progress_files(data)[0]
    if data.owns is None:
        return found
    return {ym: path for ym, path in found.items() if data.owns_year(ym[0])}


def progress_files(data: DataDir) -> tuple[dict[tuple[int, int], Path], list[Path]]:
    """The month files by (year, month), and the other files of the progress folder.

    The others are what people and sync tools leave there: ``2024-5.toml``,
    ``2024-05.TOML``, conflict copies such as ``2024-05(1).toml``. Their records are
    never read, so they must be reported. Hidden files (temp files of writers, system
    files such as .DS_Store) and the indexes are not counted. Every month of the folder,
    whichever plan its records belong to (``month_files`` keeps those of ``data``'s).
    """
    found: dict[tuple[int, int], Path] = {}
    strays: list[Path] = []
    try:
        entries = list(os.scandir(data.progress_dir))
    except FileNotFoundError:
        return found, strays
    except OSError as exc:  # `progress` is a file, a FIFO, unreadable…
        what = "不是文件夹" if isinstance(exc, NotADirectoryError) else f"无法读取（{system_reason(exc)}）"
        raise DataError(
            f"{data.label(data.progress_dir)} {what}：它应是存放进展文件的文件夹。请把它移走或改名后重试。数据未作任何修改。"
        ) from None
    for entry in entries:
        if entry.name.startswith(".") or INDEX_NAME.match(entry.name):
            continue
        if not entry.is_file():  # a folder, FIFO or dangling link where a month file would be: reported
            if entry.name.lower().endswith(".toml"):
                strays.append(Path(entry.path))
            continue
        m = MONTH_FILE.match(entry.name)
        if m and 1 <= int(m.group(2)) <= 12:
            found[(int(m.group(1)), int(m.group(2)))] = Path(entry.path)
        else:
            strays.append(Path(entry.path))
    return found, sorted(strays)


def stray_problem(data: DataDir, path: Path) -> Problem:
    if not path.is_file():
        what = kind_of(path.stat().st_mode) if path.exists() else "指向不存在的文件的链接"
        return Problem(
            data.label(path),
            None,
            f"应是进展文件（普通文件），实际是{what}，其中不会有记录被读取，也不能写入；请把它移走或改名",
        )
    return Problem(
        data.label(path),
        None,
        "文件名不是“年-月.toml”（如 2024-05.toml），其中的记录不会被读取；"
        "如是同步软件留下的冲突副本或另存的文件，请把其中的记录并入对应月份的文件后移走它",
    )


def load_month(data: DataDir, plan: model.Plan, ym: tuple[int, int]) -> list[model.Record]:
    path = data.month_file(*ym)
    if not path.exists():
        return []
    label = data.label(path)
    return list(_validated(data, read_text(path, label), label, plan, ym))


@functools.lru_cache(maxsize=2)
def _validated(data: DataDir, text: str, label: str, plan: model.Plan, ym: tuple[int, int]) -> tuple[model.Record, ...]:
    """The month's validated records: from the month cache when it holds this very text (large months only).

    Remembers the last two answers: the report reads its month twice (records, latest texts)."""
    from anmin_track.store import month_cache  # only a command that reads a month file needs it

    if len(text) < month_cache.CACHE_FROM:
        return _month_records(text, label, plan, ym)
    key = month_cache.cache_key(text, validation_facts(plan))
    cached = month_cache.load(data, ym, key)
    if cached is None:
        cached = _month_records(text, label, plan, ym)
        month_cache.save(data, ym, key, cached)
    return cached


def validation_facts(plan: model.Plan) -> str:
    """All that ``_record`` checks a record against in the plan: each task's id, start, metric names and
    whether its records need a progress."""
    return repr([(t.id, t.start.isoformat(), [m.name for m in t.metrics], t.measured) for t in plan.tasks])


@functools.lru_cache(maxsize=2)
def _month_records(text: str, label: str, plan: model.Plan, ym: tuple[int, int]) -> tuple[model.Record, ...]:
    """A month file's validated records, from its text.

    Remembers the last two answers: a write re-reads, under the lock, the month file it
    has just read (a backdated ``goals update``), and the same text means the same answer.
    """
    records, problems, _ = records_from_toml(text, label, plan, ym)
    raise_if_problems(problems)
    return tuple(records)


def load_records(data: DataDir, plan: model.Plan, months: Iterable[tuple[int, int]]) -> list[model.Record]:
    return [r for ym in months for r in load_month(data, plan, ym)]


#: A ``[[records]]`` header line, searched for in ``"\n" + text`` from the newline before it:
#: a literal prefix the regex engine finds quickly (5 times faster than ``^`` on big months).
RECORDS_HEADER = lazy_regex(r"\n\[\[records\]\][ \t]*\r?$", re.MULTILINE)


class MonthFile(NamedTuple):
    records: tuple[model.Record, ...]
    #: The file has the shape this program writes: a record can be appended to its text.
    appendable: bool
    #: ``content_hash`` of the very bytes the records were read and validated from.
    hash: str


_RECORDS_KEY = lazy_regex(r"""^[ \t]*["']?records["']?[ \t]*=""", re.MULTILINE)
_RECORDS_KEY_HINT = lazy_regex(r"""records["']?[ \t]*=""")  # quick to rule out; the line is then checked


def appendable(text: str, count: int) -> bool:
    """Every record stands under its own ``[[records]]`` header and none is written as ``records = [...]``.

    A header line can only be faked inside a multi-line string (which this program never
    writes), and a ``records =`` line means a hand-written array: with either the file is
    written anew, never extended into something that does not parse.
    """
    if '"""' in text or "'''" in text:
        return False
    if count == 0 or len(RECORDS_HEADER().findall("\n" + text)) != count:
        return False
    return not (_RECORDS_KEY_HINT().search(text) and _RECORDS_KEY().search(text))


def read_month(data: DataDir, plan: model.Plan, ym: tuple[int, int]) -> MonthFile:
    """A month file's validated records and whether it can be appended to."""
    path = data.month_file(*ym)
    label = data.label(path)
    content = read_bytes(path, label)
    text = text_of(content, label)
    records = _validated(data, text, label, plan, ym)
    return MonthFile(records, appendable(text, len(records)), content_hash(content))


def month_with(
    data: DataDir, plan: model.Plan, ym: tuple[int, int], record: model.Record, content: bytes | None, trusted: bool
) -> bytes:
    """The month file's new content with ``record`` added; ``content``: the file's now (None: no file).

    ``trusted``: the index vouches that this content was validated and has the appendable
    shape, so the record is appended without parsing the month again: the cost is the
    same however many records the month holds, and comments or layout made by hand stay.
    Otherwise the file is validated first, and written anew when its shape does not allow
    appending. The appended part is parsed back before it is used.
    """
    if content is None:
        return month_document([record])
    label = data.label(data.month_file(*ym))
    text = text_of(content, label)
    if not trusted or (record.progress is None and not _BARE_SCHEMA_LINE().search(text)):
        records = _month_records(text, label, plan, ym)
        if not appendable(text, len(records)) or month_schema([record]) > month_schema(records):
            return month_document([*records, record])
    return (text.rstrip("\r\n") + "\n\n").encode("utf-8") + _record_chunk(record)


#: A month file written under the schema that allows records without progress.
_BARE_SCHEMA_LINE = lazy_regex(rf"^schema = {BARE_SCHEMA}\s*$", re.MULTILINE)


def _record_chunk(record: model.Record) -> bytes:
    """``[[records]]`` and the record's keys, checked to read back as the record itself."""
    chunk = dump_toml({"records": [record_to_toml(record)]})
    back = records_of(
        parse_toml(chunk.decode("utf-8"), "新记录"), "records", Checker("新记录", LineIndex("")), None, None
    )
    if back != [record]:
        raise AssertionError(f"record does not survive TOML: {record!r}")
    return chunk


def check_task_open(task: model.Task) -> None:
    """A task signed off (销号) takes no new or changed records."""
    if task.closed is not None:
        raise InputError(
            f"任务 {task.id} 已于{cn_date(task.closed)}销号，不再记录进展。如需继续，请先重新打开该任务。",
            steps=(Step("reopen", (task.id,)),),
        )


def check_new_record(plan: model.Plan, record: model.Record) -> None:
    """The record must fit the plan as it is now (re-read under the lock: a concurrent
    edit may have moved the start day, closed or removed the task)."""
    task = plan.task(record.task)
    if task is None:
        raise InputError(f"任务 {record.task} 已不在计划中（可能刚被删除），未记录。")
    check_task_open(task)
    check = Checker(PLAN_FILE, LineIndex(""))
    _record(record_to_toml(record), None, plan, (record.date.year, record.date.month), check)
    if check.problems:
        raise InputError(f"{check.problems[0].message}。数据未作任何修改。")
