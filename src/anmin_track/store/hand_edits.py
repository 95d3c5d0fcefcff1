"""What hand edits of the data folder may have lost, for every command to warn about.

Cheap on every read: a scan of the progress folder, and the index's file stamps
compared with the files'. Only when the stamps differ (a month file was edited by hand,
cut short, deleted, or the folder restored from a copy) are those files read: a copy
keeps the content the index has a digest of, and is no edit; of the others it is seen
whether a file shrank or a task's latest record, as the index last saw it, is gone. The warnings last
until ``anmin check`` has shown them and saved a fresh index (accepting the new state); an index
rebuilt and saved meanwhile keeps what it is compared with as its ``baseline``.
"""

from __future__ import annotations

import contextlib
from datetime import date, datetime

from anmin_track import model
from anmin_track.errors import DataError, Message, Step
from anmin_track.store.folder import DataDir
from anmin_track.store.index import PLAN_STAMP, changed_files, file_stamps, month_key, saved_document
from anmin_track.store.plan_file import load_plan
from anmin_track.store.records import progress_files, records_from_toml, stray_problem
from anmin_track.store.tomlcheck import read_text


def warnings(data: DataDir) -> list[Message]:
    """Everything a command should mention before its answer (empty when all is well), each without its full stop."""
    if data.bundled:
        return []
    _, strays = progress_files(data)
    found = [f"{p.file}：{p.message}" for p in (stray_problem(data, path) for path in strays)]
    plan = None
    with contextlib.suppress(DataError):  # a broken plan: the command itself says so
        plan = load_plan(data)
    lost = losses(data, plan)
    said = [Message(text) for text in found + lost]
    if lost:
        said.append(Message("确属有意修改的，检查确认后此提示不再出现；请检查全部数据", (Step("check"),)))
    return said


def losses(data: DataDir, plan: model.Plan | None = None) -> list[str]:
    """Month files that shrank or lost a task's latest record since the index was saved.

    With ``plan``, also tasks the index has records of that the plan no longer has.
    """
    saved = _saved_index(data)
    if saved is None:
        return []
    files, hashes, latest = saved
    found: list[str] = []
    if plan is not None:
        found += [
            f"任务 {task} 有进展记录，但计划文件中已没有这项任务（计划文件可能被删改）"
            for task in sorted(latest)
            if plan.task(task) is None
        ]
    stamps = {month: stamp for month, stamp in file_stamps(data).items() if month != PLAN_STAMP}
    if stamps == files:
        return found
    changed = changed_files(data, files, hashes, stamps)
    for month, old in sorted(files.items()):
        label = data.label(data.progress_dir / f"{month}.toml")
        now = stamps.get(month)
        if now is None:
            found.append(f"{label} 已不存在（上次读取时有 {old[0]} 字节），其中的进展记录已不再计入")
        elif now[0] < old[0]:
            found.append(f"{label} 比上次读取时变小了（{old[0]} → {now[0]} 字节），可能有进展记录被删除")
    months: dict[str, set[tuple] | None] = {}
    for task, (day, at, progress) in sorted(latest.items()):
        month = month_key((day.year, day.month))
        if month not in stamps or month not in changed:
            continue  # gone (said above), or unchanged
        if month not in months:
            months[month] = _record_keys(data, (day.year, day.month))
        keys = months[month]
        if keys is not None and (task, day, at) not in keys:
            label = data.label(data.month_file(day.year, day.month))
            found.append(f"任务 {task} 上次读取时的最新记录（{day}，进度 {progress}%）已不在 {label} 中")
    return found


def _saved_index(
    data: DataDir,
) -> tuple[dict[str, list], dict[str, str], dict[str, tuple[date, datetime, int]]] | None:
    """The stamps, content digests and latest records the saved index last accepted (None: no usable index).

    A rebuilt index saved after a hand edit keeps those as its ``baseline``.
    """
    found = saved_document(data)
    if found is None:
        return None
    doc = found[1]
    if isinstance(doc.get("baseline"), dict):
        doc = doc["baseline"]
    files, records, hashes = doc.get("files"), doc.get("records", []), doc.get("hashes", {})
    if not isinstance(files, dict) or not isinstance(records, list) or not isinstance(hashes, dict):
        return None
    latest = {}
    for raw in records:
        with contextlib.suppress(KeyError, TypeError, AttributeError):
            if isinstance(raw["date"], date) and isinstance(raw["at"], datetime):
                latest[str(raw["task"])] = (raw["date"], raw["at"], raw["progress"])
    # [size, mtime_ns, …]: only the stamps are compared (anything after them is not ours to judge)
    clean = {k: v[:2] for k, v in files.items() if isinstance(v, list) and len(v) >= 2 and k != PLAN_STAMP}
    return clean, hashes, latest


def _record_keys(data: DataDir, ym: tuple[int, int]) -> set[tuple] | None:
    """(task, date, at) of every record of a month file (a record corrected by hand keeps these);
    None if it cannot be read or has problems."""
    path = data.month_file(*ym)
    label = data.label(path)
    try:
        records, problems, _ = records_from_toml(read_text(path, label), label, None, ym)
    except DataError:
        return None  # the command reading it says what is wrong
    if problems:
        return None
    return {(r.task, r.date, r.at) for r in records}
