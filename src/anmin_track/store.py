"""Finding, reading, validating and safely writing the data folder.

Layout of a data folder::

    goals.toml              the plan: goals, key tasks, settings
    progress/YYYY-MM.toml   progress records, one file per month of the record's date
    progress/index.toml     derived: each task's latest record + the size of every month
                            file it was built from (rebuilt whenever the sizes disagree)
    .anmin.lock             the lock every writer holds while it writes
    .history/NNNNNNNN/      the journal: one entry per write (before-images of the files
                            it replaced), newest ``HISTORY_KEEP`` kept; ``anmin undo`` / ``log``

Reading "the current state" needs goals.toml and the index only; looking at a past day
reads the month files backwards from that day, no further than it has to.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import stat
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath

from anmin_track import model
from anmin_track.errors import AnminError, DataError, InputError, NotFoundError, WriteError
from anmin_track.text import cn_date

DATA_ENV = "ANMIN_DATA"
LOCK_TIMEOUT_ENV = "ANMIN_LOCK_TIMEOUT"
PLAN_FILE = "goals.toml"
PROGRESS_DIR = "progress"
INDEX_FILE = "index.toml"
LOCK_FILE = ".anmin.lock"
HISTORY_DIR = ".history"
HISTORY_KEEP = 200
MONTH_FILE = re.compile(r"^(\d{4})-(\d{2})\.toml$")
GOAL_ID = re.compile(r"^\d+$")


# --------------------------------------------------------------------------- locating


@dataclass(frozen=True)
class DataDir:
    path: Path
    bundled: bool = False

    @property
    def plan_file(self) -> Path:
        return self.path / PLAN_FILE

    @property
    def progress_dir(self) -> Path:
        return self.path / PROGRESS_DIR

    @property
    def index_file(self) -> Path:
        return self.progress_dir / INDEX_FILE

    @property
    def history_dir(self) -> Path:
        return self.path / HISTORY_DIR

    def month_file(self, year: int, month: int) -> Path:
        return self.progress_dir / f"{year:04d}-{month:02d}.toml"


def bundled_plan_file() -> Path:
    """The 2024 plan shipped with the package (falls back to the source tree when editable)."""
    packaged = Path(__file__).with_name("plan") / PLAN_FILE
    if packaged.is_file():
        return packaged
    return Path(__file__).resolve().parents[2] / "data" / PLAN_FILE


def find_data_dir(option: str | os.PathLike | None = None) -> DataDir:
    """``--data`` wins, then ``$ANMIN_DATA``, then ``./data``, then the bundled read-only plan."""
    chosen = option or os.environ.get(DATA_ENV)
    if chosen:
        path = Path(chosen)
        with contextlib.suppress(RuntimeError):  # `~nosuchuser`: no home to expand, keep it as typed
            path = path.expanduser()
        if not (path / PLAN_FILE).is_file():
            raise InputError(
                f"数据目录 {path} 中没有计划文件 {PLAN_FILE}。"
                f"可运行 `anmin init {path}` 创建,或检查 --data / {DATA_ENV} 的设置。"
            )
        return DataDir(path)
    local = Path("data")
    if (local / PLAN_FILE).is_file():
        return DataDir(local)
    return DataDir(bundled_plan_file().parent, bundled=True)


def require_writable(data: DataDir) -> None:
    if data.bundled:
        raise WriteError(
            "当前读取的是程序自带的2024年计划(只读),不能记录进展。"
            "请先运行 `anmin init 数据目录`(如 `anmin init data`)创建可写副本,"
            f"再在该目录的上一级运行,或用 --data / {DATA_ENV} 指定它。"
        )


# --------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One thing wrong in a data file, printed as ``文件:行: 说明``."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line or 1}: {self.message}"


def data_error(problems: list[Problem]) -> DataError:
    more = f"(另有 {len(problems) - 1} 处问题,运行 `anmin check` 查看全部)" if len(problems) > 1 else ""
    return DataError(f"{problems[0]}{more}。数据未作任何修改。", problems)


def raise_if_problems(problems: list[Problem]) -> None:
    if problems:
        raise data_error(problems)


class LineIndex:
    """Where tables and keys stand in a TOML text, for line numbers in messages.

    tomllib reports no positions for values, so this scans the text: the n-th
    ``[[name]]`` header is taken to open the n-th entry of that array. The scan runs
    on first use only, which for valid files is never (see ``records_from_toml``).
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")
    _KEY = re.compile(r"""^\s*["']?([^"'=\s]+)["']?\s*=""")

    def __init__(self, text: str):
        self._text = text

    @functools.cached_property
    def _scan(self) -> tuple[list[tuple[int, str, bool]], list[tuple[int, str]]]:
        headers: list[tuple[int, str, bool]] = []
        keys: list[tuple[int, str]] = []
        fence = None
        for no, line in enumerate(self._text.splitlines(), 1):
            if fence:
                if fence in line:
                    fence = None
                continue
            header = self._HEADER.match(line)
            if header:
                headers.append((no, header.group(2), header.group(1) == "[["))
                continue
            key = self._KEY.match(line)
            if key:
                keys.append((no, key.group(1)))
                for quote in ('"""', "'''"):
                    if line.count(quote) % 2:
                        fence = quote
        return headers, keys

    @property
    def headers(self) -> list[tuple[int, str, bool]]:
        return self._scan[0]

    @property
    def keys(self) -> list[tuple[int, str]]:
        return self._scan[1]

    @functools.cached_property
    def _entries(self) -> dict[str, list[int]]:
        entries: dict[str, list[int]] = {}
        for no, name, is_array in self.headers:
            if is_array:
                entries.setdefault(name, []).append(no)
        return entries

    def entry(self, array: str, n: int) -> int | None:
        lines = self._entries.get(array, [])
        return lines[n] if n < len(lines) else None

    def key(self, name: str, after: int | None = None) -> int | None:
        start = after or 0
        stop = next((no for no, _, _ in self.headers if no > start), None)
        for no, key in self.keys:
            if no > start and (stop is None or no < stop) and key == name:
                return no
        return after


def parse_toml(text: str, label: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+), column (\d+)", str(exc))
        if found:
            line, where = int(found.group(1)), f"第 {found.group(2)} 列"
        else:  # "at end of document"
            line, where = max(1, len(text.splitlines())), "文件末尾"
        raise data_error([Problem(label, line, f"TOML 格式错误({where}):{_toml_reason(str(exc))}")]) from None
    except RecursionError:
        raise data_error([Problem(label, None, "TOML 格式错误(数组或表嵌套层数过深)")]) from None


TOML_REASONS = (
    ("Invalid value", "值的写法不对(文字要用英文双引号括起来,日期写成 2024-05-31)"),
    ("Cannot overwrite", "同一个字段或表写了两次"),
    ("Cannot declare", "同一个表写了两次"),
    ("Illegal character", "文字缺少结尾的引号,或含有不允许的字符"),
    ("Unterminated string", "文字缺少结尾的引号"),
    ("Expected '=' after a key", "字段名后面缺少 ="),
    ("Expected newline", "一行只能写一个字段"),
    ("Unclosed array", "列表缺少结尾的 ]"),
)


def _toml_reason(message: str) -> str:
    return next((chinese for english, chinese in TOML_REASONS if message.startswith(english)), "格式不正确")


def read_text(path: Path, label: str) -> str:
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        reason = f"文件不是 UTF-8 编码(第 {exc.start} 字节),请另存为 UTF-8"
    except FileNotFoundError:
        reason = "文件不存在"
    except OSError as exc:
        reason = f"无法读取({exc.strerror})"
    raise data_error([Problem(label, None, reason)])


# --------------------------------------------------------------------------- field checks

TEXT, INT, NUMBER, DATE, DATETIME, TEXT_LIST, TABLE, TABLE_LIST = (
    "文本",
    "整数",
    "数字",
    "日期(如 2024-05-31)",
    "日期时间",
    "文本列表",
    "表",
    "表数组",
)


# Numbers beyond this are typing slips, and would overflow (or lose precision in) float sums.
NUMBER_LIMIT = 2**53


def _is(value, kind: str) -> bool:
    if kind == TEXT:
        return isinstance(value, str)
    if kind == INT:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) < NUMBER_LIMIT
    if kind == NUMBER:
        # abs() < limit is also False for nan, so inf and nan are refused too
        return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < NUMBER_LIMIT
    if kind == DATE:
        return isinstance(value, date) and not isinstance(value, datetime)
    if kind == DATETIME:
        return isinstance(value, datetime)
    if kind == TEXT_LIST:
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if kind == TABLE:
        return isinstance(value, dict)
    if kind == TABLE_LIST:
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    raise AssertionError(kind)


@dataclass
class Checker:
    """Collects problems of one file; ``fields`` maps a key to (kind, required)."""

    label: str
    lines: LineIndex
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.label, line, message))

    def table(self, table: dict, fields: dict[str, tuple[str, bool]], where: str, line: int | None) -> bool:
        ok = True
        for key in table:
            if key not in fields:
                allowed = "、".join(fields)
                self.add(self.lines.key(key, line), f"{where}中有未知字段 {key}(允许的字段:{allowed})")
                ok = False
        for key, (kind, required) in fields.items():
            if key not in table:
                if required:
                    self.add(line, f"{where}缺少字段 {key}(应为{kind})")
                    ok = False
            elif not _is(table[key], kind):
                self.add(self.lines.key(key, line), f"{where}的字段 {key} 应为{kind},实际是 {table[key]!r:.40}")
                ok = False
        return ok


# --------------------------------------------------------------------------- the plan

ROOT_FIELDS = {"schema": (INT, True), "plan": (TABLE, True), "settings": (TABLE, False), "goals": (TABLE_LIST, True)}
PLAN_FIELDS = {
    "org": (TEXT, True),
    "year": (INT, True),
    "title": (TEXT, True),
    "issuer": (TEXT, False),
    "source": (TEXT, False),
}
SETTINGS_FIELDS = {"yellow_behind": (NUMBER, False), "red_behind": (NUMBER, False), "stale_days": (INT, False)}
GOAL_FIELDS = {"id": (TEXT, True), "title": (TEXT, True), "tasks": (TABLE_LIST, False)}
TASK_FIELDS = {
    "id": (TEXT, True),
    "title": (TEXT, True),
    "source": (TEXT, False),
    "lead": (TEXT, False),
    "unit": (TEXT, False),
    "owner": (TEXT, False),
    "partners": (TEXT_LIST, False),
    "start": (DATE, False),
    "due": (DATE, False),
    "weight": (NUMBER, False),
    "closed": (DATE, False),
    "closed_note": (TEXT, False),
    "closed_by": (TEXT, False),
    "metrics": (TABLE_LIST, False),
    "milestones": (TABLE_LIST, False),
}
METRIC_FIELDS = {
    "name": (TEXT, True),
    "unit": (TEXT, False),
    "baseline": (NUMBER, False),
    "baseline_text": (TEXT, False),
}
MILESTONE_FIELDS = {"date": (DATE, True), "percent": (INT, True)}


def load_plan(data: DataDir) -> model.Plan:
    """Read and validate goals.toml; raise DataError naming file and line on any problem."""
    plan, problems = check_plan(data)
    raise_if_problems(problems)
    return plan


def check_plan(data: DataDir) -> tuple[model.Plan | None, list[Problem]]:
    """The plan (as far as it could be read, even with problems) and its problems."""
    label = _label(data, data.plan_file)
    text = read_text(data.plan_file, label)
    return plan_from_toml(text, label)


def plan_from_toml(text: str, label: str) -> tuple[model.Plan | None, list[Problem]]:
    doc = parse_toml(text, label)
    check = Checker(label, LineIndex(text))
    if not check.table(doc, ROOT_FIELDS, "计划文件", None):
        return None, check.problems
    if doc["schema"] != model.SCHEMA:
        check.add(check.lines.key("schema"), f"schema 应为 {model.SCHEMA},实际是 {doc['schema']}(此版本的程序无法读取)")
    plan_line = next((no for no, name, arr in check.lines.headers if name == "plan" and not arr), None)
    check.table(doc["plan"], PLAN_FIELDS, "[plan] ", plan_line)
    settings = _settings(doc.get("settings", {}), check)
    goals = _goals(doc["goals"], check)
    info = doc["plan"]
    if not all(_is(info.get(k), kind) for k, (kind, required) in PLAN_FIELDS.items() if required):
        return None, check.problems
    plan = model.Plan(
        org=info["org"],
        year=info["year"],
        title=info["title"],
        issuer=info.get("issuer", ""),
        source=info.get("source", ""),
        settings=settings,
        goals=goals,
    )
    return plan, check.problems


def _settings(table: dict, check: Checker) -> model.Settings:
    line = next((no for no, name, arr in check.lines.headers if name == "settings" and not arr), None)
    if not check.table(table, SETTINGS_FIELDS, "[settings] ", line):
        return model.Settings()
    settings = model.Settings(**table)
    if not 0 <= settings.yellow_behind < settings.red_behind <= 100:
        check.add(line, "[settings] 应满足 0 ≤ yellow_behind < red_behind ≤ 100")
    if settings.stale_days < 1:
        check.add(check.lines.key("stale_days", line), "[settings] stale_days 应为正整数(天数)")
    return settings


def _goals(raw_goals: list[dict], check: Checker) -> tuple[model.Goal, ...]:
    goals, seen_goals, seen_tasks = [], set(), set()
    task_n = metric_n = milestone_n = 0
    for n, raw in enumerate(raw_goals):
        line = check.lines.entry("goals", n)
        if not check.table(raw, GOAL_FIELDS, f"第 {n + 1} 个目标", line):
            task_n += len(raw.get("tasks", []) if isinstance(raw.get("tasks"), list) else [])
            continue
        gid = raw["id"]
        if not GOAL_ID.match(gid):
            check.add(check.lines.key("id", line), f'目标编号 {gid!r} 应为数字,如 "1"')
        if gid in seen_goals:
            check.add(check.lines.key("id", line), f"目标编号 {gid} 重复")
        seen_goals.add(gid)
        tasks = []
        for raw_task in raw.get("tasks", []):
            tline = check.lines.entry("goals.tasks", task_n)
            task_n += 1
            raw_metrics = raw_task.get("metrics")
            metric_lines = [
                check.lines.entry("goals.tasks.metrics", metric_n + i)
                for i in range(len(raw_metrics) if isinstance(raw_metrics, list) else 0)
            ]
            metric_n += len(metric_lines)
            milestone_lines = [
                check.lines.entry("goals.tasks.milestones", milestone_n + i)
                for i in range(len(raw_task.get("milestones", []) or []))
            ]
            milestone_n += len(milestone_lines)
            task = _task(gid, raw_task, tline, metric_lines, milestone_lines, check)
            if task is None:
                continue
            if task.id in seen_tasks:
                check.add(check.lines.key("id", tline), f"任务编号 {task.id} 重复")
            seen_tasks.add(task.id)
            tasks.append(task)
        goals.append(model.Goal(id=gid, title=raw["title"], tasks=tuple(tasks)))
    return tuple(goals)


def _task(
    gid: str, raw: dict, line: int | None, metric_lines: list, milestone_lines: list, check: Checker
) -> model.Task | None:
    where = f"任务 {raw.get('id', '?')} "
    if not check.table(raw, TASK_FIELDS, where, line):
        return None
    tid = raw["id"]
    if not re.fullmatch(rf"{re.escape(gid)}\.\d+", tid):
        check.add(check.lines.key("id", line), f'任务编号 {tid!r} 应为“目标编号.序号”,如 "{gid}.1"')
    metrics = []
    for raw_metric, mline in zip(raw.get("metrics", []), metric_lines, strict=True):
        if check.table(raw_metric, METRIC_FIELDS, f"{where}的指标", mline):
            metrics.append(model.Metric(**raw_metric))
    names = [m.name for m in metrics]
    for name in {n for n in names if names.count(n) > 1}:
        check.add(line, f"{where}的指标名称 {name} 重复")
    milestones = [
        (model.Milestone(**raw_m), mline)
        for raw_m, mline in zip(raw.get("milestones", []), milestone_lines, strict=True)
        if check.table(raw_m, MILESTONE_FIELDS, f"{where}的时间节点", mline)
    ]
    fields = {k: v for k, v in raw.items() if k not in ("metrics", "milestones")}
    task = model.Task(
        goal_id=gid,
        **{
            **fields,
            "partners": tuple(raw.get("partners", ())),
            "metrics": tuple(metrics),
            "milestones": tuple(m for m, _ in milestones),
        },
    )
    if task.start > task.due:
        check.add(check.lines.key("due", line), f"{where}的截止日期 {task.due} 早于开始日期 {task.start}")
    if task.weight <= 0:
        check.add(check.lines.key("weight", line), f"{where}的权重 weight 应大于 0")
    if task.closed is not None and task.closed < task.start:
        check.add(check.lines.key("closed", line), f"{where}的销号日期 {task.closed} 早于开始日期 {task.start}")
    _check_milestones(task, milestones, where, check)
    return task


def _check_milestones(task: model.Task, milestones: list[tuple[model.Milestone, int | None]], where, check) -> None:
    """时间节点: inside start..due, 0–100, dates increasing, percents never decreasing."""
    previous = None
    for m, mline in milestones:
        at = check.lines.key("date", mline)
        if not task.start <= m.date <= task.due:
            check.add(at, f"{where}的时间节点 {m.date} 不在任务起止日期 {task.start} 至 {task.due} 之内")
        elif m.date == task.due and m.percent != 100:
            check.add(at, f"{where}在截止日期 {m.date} 的时间节点进度应为 100(截止日即应完成)")
        if not 0 <= m.percent <= 100:
            check.add(check.lines.key("percent", mline), f"{where}的时间节点进度 {m.percent} 超出范围(应为 0~100)")
        if previous is not None:
            if m.date <= previous.date:
                check.add(at, f"{where}的时间节点日期应逐个递增且不重复({previous.date} 之后是 {m.date})")
            elif m.percent < previous.percent:
                check.add(
                    check.lines.key("percent", mline),
                    f"{where}的时间节点进度不能下降({previous.date} 为 {previous.percent}%,{m.date} 为 {m.percent}%)",
                )
        previous = m


# --------------------------------------------------------------------------- writing the plan

#: tomli-w cannot keep comments: a regenerated goals.toml starts with this instead.
PLAN_HEADER = """\
# 年度工作计划(计划文件):重点工作、重点任务、责任分工、时间节点与销号信息。
# 可用 anmin goals edit/claim/add/remove/milestone/close/reopen 修改;命令改写本文件时注释会重置为本说明。
# 进展记录不写在这里,而是按月保存在 progress/YYYY-MM.toml。手工修改后请运行 `anmin check` 检查格式。
# 亮灯:落后序时进度 yellow_behind 个百分点起为黄灯,超过 red_behind 个百分点或逾期未完成为红灯;
# 错过时间节点至少为黄灯;超过 stale_days 天没有进展记录标为“未更新”。
"""


def _task_fields(task: model.Task) -> dict:
    out = {
        "id": task.id,
        "title": task.title,
        "source": task.source,
        "lead": task.lead,
        "unit": task.unit,
        "owner": task.owner,
        "partners": list(task.partners),
        "start": task.start,
        "due": task.due,
        "weight": task.weight,
    }
    if task.closed is not None:
        out["closed"] = task.closed
    if task.closed_note:
        out["closed_note"] = task.closed_note
    if task.closed_by:
        out["closed_by"] = task.closed_by
    return out


def _metric_fields(m: model.Metric) -> dict:
    baseline = {} if m.baseline is None else {"baseline": m.baseline}
    return {"name": m.name, "unit": m.unit, **baseline, "baseline_text": m.baseline_text}


def dump_plan(plan: model.Plan) -> bytes:
    """goals.toml for ``plan``: a fixed comment, then every table under its own header.

    Sections are laid out here (tomli-w only formats the flat key = value lines) so that
    metrics and milestones always get ``[[...]]`` headers, which the line numbers in
    validation messages rely on, and keys keep the order people read them in.
    """
    import tomli_w

    def section(header: str, fields: dict) -> str:
        return f"\n{header}\n{tomli_w.dumps(fields)}"

    s = plan.settings
    parts = [
        PLAN_HEADER,
        tomli_w.dumps({"schema": model.SCHEMA}),
        section(
            "[plan]",
            {"org": plan.org, "issuer": plan.issuer, "year": plan.year, "title": plan.title, "source": plan.source},
        ),
        section(
            "[settings]", {"yellow_behind": s.yellow_behind, "red_behind": s.red_behind, "stale_days": s.stale_days}
        ),
    ]
    for goal in plan.goals:
        parts.append(section("[[goals]]", {"id": goal.id, "title": goal.title}))
        for task in goal.tasks:
            parts.append(section("[[goals.tasks]]", _task_fields(task)))
            parts += [section("[[goals.tasks.metrics]]", _metric_fields(m)) for m in task.metrics]
            parts += [
                section("[[goals.tasks.milestones]]", {"date": m.date, "percent": m.percent}) for m in task.milestones
            ]
    return "".join(parts).encode("utf-8")


def _month_texts(data: DataDir) -> dict[tuple[int, int], tuple[str, str]]:
    """Every month file's label and text."""
    out = {}
    for ym, path in sorted(month_files(data).items()):
        label = _label(data, path)
        out[ym] = (label, read_text(path, label))
    return out


def _record_problems(texts: dict, plan: model.Plan) -> list[Problem]:
    return [p for ym, (label, text) in texts.items() for p in records_from_toml(text, label, plan, ym)[1]]


def change_plan(data: DataDir, who: str, change: Callable[[model.Plan], model.Plan]) -> model.Plan:
    """Rewrite goals.toml with ``change`` applied to the plan as re-read under the lock.

    ``change`` sees the freshest plan and may raise an AnminError to refuse (so checks
    such as "someone already owns this task" cannot race another writer). The new plan
    must validate on its own and against every progress record, or nothing is written.
    An unchanged plan is not rewritten (the file keeps its hand-written comments).
    """
    with locked(data, who):
        plan = load_plan(data)
        texts = _month_texts(data)
        new = change(plan)
        content = dump_plan(new)
        _, problems = plan_from_toml(content.decode("utf-8"), _label(data, data.plan_file))
        if problems:
            raise InputError(f"{problems[0].message}。数据未作任何修改。")
        conflicts = _record_problems(texts, new)
        if conflicts:
            raise InputError(f"修改后与已有进展记录冲突:{conflicts[0]}。数据未作任何修改。")
        if new != plan:
            write_files(data, {data.plan_file: content}, summary="修改计划 goals.toml")
    return new


def task_record_count(data: DataDir, plan: model.Plan, task: model.Task) -> int:
    return sum(r.task == task.id for r in load_records(data, plan, sorted(month_files(data))))


# --------------------------------------------------------------------------- progress records

MONTH_ROOT_FIELDS = {"schema": (INT, True), "records": (TABLE_LIST, False)}
INDEX_ROOT_FIELDS = {"schema": (INT, True), "files": (TABLE, True), "records": (TABLE_LIST, False)}
RECORD_FIELDS = {
    "task": (TEXT, True),
    "date": (DATE, True),
    "progress": (INT, True),
    "note": (TEXT, False),
    "problem": (TEXT, False),
    "next": (TEXT, False),
    "metrics": (TABLE, False),
    "by": (TEXT, True),
    "at": (DATETIME, True),
}


def records_from_toml(
    text: str, label: str, plan: model.Plan | None, month: tuple[int, int] | None, index: bool = False
) -> tuple[list[model.Record], list[Problem], dict]:
    """Parse and validate a month file (or the index); returns records, problems, the document."""
    doc = parse_toml(text, label)
    check = Checker(label, LineIndex(text))
    if not check.table(doc, INDEX_ROOT_FIELDS if index else MONTH_ROOT_FIELDS, "进展文件", None):
        return [], check.problems, doc
    if doc["schema"] != model.SCHEMA:
        check.add(check.lines.key("schema"), f"schema 应为 {model.SCHEMA},实际是 {doc['schema']}")
    records = []
    for n, raw in enumerate(doc.get("records", [])):
        before = len(check.problems)
        record = _record(raw, None, plan, month, check)
        if len(check.problems) > before:  # rare: check again, now finding line numbers (scans the text)
            del check.problems[before:]
            record = _record(raw, check.lines.entry("records", n), plan, month, check)
        if record is not None:
            records.append(record)
    return records, check.problems, doc


def _record(raw: dict, line, plan, month, check: Checker) -> model.Record | None:
    where = "进展记录"
    if not check.table(raw, RECORD_FIELDS, where, line):
        return None
    before = len(check.problems)
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
        if not _is(value, NUMBER):
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


def dump_toml(doc: dict) -> bytes:
    import tomli_w

    return tomli_w.dumps(doc).encode("utf-8")


def month_files(data: DataDir) -> dict[tuple[int, int], Path]:
    """Every month file in the progress folder, by (year, month)."""
    found = {}
    with contextlib.suppress(FileNotFoundError):
        for entry in os.scandir(data.progress_dir):
            m = MONTH_FILE.match(entry.name)
            if m and entry.is_file():
                found[(int(m.group(1)), int(m.group(2)))] = Path(entry.path)
    return found


def load_month(data: DataDir, plan: model.Plan | None, ym: tuple[int, int]) -> list[model.Record]:
    path = data.month_file(*ym)
    if not path.exists():
        return []
    label = _label(data, path)
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


# --------------------------------------------------------------------------- the index


@dataclass
class Index:
    files: dict[str, list[int]]  # month → [size, mtime_ns] of the file it was built from
    latest: dict[str, model.Record]


def _month_key(ym: tuple[int, int]) -> str:
    return f"{ym[0]:04d}-{ym[1]:02d}"


def _file_stamps(data: DataDir) -> dict[str, list[int]]:
    """Size and modification time of every month file: a hand edit changes at least the time."""
    stamps = {}
    for ym, path in month_files(data).items():
        info = path.stat()
        stamps[_month_key(ym)] = [info.st_size, info.st_mtime_ns]
    return stamps


def write_stamp() -> int:
    """A modification time for files this program writes, recorded in the index.

    Whole even seconds, so that file systems with coarse clocks (FAT keeps 2 s) store
    it exactly; any later edit by another program gets a different time.
    """
    return time.time_ns() // 2_000_000_000 * 2_000_000_000


def load_index(data: DataDir, plan: model.Plan) -> Index:
    """The latest record of each task; rebuilt from the month files when out of date."""
    stamps = _file_stamps(data)
    return _saved_index(data, stamps) or rebuild_index(data, plan, stamps)


def _saved_index(data: DataDir, stamps: dict[str, list[int]]) -> Index | None:
    """The index file, if it is readable and was built from the month files as they are."""
    if not data.index_file.exists():
        return None
    with contextlib.suppress(DataError):
        text = read_text(data.index_file, INDEX_FILE)
        records, problems, doc = records_from_toml(text, INDEX_FILE, None, None, index=True)
        if not problems and doc.get("files") == stamps:
            return Index(files=stamps, latest={r.task: r for r in records})
    return None


def save_index_if_stale(data: DataDir) -> bool:
    """After month files were edited by hand, save a fresh index (as `anmin check` does).

    Best effort: skipped when the folder is read-only or another writer holds the lock.
    Returns whether a fresh index was saved.
    """
    if data.bundled or not month_files(data) or _saved_index(data, _file_stamps(data)):
        return False
    with contextlib.suppress(AnminError, OSError), locked(data, "anmin check", timeout=0):
        _refresh_index(data)
        return True
    return False


def rebuild_index(data: DataDir, plan: model.Plan, stamps: dict[str, list[int]] | None = None) -> Index:
    stamps = _file_stamps(data) if stamps is None else stamps
    records = load_records(data, plan, sorted(month_files(data)))
    return Index(files=stamps, latest=model.latest_by_task(records))


def dump_index(index: Index) -> bytes:
    ordered = sorted(index.latest.values(), key=lambda r: r.task)
    return dump_toml(
        {
            "schema": model.SCHEMA,
            "files": dict(sorted(index.files.items())),
            "records": [record_to_toml(r) for r in ordered],
        }
    )


def _months_back(start: date, stop: date) -> Iterator[tuple[int, int]]:
    """(year, month) from ``start``'s month back to ``stop``'s month, newest first."""
    y, m = start.year, start.month
    while (y, m) >= (stop.year, stop.month):
        yield y, m
        y, m = (y, m - 1) if m > 1 else (y - 1, 12)


def latest_records(data: DataDir, plan: model.Plan, as_of: date) -> dict[str, model.Record]:
    """Each task's newest record dated on or before ``as_of``.

    The index answers at once for tasks whose newest record is not after ``as_of``;
    for the others, month files are read backwards from ``as_of`` until each is found
    (never before the task's start, since no record may predate it).
    """
    index = load_index(data, plan)
    result = {tid: r for tid, r in index.latest.items() if r.date <= as_of and plan.task(tid)}
    missing = {tid for tid, r in index.latest.items() if r.date > as_of and plan.task(tid)}
    if missing:
        earliest = min(plan.task(tid).start for tid in missing)
        existing = month_files(data)
        for ym in _months_back(as_of, earliest):
            if not missing:
                break
            if ym not in existing:
                continue
            found = model.latest_by_task((r for r in load_month(data, plan, ym) if r.task in missing), as_of)
            result.update(found)
            missing -= found.keys()
    return result


def month_report_records(
    data: DataDir, plan: model.Plan, ym: tuple[int, int]
) -> tuple[list[model.Record], dict[str, model.Record]]:
    """What a monthly report needs: the month's records, and each task's latest record before it.

    Reads the month's own file plus, through ``latest_records``, only the earlier months
    needed to find each task's state at the end of the previous month.
    """
    first = date(*ym, 1)
    before = latest_records(data, plan, date.fromordinal(first.toordinal() - 1))
    return load_month(data, plan, ym), before


def task_history(data: DataDir, plan: model.Plan, task: model.Task, as_of: date, limit: int) -> list[model.Record]:
    """A task's newest ``limit`` records dated up to ``as_of``, newest first.

    Reads month files backwards and stops as soon as it has enough.
    """
    existing = month_files(data)
    found: list[model.Record] = []
    for ym in _months_back(as_of, task.start):
        if len(found) >= limit:
            break
        if ym in existing:
            mine = [r for r in load_month(data, plan, ym) if r.task == task.id and r.date <= as_of]
            found.extend(sorted(mine, key=lambda r: r.sort_key, reverse=True))
    return found[:limit]


# --------------------------------------------------------------------------- safe writing


# Who holds the lock (set by ``locked``) and which command runs (set by the CLI): both
# only label journal entries, so every write command is journaled without passing them on.
_lock_holder: ContextVar[str] = ContextVar("anmin_lock_holder", default="")
current_command: ContextVar[str] = ContextVar("anmin_command", default="")


def lock_timeout() -> float:
    """Seconds a writer waits for the lock: ``$ANMIN_LOCK_TIMEOUT`` if a finite number ≥ 0, else 10."""
    try:
        value = float(os.environ.get(LOCK_TIMEOUT_ENV, "10"))
    except ValueError:
        return 10.0
    return value if 0 <= value < float("inf") else 10.0


@contextlib.contextmanager
def locked(data: DataDir, who: str = "", timeout: float | None = None) -> Iterator[None]:
    """Hold the data folder's exclusive lock (a separate lock file) while writing.

    Waiters queue by polling; after ``timeout`` seconds they give up with a message
    naming the holder, read from the lock file.
    """
    require_writable(data)
    timeout = lock_timeout() if timeout is None else timeout
    path = data.path / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as exc:
        raise WriteError(_write_failure(data.path, exc)) from None
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                holder = _read_holder(path)
                raise WriteError(
                    f"数据正被其他人写入{holder},等待 {timeout:g} 秒后仍未释放,未作任何修改。"
                    "请稍后再试;如该进程已卡住,结束它即可释放(锁随进程结束自动释放)。"
                )
            time.sleep(0.02)
        _write_holder(fd, who)
        holder = _lock_holder.set(who)
        try:
            yield
        finally:
            _lock_holder.reset(holder)
            _unlock(fd)
    finally:
        os.close(fd)


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _write_holder(fd: int, who: str) -> None:
        pass  # the locked byte cannot be rewritten on Windows; holder stays unknown

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False
        except OSError as exc:  # e.g. ENOLCK on some network folders: writing unlocked is not safe
            raise WriteError(
                f"数据目录所在的磁盘不支持文件锁({exc.strerror}),为免多人同时写入丢失记录,未作任何修改。"
                "请把数据目录放在本机磁盘上。"
            ) from None

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _write_holder(fd: int, who: str) -> None:
        info = f"{who or '未知'} 进程 {os.getpid()} 自 {datetime.now().astimezone():%Y-%m-%d %H:%M:%S}"
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.pwrite(fd, info.encode("utf-8"), 0)


def _read_holder(path: Path) -> str:
    try:
        info = path.read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return ""
    return f"(占用者:{info})" if info else ""


def atomic_write(path: Path, content: bytes, stamp_ns: int | None = None) -> None:
    """Write ``content`` to ``path`` so that readers see the old file or the new, never a part.

    Temp file in the same folder, write + fsync, ``os.replace``, then fsync the folder.
    The new file keeps the old one's permissions (new files follow the umask), so a
    folder shared by several staff accounts stays readable by all of them.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
    try:
        _write_new(tmp, content, _kept_mode(path))
        if stamp_ns is not None:  # set before the rename, so the file never shows another time
            os.utime(tmp, ns=(stamp_ns, stamp_ns))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


def _kept_mode(path: Path) -> int | None:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None


def _write_new(path: Path, content: bytes, mode: int | None = None) -> None:
    """Create ``path`` (it must not exist), write all of ``content`` and fsync it."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        if mode is not None:
            os.chmod(path, mode)
        view = memoryview(content)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_failure(where: Path, exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return f"磁盘空间不足,无法写入 {where}。数据未作任何修改,请清理磁盘后重试。"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"没有写入 {where} 的权限(只读目录或权限不足)。数据未作任何修改。"
    return f"写入 {where} 失败({exc.strerror or exc})。数据未作任何修改。"


def write_output(data: DataDir, path: Path, content: bytes) -> Path:
    """Write a file the user asked for (a report, a ledger), atomically; returns its full path.

    Never inside the data folder, where it could replace a data file behind the journal's
    back, and never into a folder that does not exist (a typo should not create folders).
    """
    target = path.expanduser().resolve()
    if target.is_relative_to(data.path.resolve()):
        raise InputError(f"输出文件 {path} 在数据目录 {data.path} 中,会覆盖或混入数据文件。请换一个位置。")
    if not target.parent.is_dir():
        problem = "是一个文件,不是文件夹" if target.parent.exists() else "不存在"
        raise InputError(f"{path.parent} {problem},无法在其中写入 {path.name}。请换一个位置。")
    try:
        atomic_write(target, content)
    except OSError as exc:
        raise WriteError(
            f"无法写入 {path}({exc.strerror or exc})。请检查文件是否正被 Excel/WPS 打开,或换一个位置。"
        ) from None
    return target


def write_files(data: DataDir, files: dict[Path, bytes], *, summary: str = "", stamp_ns: int | None = None) -> None:
    """THE write path: journal the before-images, then write each file atomically, in order.

    Callers hold the lock. The journal entry is durable before any data file changes, so
    ``anmin undo`` can always put back what was there. Month files are written before the
    index: if the process dies in between, the index no longer matches and is rebuilt.
    If a write fails (disk full, permission), the files already written are put back and
    the entry dropped, so the command changes nothing.
    """
    changes = [c for c in (_change(data, path, content) for path, content in files.items()) if c.before != c.after]
    if not changes:
        return
    for folder in {c.path.parent for c in changes}:
        _sweep_temp_files(folder)
    entry = _journal(data, changes, summary)
    done: list[_Change] = []
    try:
        for change in changes:
            atomic_write(change.path, change.after, stamp_ns)
            done.append(change)
    except OSError as exc:
        raise WriteError(_write_failure(change.path, exc) + _roll_back(done, entry)) from None
    with contextlib.suppress(OSError):  # the change is made; only the log's "完成" mark is lost
        _mark_done(entry)
        _prune_history(data)


# --------------------------------------------------------------------------- the journal
#
# .history/00000042/entry.json   who, when, command, summary, and per file: its path, the
#                                sha256 before and after, the name of its before-image
# .history/00000042/0.before     the before-image of the first file (absent if it did not exist)
# .history/00000042/done         written once every data file of the entry is written
#
# An entry is built in a ``.new-*`` folder and renamed into place (atomic), so a crash
# leaves either a whole entry or a leftover that is ignored and swept away later.

ENTRY_FILE = "entry.json"
DONE_FILE = "done"
ENTRY_NAME = re.compile(r"^\d{8}$")
JOURNAL_FORMAT = 1
COMMAND_MAX = 300


@dataclass(frozen=True)
class _Change:
    path: Path
    rel: str
    before: bytes | None
    after: bytes


@dataclass(frozen=True)
class FileChange:
    """One file of a journal entry, as recorded."""

    path: str
    before_image: str | None  # file name inside the entry folder; None: the file did not exist
    before_sha256: str | None
    after_sha256: str
    added: int  # lines
    removed: int

    @property
    def derived(self) -> bool:
        """The index is rebuilt from the month files whenever it disagrees, so it never blocks an undo."""
        return self.path == f"{PROGRESS_DIR}/{INDEX_FILE}"


@dataclass(frozen=True)
class Entry:
    seq: int
    folder: Path
    at: datetime
    who: str
    command: str
    summary: str
    files: tuple[FileChange, ...]
    complete: bool


def _sha(content: bytes | None) -> str | None:
    import hashlib  # loads OpenSSL: only writers and undo pay for it

    return None if content is None else hashlib.sha256(content).hexdigest()


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise WriteError(f"无法读取 {path}({exc.strerror}),未作任何修改。") from None


def _change(data: DataDir, path: Path, content: bytes) -> _Change:
    rel = PurePosixPath(Path(path).resolve().relative_to(data.path.resolve())).as_posix()
    return _Change(Path(path), rel, _read_or_none(Path(path)), content)


def _line_counts(before: bytes | None, after: bytes) -> tuple[int, int]:
    """Lines added and removed (as multisets: cheap even for large files)."""
    old = Counter((before or b"").splitlines())
    new = Counter(after.splitlines())
    return sum((new - old).values()), sum((old - new).values())


def _journal(data: DataDir, changes: list[_Change], summary: str) -> Path:
    """Write and fsync a journal entry for ``changes``; returns its folder."""
    history = data.history_dir
    tmp = None
    try:
        if not history.is_dir():
            history.mkdir()
            _fsync_dir(data.path)
        _sweep_leftovers(history)
        tmp = history / f".new-{os.urandom(4).hex()}"
        tmp.mkdir()
        files = []
        for n, change in enumerate(changes):
            image = None
            if change.before is not None:
                image = f"{n}.before"
                _write_new(tmp / image, change.before)
            added, removed = _line_counts(change.before, change.after)
            files.append(
                {
                    "path": change.rel,
                    "before_image": image,
                    "before_sha256": _sha(change.before),
                    "after_sha256": _sha(change.after),
                    "added": added,
                    "removed": removed,
                }
            )
        import json

        command = current_command.get()
        meta = {
            "format": JOURNAL_FORMAT,
            "at": datetime.now().astimezone().isoformat(timespec="seconds"),
            "who": _storable(_lock_holder.get() or "未知"),
            "command": _storable(command if len(command) <= COMMAND_MAX else command[:COMMAND_MAX] + "…"),
            "summary": _storable(summary),
            "files": files,
        }
        _write_new(tmp / ENTRY_FILE, json.dumps(meta, ensure_ascii=False, indent=1).encode("utf-8"))
        _fsync_dir(tmp)
        final = history / f"{_last_seq(history) + 1:08d}"
        os.rename(tmp, final)
        _fsync_dir(history)
        return final
    except OSError as exc:
        if tmp is not None:
            _remove_tree(tmp)
        raise WriteError(_write_failure(history, exc)) from None


def _storable(text: str) -> str:
    """Text that survives UTF-8 (a lone surrogate typed on the command line becomes ``\\udxxx``)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _roll_back(written: list[_Change], entry: Path) -> str:
    """Put back the files already written by a failed ``write_files``; returns what to add to the message."""
    try:
        for change in reversed(written):
            _restore(change.path, change.before)
    except OSError:
        return "部分文件未能还原,请在问题解决后运行 `anmin undo` 恢复。"
    _discard(entry)
    return ""


def _restore(path: Path, content: bytes | None) -> None:
    if content is None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            _fsync_dir(path.parent)
    else:
        atomic_write(path, content)


def _mark_done(entry: Path) -> None:
    _write_new(entry / DONE_FILE, b"")
    _fsync_dir(entry)


def _entry_folders(history: Path) -> list[Path]:
    """Committed entries, oldest first."""
    try:
        names = sorted(e.name for e in os.scandir(history) if ENTRY_NAME.match(e.name) and e.is_dir())
    except (FileNotFoundError, NotADirectoryError):
        return []
    return [history / name for name in names]


def _last_seq(history: Path) -> int:
    folders = _entry_folders(history)
    return int(folders[-1].name) if folders else 0


def _discard(entry: Path) -> None:
    """Remove an entry atomically: rename it out of the sequence first, then delete."""
    gone = entry.with_name(f".old-{entry.name}")
    with contextlib.suppress(OSError):
        os.rename(entry, gone)
        _fsync_dir(entry.parent)
    _remove_tree(gone)


def _remove_tree(folder: Path) -> None:
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


def _sweep_leftovers(history: Path) -> None:
    """Remove half-built (``.new-*``) and half-deleted (``.old-*``) entries; runs under the lock."""
    for e in os.scandir(history):
        if e.name.startswith((".new-", ".old-")):
            _remove_tree(Path(e.path))


_TEMP_FILE = re.compile(r"^\..+\.[0-9a-f]{8}\.tmp$")  # what ``atomic_write`` leaves if killed


def _sweep_temp_files(folder: Path) -> None:
    """Remove temp files of writers killed mid-write; runs under the lock, so none is in use."""
    with contextlib.suppress(OSError):
        for e in os.scandir(folder):
            if _TEMP_FILE.match(e.name) and e.is_file():
                os.unlink(e.path)


def _prune_history(data: DataDir) -> None:
    for old in _entry_folders(data.history_dir)[:-HISTORY_KEEP]:
        _discard(old)


def _safe_rel(rel: object) -> str:
    """A journaled path must name a data file inside the folder (the journal could be tampered with)."""
    if not isinstance(rel, str) or not rel or "\\" in rel or "\0" in rel:
        raise ValueError(rel)
    parts = PurePosixPath(rel).parts
    if PurePosixPath(rel).is_absolute() or ".." in parts or parts[0] in (HISTORY_DIR, LOCK_FILE):
        raise ValueError(rel)
    return rel


def _read_entry(folder: Path) -> Entry:
    """Parse one entry; ValueError/OSError when it is damaged."""
    import json

    raw = _read_or_none(folder / ENTRY_FILE)
    if raw is None:
        raise FileNotFoundError(folder / ENTRY_FILE)
    meta = json.loads(raw)
    if not isinstance(meta, dict) or meta.get("format") != JOURNAL_FORMAT:
        raise ValueError("format")
    files = []
    for f in meta["files"]:
        image = f["before_image"]
        if image is not None and (not isinstance(image, str) or not re.fullmatch(r"\d+\.before", image)):
            raise ValueError(image)
        change = FileChange(
            path=_safe_rel(f["path"]),
            before_image=image,
            before_sha256=f["before_sha256"],
            after_sha256=f["after_sha256"],
            added=int(f["added"]),
            removed=int(f["removed"]),
        )
        if (image is None) != (change.before_sha256 is None):
            raise ValueError(image)
        files.append(change)
    texts = [meta[k] for k in ("who", "command", "summary")]
    if not all(isinstance(t, str) for t in texts) or not files:
        raise ValueError("fields")
    return Entry(
        int(folder.name),
        folder,
        datetime.fromisoformat(meta["at"]),
        *texts,
        tuple(files),
        (folder / DONE_FILE).exists(),
    )


def history(data: DataDir, limit: int | None = None) -> list[Entry | Path]:
    """Journal entries, newest first; a damaged entry is returned as its folder."""
    folders = _entry_folders(data.history_dir)[::-1]
    out: list[Entry | Path] = []
    for folder in folders[:limit]:
        try:
            out.append(_read_entry(folder))
        except FileNotFoundError:
            if folder.exists():
                out.append(folder)  # entry.json deleted by hand: damaged
            # else: discarded meanwhile by a writer
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            out.append(folder)
    return out


def last_entry(data: DataDir) -> Entry:
    """The newest change, which ``undo`` would revert."""
    found = history(data, limit=1)
    if not found:
        raise NotFoundError(f"没有可撤销的修改({HISTORY_DIR} 中没有修改记录)。")
    if isinstance(found[0], Path):
        raise DataError(_damaged(data, found[0]))
    return found[0]


def _damaged(data: DataDir, folder: Path) -> str:
    return (
        f"修改记录 {_label(data, folder)} 已损坏,无法撤销。其余数据未受影响;"
        "如确认不再需要撤销这次修改,可把该文件夹移走后再撤销更早的修改。"
    )


def undo(data: DataDir, seq: int, who: str = "") -> Entry:
    """Put back the before-images of entry ``seq`` (which must still be the newest) and drop it.

    Undo is not itself journaled: running it again reverts the next older change. A file
    changed since the entry (other than by it, e.g. edited by hand) is not overwritten:
    the undo is refused. Safe to repeat after a crash: files already restored are skipped.
    """
    with locked(data, who):
        entry = last_entry(data)
        if entry.seq != seq:
            raise WriteError(f"在您确认期间又有新的修改(#{entry.seq}),未撤销任何内容。请重新运行 anmin undo。")
        restores = []
        for change in entry.files:
            path = data.path / change.path
            _sweep_temp_files(path.parent)
            now = _sha(_read_or_none(path))
            if now == change.before_sha256:
                continue
            if now != change.after_sha256 and not change.derived:
                raise WriteError(
                    f"{_label(data, path)} 在这次修改之后又被改动过(可能是手工编辑),为免覆盖这些改动,未撤销任何内容。"
                )
            restores.append((path, _before_image(data, entry, change)))
        try:
            for path, content in restores:
                _restore(path, content)
        except OSError as exc:
            raise WriteError(
                _write_failure(path, exc).replace("数据未作任何修改", "撤销未完成,可再次运行 anmin undo")
            ) from None
        if data.index_file.exists() and any(path.parent == data.progress_dir for path, _ in restores):
            _refresh_index(data)
        _discard(entry.folder)
    return entry


def _refresh_index(data: DataDir) -> None:
    """Match the derived index to the month files as they now are.

    Restored month files carry a new modification time, so the restored index would
    not match them and every read would rebuild it from all months until the next write.
    """
    with contextlib.suppress(AnminError, OSError):
        atomic_write(data.index_file, dump_index(rebuild_index(data, load_plan(data))))


def _before_image(data: DataDir, entry: Entry, change: FileChange) -> bytes | None:
    if change.before_image is None:
        return None
    content = _read_or_none(entry.folder / change.before_image)
    if _sha(content) != change.before_sha256:
        raise DataError(_damaged(data, entry.folder))
    return content


# --------------------------------------------------------------------------- recording progress


def add_record(data: DataDir, record: model.Record) -> model.Plan:
    """Append ``record`` to its month file and refresh the index, under the lock.

    Everything it touches is re-read and validated under the lock first; if anything
    fails to validate, nothing is written.
    """
    with locked(data, record.by):
        plan = load_plan(data)
        ym = (record.date.year, record.date.month)
        check_new_record(plan, record)
        month_bytes = _month_with(data, plan, ym, record)
        index = load_index(data, plan)
        current = index.latest.get(record.task)
        if current is None or record.sort_key >= current.sort_key:
            index.latest[record.task] = record
        stamp = write_stamp()
        index.files[_month_key(ym)] = [len(month_bytes), stamp]
        summary = f"记录 {record.task} 进度 {record.progress}%(截至{cn_date(record.date)})"
        files = {data.month_file(*ym): month_bytes, data.index_file: dump_index(index)}
        write_files(data, files, summary=summary, stamp_ns=stamp)
    return plan


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


RECORDS_HEADER = re.compile(r"^\[\[records\]\][ \t]*\r?$", re.MULTILINE)


def _month_with(data: DataDir, plan: model.Plan, ym: tuple[int, int], record: model.Record) -> bytes:
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
    label = _label(data, path)
    text = read_text(path, label)
    records = _month_records(text, label, plan, ym)
    if records and len(RECORDS_HEADER.findall(text)) == len(records):
        return (text.rstrip("\r\n") + "\n\n").encode("utf-8") + dump_toml(added)
    return dump_toml({"schema": model.SCHEMA, "records": [record_to_toml(r) for r in [*records, record]]})


def init_data_dir(target: Path) -> Path:
    """Copy the bundled 2024 plan into ``target`` (refusing to overwrite an existing plan)."""
    plan_file = target / PLAN_FILE
    if plan_file.exists():
        raise InputError(f"{plan_file} 已存在,未覆盖。如需重新开始,请先备份并移走该文件。")
    try:
        target.mkdir(parents=True, exist_ok=True)
        (target / PROGRESS_DIR).mkdir(exist_ok=True)
        atomic_write(plan_file, bundled_plan_file().read_bytes())
    except OSError as exc:
        raise WriteError(_write_failure(target, exc)) from None
    except ValueError:  # NUL or a lone surrogate: no file system takes such a name
        raise InputError(f"目录名 {str(target)!r} 含有不能用作文件名的字符,请换一个名称。") from None
    return plan_file


# --------------------------------------------------------------------------- checking everything


def check_all(data: DataDir) -> tuple[model.Plan | None, int, list[Problem]]:
    """Validate the plan and every month file; returns the plan, record count, problems."""
    problems: list[Problem] = []
    try:
        plan, problems = check_plan(data)
    except DataError as exc:
        return None, 0, exc.problems
    count = 0
    for ym, path in sorted(month_files(data).items()):
        label = _label(data, path)
        try:
            records, found, _ = records_from_toml(read_text(path, label), label, plan, ym)
        except DataError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(found)
        count += len(records)
    return plan, count, problems


def _label(data: DataDir, path: Path) -> str:
    """How a file is named in messages: relative to the data folder's parent when possible."""
    try:
        return str(path.relative_to(data.path.parent)) if not data.bundled else f"(自带计划){path.name}"
    except ValueError:
        return str(path)
