"""The county roll-up (``anmin county``), pure: one row per township for a month, and their ranking.

A township's row is what the county's 通报 says of it: its tasks by kind, lights, overdue tasks,
报送率 (the tasks due to report in the month that did), its progress against 序时进度, its open and
overdue 督办单 and the date of its latest record (数据截至). Rows are plain values, kept in the
county's cache as JSON (``to_dict``/``row_from_dict``). No I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from anmin_track import assess, fields, model
from anmin_track.tuples import NamedTuple

DEFAULT_RANKING = fields.RANKINGS[:3]
#: How many townships at the end of the ranking the 通报 lists the red tasks of, by default.
DEFAULT_LAGGARDS = 3


class CountySettings(NamedTuple):
    """``county.toml``: the county's name, its 通报's frame, the ranking rule and the townships."""

    name: str = ""
    issuer: str = ""
    doc_number: str = ""
    addressee: str = ""
    ranking: tuple[str, ...] = DEFAULT_RANKING
    laggards: int = DEFAULT_LAGGARDS
    #: The folders listed under [[townships]], in 行政区划 order.
    order: tuple[str, ...] = ()
    #: Display names by folder (in place of the plan's ``[plan] org``).
    names: dict[str, str] = {}
    #: Folders left out of the roll-up.
    excluded: frozenset[str] = frozenset()


class RedTask(NamedTuple):
    """A red task of a township, as the 通报 names it."""

    id: str
    title: str
    kind: str
    progress: float
    expected: float
    overdue: bool


class TownshipRow(NamedTuple):
    """One township in one month, evaluated at the month's end."""

    folder: str
    org: str
    year: int
    kinds: dict[str, int]  # tasks by kind (项目, 创建, 常态)
    lights: dict[str, int]  # tasks by light (model.LIGHTS)
    overdue: int
    due: int  # tasks due to report in the month (started, not done at its start)
    reported: int  # of those, the ones with a record dated in the month
    progress: float  # weighted over the measured tasks
    expected: float  # 序时进度, weighted alike
    measured: bool  # some task has a completion percentage
    notices_open: int
    notices_overdue: int
    data_until: date | None  # the latest record's date (数据截至)
    red_tasks: tuple[RedTask, ...] = ()

    @property
    def tasks(self) -> int:
        return sum(self.kinds.values())

    @property
    def red_share(self) -> float:
        return self.lights.get(model.RED, 0) / self.tasks if self.tasks else 0.0

    @property
    def report_rate(self) -> float:
        """报送率: 1 when no task was due to report."""
        return self.reported / self.due if self.due else 1.0

    @property
    def gap(self) -> float:
        """Points ahead of 序时进度 (negative: behind)."""
        return self.progress - self.expected


class Skipped(NamedTuple):
    """A township folder left out: the file (relative to the county folder), its line, and why."""

    folder: str
    file: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 1}: {self.reason}"


class Ranked(NamedTuple):
    rank: int
    name: str
    row: TownshipRow


def township_row(
    folder: str,
    plan: model.Plan,
    month: model.Period,
    statuses: Sequence[model.GoalStatus],
    at_start: Sequence[model.TaskStatus],
    records: Iterable[model.Record],
    notices: tuple[int, int],
    data_until: date | None,
) -> TownshipRow:
    """The row of a township: ``statuses`` at the month's end, ``at_start`` each task's status the day before
    it begins, ``records`` the month's records; ``notices`` (open, overdue)."""
    tasks = [ts for g in statuses for ts in g.tasks]
    measured = [ts for ts in tasks if ts.measured]
    due = [ts for ts in at_start if ts.task.start <= month.end and ts.light != model.DONE]
    missing = assess.unreported(due, records, month.start, month.end)
    kinds = {kind: sum(ts.task.kind == kind for ts in tasks) for kind in model.KINDS}
    reds = tuple(
        RedTask(ts.task.id, ts.task.title, ts.task.kind, ts.progress, ts.expected, ts.overdue)
        for ts in tasks
        if ts.light == model.RED
    )
    return TownshipRow(
        folder=folder,
        org=plan.org,
        year=plan.year,
        kinds=kinds,
        lights={light: sum(ts.light == light for ts in tasks) for light in model.LIGHTS},
        overdue=sum(ts.overdue for ts in tasks),
        due=len(due),
        reported=len(due) - len(missing),
        progress=assess.weighted_mean((ts.progress, ts.task.weight) for ts in measured),
        expected=assess.weighted_mean((ts.expected, ts.task.weight) for ts in measured),
        measured=bool(measured),
        notices_open=notices[0],
        notices_overdue=notices[1],
        data_until=data_until,
        red_tasks=reds,
    )


#: Each ranking rule as a sort key: smaller ranks first.
_KEYS = {
    "红灯占比": lambda r: r.red_share,
    "报送率": lambda r: -r.report_rate,
    "进度差": lambda r: -r.gap,
    "逾期任务": lambda r: r.overdue,
    "逾期督办单": lambda r: r.notices_overdue,
}


def rank(rows: Iterable[TownshipRow], settings: CountySettings) -> list[Ranked]:
    """The townships in rank order by ``settings.ranking`` (each rule breaking the ties of those before it);
    ties left are shown in 行政区划 order (``settings.order``, then by folder name) and share a rank."""
    listed = {folder: n for n, folder in enumerate(settings.order)}

    def score(row: TownshipRow) -> tuple:
        return tuple(round(_KEYS[rule](row), 9) for rule in settings.ranking)

    ordered = sorted(rows, key=lambda r: (score(r), listed.get(r.folder, len(listed)), r.folder))
    names = [display_name(row, settings) for row in ordered]
    out: list[Ranked] = []
    for n, (row, name) in enumerate(zip(ordered, names, strict=True)):
        same = out and score(out[-1].row) == score(row)
        shown = f"{name}（{row.folder}）" if names.count(name) > 1 and name != row.folder else name
        out.append(Ranked(out[-1].rank if same else n + 1, shown, row))
    return out


def display_name(row: TownshipRow, settings: CountySettings) -> str:
    """The township's name in the 通报: county.toml's, else its plan's ``[plan] org``, else its folder's
    (``rank`` adds the folder to a name two townships share)."""
    return settings.names.get(row.folder) or row.org or row.folder


def laggards(ranked: Sequence[Ranked], settings: CountySettings) -> list[Ranked]:
    """The last ``settings.laggards`` townships of the ranking that have red tasks (never the whole list)."""
    count = min(settings.laggards, max(len(ranked) - 1, 0))
    return [r for r in ranked[len(ranked) - count :] if r.row.red_tasks] if count else []


# --------------------------------------------------------------------------- the cache's JSON


def to_dict(row: TownshipRow) -> dict:
    out = row._asdict()
    out["data_until"] = row.data_until.isoformat() if row.data_until else None
    out["red_tasks"] = [t._asdict() for t in row.red_tasks]
    return out


def row_from_dict(raw: dict) -> TownshipRow:
    """A row as ``to_dict`` wrote it (KeyError, TypeError or ValueError when it is not one)."""
    until = raw["data_until"]
    return TownshipRow(
        **{
            **raw,
            "data_until": date.fromisoformat(until) if until else None,
            "red_tasks": tuple(RedTask(**t) for t in raw["red_tasks"]),
        }
    )


def skipped_to_dict(skipped: Skipped) -> dict:
    return {"error": skipped._asdict()}


def skipped_from_dict(raw: dict) -> Skipped:
    return Skipped(**raw["error"])
