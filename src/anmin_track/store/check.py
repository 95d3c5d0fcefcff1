"""``anmin check``: every problem of the plan, the month files (and mis-named files beside them) and the
督办单 register, by file and line."""

from __future__ import annotations

from anmin_track import model
from anmin_track.errors import DataError
from anmin_track.store.folder import DataDir
from anmin_track.store.index import Index, empty_index
from anmin_track.store.plan_file import check_plan
from anmin_track.store.records import MonthFile, appendable, progress_files, records_from_toml, stray_problem
from anmin_track.store.tomlcheck import Problem, read_text


def check_all(data: DataDir) -> tuple[model.Plan | None, int, list[Problem], Index | None]:
    """Validate the plan, every month file and the register; returns the plan, record count,
    problems, and (when the plan and the months have none) the index of the files, built
    from the same reading."""
    problems: list[Problem] = []
    try:
        plan, problems = check_plan(data)
    except DataError as exc:
        return None, 0, exc.problems, None
    count = 0
    months, strays = progress_files(data)
    problems.extend(stray_problem(data, path) for path in strays)
    index = empty_index(data)
    for ym, path in sorted(months.items()):
        label = data.label(path)
        try:
            text = read_text(path, label)
            records, found, _ = records_from_toml(text, label, plan, ym)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(found)
        count += len(records)
        index.add_month(ym, MonthFile(tuple(records), appendable(text, len(records))))
    fresh = None if problems else index
    from anmin_track.store.notices import check_register  # not on the start-up path of other commands

    problems.extend(check_register(data)[1])
    return plan, count, problems, fresh
