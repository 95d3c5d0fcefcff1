"""Many years in one data folder: the plan each record belongs to, and a view of the folder per plan.

goals.toml is the current plan; when a new year's plan begins (``anmin plan new``), the
plan it replaces is kept as plans/YYYY.toml. Month files stay where they are: a record
belongs to the plan of its date's year if there is one, else to the newest earlier plan
(records dated before the first plan belong to the first). A folder with one plan is
seen whole, exactly as before there were several.

Each plan is read through its own ``DataDir`` view (its plan file, its index, the month
files of the years it owns), so everything below works on one plan at a time.
"""

from __future__ import annotations

import contextlib
import os
import re

from anmin_track.errors import DataError, InputError, system_reason
from anmin_track.store.folder import FIRST_YEAR, LAST_YEAR, PLAN_FILE, DataDir
from anmin_track.store.plan_file import load_plan
from anmin_track.store.tomlcheck import Problem

ARCHIVED_NAME = re.compile(r"^(\d{4})\.toml$")


def plans_folder_entries(data: DataDir) -> tuple[list[int], list[str]]:
    """The years of the earlier plans in plans/ (sorted), and the other names found there."""
    try:
        entries = list(os.scandir(data.plans_dir))
    except (FileNotFoundError, NotADirectoryError):
        return [], []
    except OSError as exc:
        raise DataError(
            f"{data.label(data.plans_dir)} 无法读取（{system_reason(exc)}）：它应是存放往年计划的文件夹。数据未作任何修改。"
        ) from None
    years, others = [], []
    for entry in entries:
        if entry.name.startswith("."):
            continue
        found = ARCHIVED_NAME.match(entry.name)
        if found and entry.is_file():
            years.append(int(found.group(1)))
        else:
            others.append(entry.name)
    return sorted(years), sorted(others)


def current_year(data: DataDir) -> int | None:
    """The year of goals.toml's plan (None: the plan cannot be read; the command reading it says why)."""
    with contextlib.suppress(DataError):
        return load_plan(data.whole).year
    return None


def views(data: DataDir) -> list[DataDir]:
    """A view of the folder for each plan, oldest first, the current plan (goals.toml) last."""
    return views_of(data, plans_folder_entries(data.whole)[0], lambda: current_year(data))


def views_of(data: DataDir, archived: list[int], current) -> list[DataDir]:
    """The views for earlier plans of the years ``archived`` beside a current plan of the year ``current()``."""
    base = data.whole
    if not archived:
        return [base]
    now = current()
    earlier = sorted(y for y in archived if now is None or y < now)
    if not earlier:
        return [base]
    ends = [*earlier[1:], now if now is not None else earlier[-1] + 1]
    found = [
        base._replace(archived=year, owns=(FIRST_YEAR if n == 0 else year, end - 1))
        for n, (year, end) in enumerate(zip(earlier, ends, strict=True))
    ]
    return [*found, base._replace(owns=(ends[-1], LAST_YEAR))]


def current_view(data: DataDir) -> DataDir:
    """The folder seen through its current plan: the view every command uses unless told a year."""
    return views(data)[-1]


def plan_years(data: DataDir) -> dict[int, DataDir]:
    """Each plan's year and its view (the current plan under its own year, when it can be read)."""
    found = views(data)
    out = {view.archived: view for view in found if view.archived is not None}
    year = current_year(data)
    if year is not None:
        out[year] = found[-1]
    return out


def view_of_year(data: DataDir, year: int) -> DataDir:
    """The view of the plan of ``year`` (``--year``): refused when the folder has no plan for that year."""
    years = plan_years(data)
    if year not in years:
        have = "、".join(f"{y}年" for y in sorted(years)) or "无"
        raise InputError(f"数据目录中没有{year}年的计划（现有：{have}）。")
    return years[year]


def view_owning(data: DataDir, year: int) -> DataDir:
    """The view of the plan that records dated in ``year`` belong to."""
    return next(view for view in views(data) if view.owns_year(year))


def layout_problems(data: DataDir) -> list[Problem]:
    """What is wrong with the plans of the folder as a set: names in plans/, years that disagree."""
    base = data.whole
    label = base.label(base.plans_dir)
    if base.plans_dir.is_symlink() or (base.plans_dir.exists() and not base.plans_dir.is_dir()):
        what = "符号链接" if base.plans_dir.is_symlink() else "文件"
        return [
            Problem(
                label, None, f"plans 应是存放往年计划的文件夹，实际是{what}；请把它移走或改名（往年计划不会被读取）"
            )
        ]
    years, others = plans_folder_entries(base)
    problems = [
        Problem(
            f"{label}/{name}",
            None,
            "是文件夹，不是计划文件，不会被读取"
            if ARCHIVED_NAME.match(name)
            else "往年计划的文件名应为“年度.toml”（如 2024.toml），此文件不会被读取",
        )
        for name in others
    ]
    now = current_year(base)
    for year in years:
        view = base._replace(archived=year)
        with contextlib.suppress(DataError):  # a plan that cannot be read is reported with its own problems
            found = load_plan(view).year
            if found != year:
                problems.append(
                    Problem(
                        base.label(view.plan_file), None, f"文件名表示{year}年的计划，而其中 [plan] year 为 {found}"
                    )
                )
        if now is not None and year >= now:
            problems.append(
                Problem(
                    base.label(view.plan_file),
                    None,
                    f"往年计划应早于当前计划 {PLAN_FILE}（{now}年）；此计划不会被读取，请核对年度或移走该文件",
                )
            )
    return problems
