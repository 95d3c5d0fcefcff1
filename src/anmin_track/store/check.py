"""``anmin check``: every problem of the plan, the month files (and mis-named files beside them) and the
督办单 register, by file and line.

A month file whose content the saved index vouches for (``index.vouched``: validated when
the index was saved, and still fitting the plan) is not parsed again; every other month
file is read and checked record by record. Deleting ``progress/index.toml`` makes check
read them all.
"""

from __future__ import annotations

import os
from datetime import date

from anmin_track import model
from anmin_track.errors import DataError
from anmin_track.store import month_cache, parsed_cache
from anmin_track.store.folder import DataDir
from anmin_track.store.index import (
    Index,
    content_hash,
    empty_index,
    file_stamps,
    index_is_stale,
    month_key,
    rebuild_stale,
    saved_index,
    vouched,
)
from anmin_track.store.plan_file import _checked_plan, check_plan
from anmin_track.store.records import (
    RECORDS_HEADER,
    MonthFile,
    appendable,
    month_files,
    progress_files,
    read_month,
    records_from_toml,
    rule_problems,
    stray_problem,
    validation_facts,
)
from anmin_track.store.tomlcheck import LineIndex, Problem, read_bytes, text_of
from anmin_track.store.years import layout_problems, views


def check_all(
    data: DataDir, today: date | None = None
) -> tuple[model.Plan | None, int, list[Problem], list[tuple[DataDir, Index]]]:
    """Validate every plan of the folder (``years``), the month files of each against its plan (no record
    dated after ``today``), and the register; returns the current plan, the record count, the problems, and
    the index of each plan's files, built from the same reading, where the saved one is stale and nothing
    has a problem."""
    whole, today = data.whole, today or date.today()
    problems: list[Problem] = []
    try:
        strays = progress_files(whole)[1]
        found_views = views(whole)
        problems += layout_problems(whole)
    except DataError as exc:
        return None, 0, exc.problems, []
    problems.extend(stray_problem(whole, path) for path in strays)
    copies = [found for view in found_views for found in _copy_problems(view)]  # first: the rest reads the files
    if copies:
        problems += copies
        found_views = views(whole)  # the plans were told apart by what a lying copy said, maybe
    plan, count, fresh, checked, repaired = None, 0, [], [], []
    for view in found_views:
        plan, view_count, view_problems, index = _check_plan(view)  # the current plan's comes last
        problems += view_problems
        count += view_count
        if plan is not None:
            checked.append((view, plan))
            problems += _ahead_problems(view, plan, today) + _cache_problems(view, plan)
            unstamped = [] if view_problems else _edited_in_place(view)
            if unstamped:  # readers trusted the index for these: it is rebuilt, and they are reported
                index = rebuild_stale(view, plan)
                repaired += unstamped
        if index is not None:
            fresh.append((view, index))
    problems += _carried_problems(whole, checked)
    if problems:
        fresh = []
    problems += repaired
    problems += _notice_problems(whole)
    return plan, count, problems, fresh


def _notice_problems(data: DataDir) -> list[Problem]:
    """The register and the state file by line; then a register behind the state (restored alone
    from an old copy, or deleted), named with what happens and how to repair it."""
    from anmin_track.store.notice_state import check_states  # not on the start-up path of other commands
    from anmin_track.store.notices import check_register, missing_numbers

    register, problems = check_register(data)
    states, state_problems = check_states(data)
    problems += state_problems
    missing = missing_numbers(register, set(states)) if not problems else []
    if missing:
        shown = "、".join(f"{year}年第{number}号" for year, number in missing[:5]) + ("等" if len(missing) > 5 else "")
        problems.append(
            Problem(
                data.label(data.notices_file),
                None,
                f"督办单编号登记簿落后于督办单状态：缺少 {shown} 共 {len(missing)} 个编号（登记簿可能是单独从备份恢复的，"
                "或被删除了）。新编号会接着状态中最大的编号，不会重复；如有更新的登记簿备份，请用它替换该文件，"
                "或把整个数据目录恢复到同一份备份",
            )
        )
    return problems


def _check_plan(data: DataDir) -> tuple[model.Plan | None, int, list[Problem], Index | None]:
    """One plan and the month files of the years it owns: the plan, record count, problems and fresh index."""
    try:
        plan, problems = check_plan(data)
    except DataError as exc:
        return None, 0, exc.problems, None
    count = 0
    months = month_files(data)
    index = empty_index(data) if not data.bundled and index_is_stale(data) else None
    known, known_appendable = vouched(data, plan) if plan is not None and not data.bundled else ({}, set())
    for ym, path in sorted(months.items()):
        label = data.label(path)
        try:
            content = read_bytes(path, label)
            key = month_key(ym)
            text = text_of(content, label)
            if plan is not None and known.get(key) == content_hash(content):
                count += _vouched_count(data, plan, ym, text, key in known_appendable, index)
                continue
            records, found, _ = records_from_toml(text, label, plan, ym)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(found)
        if plan is not None and not found:
            problems += _rule_problems(plan, records, text, label)
        count += len(records)
        if index is not None:
            index.add_month(ym, MonthFile(tuple(records), appendable(text, len(records)), content_hash(content)))
    return plan, count, problems, None if problems else index


def _ahead_problems(data: DataDir, plan: model.Plan, today: date) -> list[Problem]:
    """Records dated after ``today`` (a PC whose clock ran ahead), by file and line: only month files from
    today's month on can hold them. A file that does not read is reported where it is read."""
    problems = []
    for ym, path in sorted(month_files(data).items()):
        if ym < (today.year, today.month):
            continue
        label = data.label(path)
        try:
            text = text_of(read_bytes(path, label), label)
            records, found, _ = records_from_toml(text, label, plan, ym)
        except DataError:
            continue
        lines = LineIndex(text)
        problems += [
            Problem(
                label,
                lines.entry("records", n),
                f"任务 {r.task} 的记录日期 {r.date} 晚于今天（{today}），可能是填写记录的电脑时钟不对；"
                "今天的评估、报告都不含这条记录，请撤回它后按正确的日期重新记录",
            )
            for n, r in enumerate(records)
            if r.date > today and not found
        ]
    return problems


def _cache_problems(data: DataDir, plan: model.Plan) -> list[Problem]:
    """Copies in the month cache that say other than their month file (edited by hand): reported, and removed
    so that no reader can take them for the month.

    A month the index vouches for is not parsed (a large folder's check stays fast): its copy must have an
    intact checksum, its record count (appendable months) and every record the index holds of that month.
    """
    known, known_appendable = vouched(data, plan)
    held = _held_records(data)
    problems = []
    for ym, path in sorted(month_files(data).items()):
        cache = month_cache.cache_path(data, ym)
        if not os.path.lexists(cache):
            continue
        label, key = data.label(path), month_key(ym)
        try:
            content = read_bytes(path, label)
            text = text_of(content, label)
            cache_key = month_cache.cache_key(text, validation_facts(plan))
            if known.get(key) == content_hash(content):
                count = len(RECORDS_HEADER().findall("\n" + text)) if key in known_appendable else None
                mine = [r for r in held if (r.date.year, r.date.month) == ym]
                if month_cache.faithful(data, ym, cache_key, count=count, present=mine):
                    continue
            else:
                records, found, _ = records_from_toml(text, label, plan, ym)
                if found or month_cache.faithful(data, ym, cache_key, records=records):
                    continue
        except DataError:
            continue  # reported where the month is checked
        gone = "已删除" if month_cache.discard(data, ym) else "请删除它（可随时删除，会自动重建）"
        problems.append(
            Problem(
                data.label(cache),
                None,
                f"进展缓存与月份文件 {label} 的内容不符（被改动过），{gone}；记录以月份文件为准",
            )
        )
    return problems


def _copy_problems(view: DataDir) -> list[Problem]:
    """Parsed copies of the plan and the index (``parsed_cache``) that say other than their file: reported, and made anew."""
    found = (parsed_cache.problem(view, path) for path in (view.plan_file, view.index_file) if path.exists())
    problems = [p for p in found if p is not None]
    if problems:  # a plan built from a lying copy before the check began is not the one to check
        _checked_plan.cache_clear()
    return problems


def _held_records(data: DataDir) -> list[model.Record]:
    """The records the saved index holds (each task's latest, its latest before that month, its latest values)."""
    saved = saved_index(data, file_stamps(data))
    if saved is None:
        return []
    values = [r for v in saved.values.values() for r in (v.problem, v.next, *v.metrics.values()) if r is not None]
    return [*saved.latest.values(), *saved.earlier.values(), *values]


def _edited_in_place(data: DataDir) -> list[Problem]:
    """Month files whose content is not what the saved index holds the digest of, though their size and time
    are what it stamped (a tool that keeps times, a coarse clock): readers go by size and time, and would go
    on trusting that index."""
    saved = saved_index(data, file_stamps(data))
    if saved is None:
        return []
    found = []
    for ym, path in sorted(month_files(data).items()):
        key = month_key(ym)
        if key in saved.hashes and saved.hashes[key] != content_hash(read_bytes(path, data.label(path))):
            found.append(
                Problem(
                    data.label(path),
                    None,
                    "内容已改动，但文件大小和修改时间都没有变（可能是保留时间的复制或编辑工具），此前的查看"
                    "可能按改动前的内容显示；没有别的问题时，本次检查已按现有内容重建索引，请核对其中的记录",
                )
            )
    return found


def _rule_problems(plan: model.Plan, records: list[model.Record], text: str, label: str) -> list[Problem]:
    """Records whose metric values break their metric's rules (whole numbers, a maximum), by file and line:
    records written before the rules existed are read as they are, and pointed out here."""
    found = [(n, message) for n, r in enumerate(records) for message in rule_problems(plan, r)]
    if not found:
        return []
    lines = LineIndex(text)
    return [Problem(label, lines.entry("records", n), message) for n, message in found]


def _carried_problems(data: DataDir, checked: list[tuple[DataDir, model.Plan]]) -> list[Problem]:
    """A task carried over (结转) names a task of an earlier plan: where that plan is here, the task must be in it."""
    plans = {plan.year: plan for _, plan in checked}
    problems = []
    for view, plan in checked:
        for task in plan.tasks:
            year, _, tid = task.carried_from.partition(":")
            earlier = plans.get(int(year)) if year.isdigit() else None
            if earlier is not None and earlier.year < plan.year and earlier.task(tid) is None:
                problems.append(
                    Problem(
                        data.label(view.plan_file),
                        None,
                        f"任务 {task.id} 结转自 {task.carried_from}，但{earlier.year}年计划中没有任务 {tid}",
                    )
                )
    return problems


def _vouched_count(
    data: DataDir, plan: model.Plan, ym: tuple[int, int], text: str, is_appendable: bool, index: Index | None
) -> int:
    """The number of records in a month file the index vouches for, without parsing it where it can.

    In an appendable month (validated so) each record has its own header line; otherwise,
    or when the index is being rebuilt, the month is read (from its cache when it has one).
    """
    if is_appendable and index is None:
        return len(RECORDS_HEADER().findall("\n" + text))
    month = read_month(data, plan, ym)
    if index is not None:
        index.add_month(ym, month)
    return len(month.records)
