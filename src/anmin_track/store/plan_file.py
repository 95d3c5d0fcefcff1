"""goals.toml (and plans/YYYY.toml): reading and validating the plan; writing it back is ``plan_write``."""

from __future__ import annotations

import functools
import re

from anmin_track import fields, model
from anmin_track.store.folder import DataDir
from anmin_track.store.parsed_cache import parsed_text
from anmin_track.store.tomlcheck import Checker, LineIndex, Problem, is_kind, parse_toml, raise_if_problems
from anmin_track.text import name_problem, visible

#: Ids are ASCII digits (no leading zero) and dots, exactly as ``parse.normalize_id`` makes what staff type:
#: ``\d`` would let in full-width and other scripts' digits, ``$`` a trailing newline.
NUMBER = "(?:0|[1-9][0-9]*)"
GOAL_ID = re.compile(NUMBER)
#: ``carried_from``: the year and id of the task in that year's plan, as ``2024:1.3``.
CARRIED_FROM = re.compile(rf"([0-9]{{4}}):({NUMBER}\.{NUMBER})")


def load_plan(data: DataDir) -> model.Plan:
    """Read and validate goals.toml; raise DataError naming file and line on any problem."""
    plan, problems = check_plan(data)
    raise_if_problems(problems)
    assert plan is not None  # a plan that could not be built has problems
    return plan


def check_plan(data: DataDir) -> tuple[model.Plan | None, list[Problem]]:
    """The plan (as far as it could be read, even with problems) and its problems."""
    label = data.label(data.plan_file)
    plan, problems = _checked_plan(parsed_text(data, data.plan_file, label), label)
    return plan, list(problems)


@functools.lru_cache(maxsize=4)
def _checked_plan(text: str, label: str) -> tuple[model.Plan | None, tuple[Problem, ...]]:
    """``plan_from_toml``, remembered for the same text (a command and its warnings read it twice; a
    folder of several years has a plan each, and which year a command works on is read from goals.toml)."""
    plan, problems = plan_from_toml(text, label)
    return plan, tuple(problems)


def plan_from_toml(text: str, label: str) -> tuple[model.Plan | None, list[Problem]]:
    """The plan in ``text``, or the problems that keep it from being one, each with its line.

    Checked first without line numbers (finding them means scanning every line of the text,
    and a valid plan needs none), and only when something is wrong again with them."""
    doc = parse_toml(text, label)
    plan, problems = _plan_from_doc(doc, Checker(label, LineIndex("")))
    return (plan, problems) if not problems else _plan_from_doc(doc, Checker(label, LineIndex(text)))


def _plan_from_doc(doc: dict, check: Checker) -> tuple[model.Plan | None, list[Problem]]:
    schema = doc.get("schema")
    if isinstance(schema, int) and not isinstance(schema, bool) and schema > model.PLAN_SCHEMA:
        _check_schema(doc, check)  # a newer program's file: say so, not that its new fields are unknown
        return None, check.problems
    if not check.table(doc, fields.PLAN_ROOT, "计划文件", None):
        return None, check.problems
    _check_schema(doc, check)
    plan_line = next((no for no, name, arr in check.lines.headers if name == "plan" and not arr), None)
    if check.table(doc["plan"], fields.PLAN, "[plan] ", plan_line):
        _check_names(doc["plan"], plan_line, check)
    settings = _settings(doc.get("settings", {}), check)
    goals = _goals(doc["goals"], check)
    report = _report(doc.get("report", {}), check)
    info = doc["plan"]
    if not all(is_kind(info.get(f.key), f.kind) for f in fields.PLAN.values() if f.required):
        return None, check.problems
    plan = model.Plan(
        org=info["org"],
        year=info["year"],
        title=info["title"],
        issuer=info.get("issuer", ""),
        source=info.get("source", ""),
        aim=info.get("aim", ""),
        settings=settings,
        goals=goals,
        report=report,
        previous=info.get("previous"),
        document=info.get("document", ""),
    )
    if plan.previous is not None and plan.previous >= plan.year:
        check.add(
            check.lines.key("previous", plan_line),
            f"[plan] previous（上一年度）{plan.previous} 应早于计划年度 {plan.year}",
        )
    return plan, check.problems


#: The [plan] fields default file names are made of (``月报``, ``工作台账``, ``督办单``, a summary's title).
NAMED_BY = ("org", "title")


def _check_names(info: dict, line: int | None, check: Checker) -> None:
    for key in NAMED_BY:
        problem = name_problem(info[key])
        if problem:
            check.add(
                check.lines.key(key, line),
                f"[plan] {key}（{fields.PLAN[key].label}）{problem}；它会用在报告、台账和督办单的文件名中",
            )


def schema_needed(doc: dict) -> tuple[int, str]:
    """The lowest schema whose programs know every setting ``doc`` uses, and what needs it."""
    info, goals = doc.get("plan"), doc.get("goals")
    report = doc.get("report")
    settings = doc.get("settings")
    tasks = [t for g in goals if isinstance(g, dict) for t in g.get("tasks", [])] if isinstance(goals, list) else []
    metrics = [m for t in tasks if isinstance(t, dict) for m in t.get("metrics", []) if isinstance(m, dict)]
    if (isinstance(info, dict) and "document" in info) or (isinstance(settings, dict) and "holidays" in settings):
        return 5, "[plan] document（依据文件名称）或 [settings] holidays（节假日）"
    if (isinstance(info, dict) and "previous" in info) or any(
        isinstance(t, dict) and ("carried_from" in t or "carried_progress" in t) for t in tasks
    ):
        return 4, "[plan] previous 或任务的 carried_from、carried_progress（结转）"
    if any(key in m for m in metrics for key in ("target", "basis", "whole", "max")):
        return 4, "指标的 target（目标值）、basis（口径）、whole（只取整数）或 max（上限）"
    if any(isinstance(t, dict) and "kind" in t for t in tasks):
        return 4, "任务的 kind（任务类型）"
    if isinstance(report, dict) and any(key in report for key in fields.REPORT_SCHEMA_4):
        return 4, "[report] " + "、".join(key for key in fields.REPORT_SCHEMA_4 if key in report)
    if (isinstance(info, dict) and "aim" in info) or (isinstance(report, dict) and "notice_number" in report):
        return 3, "[plan] aim 或 [report] notice_number"
    if report is not None or (isinstance(goals, list) and any(isinstance(g, dict) and "source" in g for g in goals)):
        return 2, "[report] 或重点工作的 source"
    return 1, ""


def _check_schema(doc: dict, check: Checker) -> None:
    """Schemas up to ``PLAN_SCHEMA`` are read; a newer plan asks for a newer program instead of being called invalid."""
    schema, at = doc["schema"], check.lines.key("schema")
    needed, what = schema_needed(doc)
    if schema > model.PLAN_SCHEMA:
        check.add(
            at,
            f"计划文件的格式版本为 {schema}，本程序只能读取到版本 {model.PLAN_SCHEMA}。"
            "请升级 anmin-track（pip install -U anmin-track）后再试。",
        )
    elif schema < 1:
        check.add(at, f"schema 应为 1 到 {model.PLAN_SCHEMA} 的整数，实际是 {schema}")
    elif schema < needed:
        check.add(at, f"使用 {what} 时，schema 应为 {needed}（旧版程序会据此提示升级）")


def _report(table: dict, check: Checker) -> model.ReportSettings:
    line = next((no for no, name, arr in check.lines.headers if name == "report" and not arr), None)
    if not check.table(table, fields.REPORT, "[report] ", line):
        return model.ReportSettings()
    settings = model.ReportSettings(**table)
    if settings.summary_as not in model.SUMMARY_AS:
        check.add(
            check.lines.key("summary_as", line),
            f"[report] summary_as 应为 {' 或 '.join(repr(v) for v in model.SUMMARY_AS)}，实际是 {settings.summary_as!r}",
        )
    for key, example in (("doc_number", "安民〔{year}〕{n}号"), ("notice_number", "安民督〔{year}〕{n}号")):
        pattern = getattr(settings, key)
        if not _plain_pattern(pattern):
            check.add(
                check.lines.key(key, line),
                f"[report] {key} 只能使用 {{year}} 和 {{n}}（不加宽度、格式或属性），如 {example}",
            )
        elif pattern and "{n}" not in pattern:
            check.add(check.lines.key(key, line), f"[report] {key} 应含 {{n}}（文号序号），如 {example}")
    return settings


def _plain_pattern(pattern: str) -> bool:
    """Whether a number pattern uses only ``{year}`` and ``{n}`` as they are: a width (``{n:999999999}``),
    a conversion or an attribute (``{year.real}``) could exhaust memory or show what it should not."""
    rest = pattern.replace("{year}", "").replace("{n}", "")
    if "{" not in rest and "}" not in rest:
        return True  # the usual case, without importing string (and compiling string.Template's pattern)
    import string

    try:
        fields = [(name, spec, conv) for _, name, spec, conv in string.Formatter().parse(pattern) if name is not None]
    except ValueError:  # a lone { or }
        return False
    return all(name in ("year", "n") and not spec and conv is None for name, spec, conv in fields)


def _settings(table: dict, check: Checker) -> model.Settings:
    line = next((no for no, name, arr in check.lines.headers if name == "settings" and not arr), None)
    if not check.table(table, fields.SETTINGS, "[settings] ", line):
        return model.Settings()
    settings = model.Settings(
        **(
            table
            | {"units": tuple(u.strip() for u in table.get("units", ())), "holidays": tuple(table.get("holidays", ()))}
        )
    )
    if not 0 <= settings.yellow_behind < settings.red_behind <= 100:
        check.add(line, "[settings] 应满足 0 ≤ yellow_behind < red_behind ≤ 100")
    if settings.stale_days < 1:
        check.add(check.lines.key("stale_days", line), "[settings] stale_days 应为正整数（天数）")
    return settings


def _goals(raw_goals: list[dict], check: Checker) -> tuple[model.Goal, ...]:
    goals, seen_goals, seen_tasks = [], set(), set()
    task_n = metric_n = milestone_n = 0
    for n, raw in enumerate(raw_goals):
        line = check.lines.entry("goals", n)
        if not check.table(raw, fields.GOAL, f"第 {n + 1} 个目标", line):
            task_n += len(raw.get("tasks", []) if isinstance(raw.get("tasks"), list) else [])
            continue
        gid = raw["id"]
        if not GOAL_ID.fullmatch(gid):
            check.add(
                check.lines.key("id", line), f'目标编号 {visible(gid)!r} 应为半角数字（0~9，不以 0 开头），如 "1"'
            )
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
        goals.append(model.Goal(id=gid, title=raw["title"], tasks=tuple(tasks), source=raw.get("source", "")))
    return tuple(goals)


def _task(
    gid: str, raw: dict, line: int | None, metric_lines: list, milestone_lines: list, check: Checker
) -> model.Task | None:
    where = f"任务 {raw.get('id', '?')} "
    if not check.table(raw, fields.TASK, where, line):
        return None
    tid = raw["id"]
    if not (tid.startswith(f"{gid}.") and GOAL_ID.fullmatch(tid, len(gid) + 1)):  # the goal's number, then a number
        check.add(
            check.lines.key("id", line),
            f'任务编号 {visible(tid)!r} 应为“目标编号.序号”（半角数字和点，不以 0 开头），如 "{visible(gid)}.1"',
        )
    metrics = []
    for raw_metric, mline in zip(raw.get("metrics", []), metric_lines, strict=True):
        if check.table(raw_metric, fields.METRIC, f"{where}的指标", mline):
            metrics.append(_metric(model.Metric(**raw_metric), mline, where, check))
    names = [m.name for m in metrics]
    for name in {n for n in names if names.count(n) > 1}:
        check.add(line, f"{where}的指标名称 {name} 重复")
    milestones = [
        (model.Milestone(**raw_m), mline)
        for raw_m, mline in zip(raw.get("milestones", []), milestone_lines, strict=True)
        if check.table(raw_m, fields.MILESTONE, f"{where}的时间节点", mline)
    ]
    values = {k: v for k, v in raw.items() if k not in ("metrics", "milestones")}
    task = model.Task(
        goal_id=gid,
        **{
            **values,
            "partners": tuple(raw.get("partners", ())),
            "metrics": tuple(metrics),
            "milestones": tuple(m for m, _ in milestones),
        },
    )
    if task.kind not in model.KINDS:
        kinds = "、".join(f'"{k}"' for k in model.KINDS)
        check.add(check.lines.key("kind", line), f"{where}的任务类型 kind = {task.kind!r} 不对，应为 {kinds} 之一")
    if task.kind == model.DUTY and task.carried_progress:
        check.add(
            check.lines.key("carried_progress", line), f"{where}是常态工作，没有完成进度，不应有 carried_progress"
        )
    if task.start > task.due:
        check.add(check.lines.key("due", line), f"{where}的截止日期 {task.due} 早于开始日期 {task.start}")
    if task.weight <= 0:
        check.add(check.lines.key("weight", line), f"{where}的权重 weight 应大于 0")
    if task.closed is not None and task.closed < task.start:
        check.add(check.lines.key("closed", line), f"{where}的销号日期 {task.closed} 早于开始日期 {task.start}")
    if task.carried_from and not CARRIED_FROM.fullmatch(task.carried_from):
        check.add(check.lines.key("carried_from", line), f'{where}的 carried_from 应为“年度:任务编号”，如 "2024:1.3"')
    if not 0 <= task.carried_progress < 100:
        check.add(
            check.lines.key("carried_progress", line),
            f"{where}的结转时进度 carried_progress 应为 0~99 的整数（未完成才结转）",
        )
    _check_milestones(task, milestones, where, check)
    return task


_STAGE_PERCENTS = "、".join(f"{p}（{name}）" for name, p in model.STAGES)


def _metric(metric: model.Metric, line: int | None, where: str, check: Checker) -> model.Metric:
    """口径 one of ``BASES``; a target and a max that the metric's own rules allow."""
    named = f"{where}的指标 {metric.name} "
    if metric.basis not in model.BASES:
        bases = "、".join(f'"{b}"' for b in model.BASES)
        check.add(check.lines.key("basis", line), f"{named}的口径 basis = {metric.basis!r} 不对，应为 {bases} 之一")
    if metric.target is not None:
        why = metric.refusal(metric.target)
        if why:
            check.add(check.lines.key("target", line), f"{named}的目标值 target 不对：{why}")
    return metric


def _check_milestones(task: model.Task, milestones: list[tuple[model.Milestone, int | None]], where, check) -> None:
    """时间节点: inside start..due, 0–100, dates increasing, percents never decreasing."""
    previous = None
    for m, mline in milestones:
        at = check.lines.key("date", mline)
        if not task.start <= m.date <= task.due:
            check.add(at, f"{where}的时间节点 {m.date} 不在任务起止日期 {task.start} 至 {task.due} 之内")
        elif m.date == task.due and m.percent != 100:
            check.add(at, f"{where}在截止日期 {m.date} 的时间节点进度应为 100（截止日即应完成）")
        if not 0 <= m.percent <= 100:
            check.add(check.lines.key("percent", mline), f"{where}的时间节点进度 {m.percent} 超出范围（应为 0~100）")
        elif task.kind == model.CREATION and m.percent not in dict(model.STAGES).values():
            check.add(
                check.lines.key("percent", mline),
                f"{where}是创建类任务，时间节点是各阶段的期限，进度应为{_STAGE_PERCENTS}",
            )
        if previous is not None:
            if m.date <= previous.date:
                check.add(at, f"{where}的时间节点日期应逐个递增且不重复（{previous.date} 之后是 {m.date}）")
            elif m.percent < previous.percent:
                check.add(
                    check.lines.key("percent", mline),
                    f"{where}的时间节点进度不能下降（{previous.date} 为 {previous.percent}%，{m.date} 为 {m.percent}%）",
                )
        previous = m
