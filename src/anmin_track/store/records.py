"""progress/YYYY-MM.toml: the progress records of one month, read, validated and appended to."""

from __future__ import annotations

import contextlib
import functools
import os
import re
from collections.abc import Iterable
from pathlib import Path

from anmin_track import fields, model
from anmin_track.errors import InputError
from anmin_track.store.folder import INDEX_FILE, MONTH_FILE, PLAN_FILE, DataDir
from anmin_track.store.tomlcheck import (
    Checker,
    LineIndex,
    Problem,
    dump_toml,
    is_kind,
    parse_toml,
    raise_if_problems,
    read_text,
)
from anmin_track.text import cn_date


def records_from_toml(
    text: str, label: str, plan: model.Plan | None, month: tuple[int, int] | None, index: bool = False
) -> tuple[list[model.Record], list[Problem], dict]:
    """Parse and validate a month file (or the index); returns records, problems, the document."""
    doc = parse_toml(text, label)
    check = Checker(label, LineIndex(text))
    if not check.table(doc, fields.INDEX_ROOT if index else fields.MONTH_ROOT, "进展文件", None):
        return [], check.problems, doc
    if doc["schema"] != model.SCHEMA:
        check.add(check.lines.key("schema"), f"schema 应为 {model.SCHEMA},实际是 {doc['schema']}")
    records = []
    seen: dict[tuple, int] = {}
    for n, raw in enumerate(doc.get("records", [])):
        before = len(check.problems)
        record = _record(raw, None, plan, month, check)
        if len(check.problems) > before:  # rare: check again, now finding line numbers (scans the text)
            del check.problems[before:]
            record = _record(raw, check.lines.entry("records", n), plan, month, check)
        if record is None:
            continue
        if not index:
            same = seen.setdefault(_identity(record), n)
            if same != n:
                check.add(
                    check.lines.entry("records", n),
                    f"这条进展记录与第 {same + 1} 条完全相同（连记录时间 at 也相同，可能是重复粘贴），"
                    "会被重复计算，请删除其中一条",
                )
                continue
        records.append(record)
    return records, check.problems, doc


def _identity(record: model.Record) -> tuple:
    """Everything a record says: two records alike in all of it are one record pasted twice."""
    return (
        record.task,
        record.date,
        record.at,
        record.progress,
        record.note,
        record.problem,
        record.next,
        record.by,
        tuple(sorted(record.metrics.items())),
    )


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
    if not 0 <= raw["progress"] <= 100:
        check.add(check.lines.key("progress", line), f"{where}的进度 {raw['progress']} 超出范围(应为 0~100)")
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
    if len(check.problems) > before:
        return None
    return model.Record(**{**raw, "metrics": dict(metrics)})


def record_to_toml(record: model.Record) -> dict:
    out = {
        "task": record.task,
        "date": record.date,
        "progress": record.progress,
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
    """Every month file in the progress folder, by (year, month)."""
    return progress_files(data)[0]


def progress_files(data: DataDir) -> tuple[dict[tuple[int, int], Path], list[Path]]:
    """The month files by (year, month), and the other files of the progress folder.

    The others are what people and sync tools leave there: ``2024-5.toml``,
    ``2024-05.TOML``, conflict copies such as ``2024-05(1).toml``. Their records are
    never read, so they must be reported. Hidden files (temp files of writers, system
    files such as .DS_Store) and the index are not counted.
    """
    found, strays = {}, []
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for entry in os.scandir(data.progress_dir):
            if entry.name.startswith(".") or entry.name == INDEX_FILE or not entry.is_file():
                continue
            m = MONTH_FILE.match(entry.name)
            if m and 1 <= int(m.group(2)) <= 12:
                found[(int(m.group(1)), int(m.group(2)))] = Path(entry.path)
            else:
                strays.append(Path(entry.path))
    return found, sorted(strays)


def stray_problem(data: DataDir, path: Path) -> Problem:
    return Problem(
        data.label(path),
        None,
        "文件名不是“年-月.toml”（如 2024-05.toml），其中的记录不会被读取；"
        "如是同步软件留下的冲突副本或另存的文件，请把其中的记录并入对应月份的文件后移走它",
    )


def load_month(data: DataDir, plan: model.Plan | None, ym: tuple[int, int]) -> list[model.Record]:
    path = data.month_file(*ym)
    if not path.exists():
        return []
    label = data.label(path)
    return list(_month_records(read_text(path, label), label, plan, ym))


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


RECORDS_HEADER = re.compile(r"^\[\[records\]\][ \t]*\r?$", re.MULTILINE)


def month_with(data: DataDir, plan: model.Plan, ym: tuple[int, int], record: model.Record) -> bytes:
    """The month file's new content: its validated text with ``record`` appended.

    Appending costs the same however many records the month holds, and keeps any
    comments or layout made by hand. It is valid TOML only when every old record has
    its own ``[[records]]`` header (as this program writes them); otherwise, such as
    a hand-written ``records = [...]`` or no record yet, the whole file is written anew.
    """
    path = data.month_file(*ym)
    added = {"records": [record_to_toml(record)]}
    if not path.exists():
        return dump_toml({"schema": model.SCHEMA, **added})
    label = data.label(path)
    text = read_text(path, label)
    records = _month_records(text, label, plan, ym)
    if records and _appendable(text, len(records)):
        return (text.rstrip("\r\n") + "\n\n").encode("utf-8") + dump_toml(added)
    return dump_toml({"schema": model.SCHEMA, "records": [record_to_toml(r) for r in [*records, record]]})


def _appendable(text: str, count: int) -> bool:
    """Whether the file has the shape this program writes: one ``[[records]]`` header per record.

    A header line can only be faked inside a multi-line string (which this program never
    writes); with none of those, every ``[[records]]`` line opens a record, so the
    appended record is the file's last and the result parses back to the records intended.
    """
    if '"""' in text or "'''" in text:
        return False
    return len(RECORDS_HEADER.findall(text)) == count


def check_new_record(plan: model.Plan, record: model.Record) -> None:
    """The record must fit the plan as it is now (re-read under the lock: a concurrent
    edit may have moved the start day, closed or removed the task)."""
    task = plan.task(record.task)
    if task is None:
        raise InputError(f"任务 {record.task} 已不在计划中(可能刚被删除),未记录。")
    if task.closed is not None:
        raise InputError(
            f"任务 {task.id} 已于{cn_date(task.closed)}销号,不再记录进展。如需继续,先运行 anmin goals reopen {task.id}。"
        )
    check = Checker(PLAN_FILE, LineIndex(""))
    _record(record_to_toml(record), None, plan, (record.date.year, record.date.month), check)
    if check.problems:
        raise InputError(f"{check.problems[0].message}。数据未作任何修改。")
