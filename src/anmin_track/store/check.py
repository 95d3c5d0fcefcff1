"""``anmin check``: every problem of the plan, the month files (and mis-named files beside them) and the
督办单 register, by file and line.

A month file whose content the saved index vouches for (``index.vouched``: validated when
the index was saved, and still fitting the plan) is not parsed again; every other month
file is read and checked record by record. Deleting ``progress/index.toml`` makes check
read them all.
"""

from __future__ import annotations

from anmin_track import model
from anmin_track.errors import DataError
from anmin_track.store.folder import DataDir
from anmin_track.store.index import Index, content_hash, empty_index, index_is_stale, month_key, vouched
from anmin_track.store.plan_file import check_plan
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
)
from anmin_track.store.tomlcheck import LineIndex, Problem, read_bytes, text_of
from anmin_track.store.years import layout_problems, views


def check_all(data: DataDir) -> tuple[model.Plan | None, int, list[Problem], list[tuple[DataDir, Index]]]:
    """Validate every plan of the folder (``years``), the month files of each against its plan, and the
    register; returns the current plan, the record count, the problems, and the index of each plan's
    files, built from the same reading, where the saved one is stale and nothing has a problem."""
    whole = data.whole
    problems: list[Problem] = []
    try:
        strays = progress_files(whole)[1]
        found_views = views(whole)
        problems += layout_problems(whole)
    except DataError as exc:
        return None, 0, exc.problems, []
    problems.extend(stray_problem(whole, path) for path in strays)
    plan, count, fresh, checked = None, 0, [], []
    for view in found_views:
        plan, view_count, view_problems, index = _check_plan(view)  # the current plan's comes last
        problems += view_problems
        count += view_count
        if index is not None:
            fresh.append((view, index))
        if plan is not None:
            checked.append((view, plan))
    problems += _carried_problems(whole, checked)
    if problems:
        fresh = []
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
        return len(RECORDS_HEADER.findall("\n" + text))
    month = read_month(data, plan, ym)
    if index is not None:
        index.add_month(ym, month)
    return len(month.records)
