"""What read commands return: plain dicts, shown either as JSON or by render.py.

Each view carries a ``schema`` name so scripts can rely on its shape.
"""

from __future__ import annotations

from datetime import date

from anmin_track import assess, model

LIST_SCHEMA = "anmin.goals.list/2"  # 2: progress is null for a 常态 duty; task_kind, carried_from
SHOW_SCHEMA = "anmin.goals.show/2"  # 2: as list/2, and a record may have no progress
LOG_SCHEMA = "anmin.log/1"


def _pct(value: float) -> float:
    return round(value, 1)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def record_view(r: model.Record) -> dict:
    return {
        "task": r.task,
        "date": r.date.isoformat(),
        "progress": r.progress,
        "note": r.note,
        "problem": r.problem,
        "next": r.next,
        "metrics": dict(r.metrics),
        "by": r.by,
        "at": r.at.isoformat(),
    }


def milestone_view(m: model.Milestone | None) -> dict | None:
    return {"date": m.date.isoformat(), "percent": m.percent} if m else None


def closed_view(ts: model.TaskStatus) -> dict | None:
    """销号 details when the task is signed off as of the view's day, else None."""
    t = ts.task
    if not ts.closed or t.closed is None:
        return None
    return {"date": t.closed.isoformat(), "note": t.closed_note, "by": t.closed_by}


def carried_view(task: model.Task) -> dict:
    """结转: the task of an earlier year it continues (``2024:1.3``) and where it stood then; None when it is new."""
    if not task.carried_from:
        return {"carried_from": None}
    return {"carried_from": {"from": task.carried_from, "progress": task.carried_progress}}


def measured(value: float, ts: model.TaskStatus | model.GoalStatus) -> float | None:
    """A percentage, or None where there is none (a 常态 task; a goal of 常态 tasks only)."""
    return _pct(value) if ts.measured else None


def kind_view(ts: model.TaskStatus) -> dict:
    """任务类型 (``task_kind``: the JSON key ``kind`` names the view), a 创建 task's stage reached, and a
    常态 task's targeted metrics against pro rata (``lags``)."""
    t = ts.task
    stage = model.stage_name(ts.progress) if t.kind == model.CREATION else None
    return {"task_kind": t.kind, "stage": stage}


def lag_view(lag: model.MetricLag) -> dict:
    return {
        "name": lag.metric.name,
        "value": lag.value,
        "target": lag.metric.target,
        "expected": round(lag.expected, 1),
        "behind": round(lag.behind, 1),
    }


def task_view(ts: model.TaskStatus) -> dict:
    t = ts.task
    return {
        "id": t.id,
        "title": t.title,
        "lead": t.lead,
        "unit": t.unit,
        "owner": t.owner,
        "partners": list(t.partners),
        "start": t.start.isoformat(),
        "due": t.due.isoformat(),
        "weight": t.weight,
        **kind_view(ts),
        "progress": measured(ts.progress, ts),
        "expected": measured(ts.expected, ts),
        "light": ts.light,
        "light_label": model.LIGHT_LABELS[ts.light],
        "stale": ts.stale,
        "overdue": ts.overdue,
        "last_update": _iso(ts.latest.date if ts.latest else None),
        "milestones": [milestone_view(m) for m in t.milestones],
        "missed_milestone": milestone_view(ts.missed),
        "closed": closed_view(ts),
        "status_label": ts.label,
    }


def goal_view(gs: model.GoalStatus, tasks: list[model.TaskStatus]) -> dict:
    return {
        "id": gs.goal.id,
        "title": gs.goal.title,
        "progress": measured(gs.progress, gs),
        "expected": measured(gs.expected, gs),
        "light": gs.light,
        "light_label": model.LIGHT_LABELS[gs.light],
        "counts": gs.counts,
        "last_update": _iso(gs.last_update),
        "tasks": [task_view(ts) for ts in tasks],
    }


def plan_view(plan: model.Plan) -> dict:
    return {"org": plan.org, "year": plan.year, "title": plan.title}


def matches(ts: model.TaskStatus, owner: str | None, status: str | None) -> bool:
    if owner is not None and owner not in (ts.task.owner, ts.task.lead, ts.task.unit):
        return False
    if status == "stale":
        return ts.stale
    if status == "closed":
        return ts.closed
    return status is None or ts.light == status


def goals_list(
    plan: model.Plan,
    statuses: list[model.GoalStatus],
    as_of: date,
    goal: str | None = None,
    owner: str | None = None,
    status: str | None = None,
    finished: bool = False,
) -> dict:
    """The four goals (or the filtered ones) with their tasks.

    Goal figures always cover all of a goal's tasks; filters only choose which goals
    and tasks are listed (a goal is listed when any of its tasks matches). ``finished``:
    the plan's year is over and it is evaluated at its end.
    """
    goals = []
    for gs in statuses:
        if goal is not None and gs.goal.id != goal:
            continue
        tasks = [ts for ts in gs.tasks if matches(ts, owner, status)]
        if (owner or status) and not tasks:
            continue
        goals.append(goal_view(gs, tasks))
    return {
        "schema": LIST_SCHEMA,
        "plan": plan_view(plan) | {"finished": finished},
        "as_of": as_of.isoformat(),
        "filters": {"goal": goal, "owner": owner, "status": status},
        "goals": goals,
    }


def _dated_text(record: model.Record | None, name: str) -> dict | None:
    return {"text": getattr(record, name), "date": record.date.isoformat()} if record else None


def task_show(
    plan: model.Plan, ts: model.TaskStatus, history: list[model.Record], as_of: date, values: model.LatestValues
) -> dict:
    """A task with its newest records; ``values``: its latest 存在问题, 下步计划 and metric values."""
    metrics = []
    for m in ts.task.metrics:
        held = values.metrics.get(m.name)
        metrics.append(
            {
                "name": m.name,
                "unit": m.unit,
                "baseline": m.baseline,
                "baseline_text": m.baseline_text,
                "basis": m.basis,
                "target": m.target,
                "whole": m.counts_whole,
                "latest": held.metrics[m.name] if held else None,
                "latest_date": _iso(held.date if held else None),
            }
        )
    goal = plan.goal_of(ts.task)
    texts = {"problem": _dated_text(values.open_problem, "problem"), "next": _dated_text(values.next, "next")}
    return {
        "schema": SHOW_SCHEMA,
        "kind": "task",
        "as_of": as_of.isoformat(),
        "goal": {"id": goal.id, "title": goal.title},
        "task": task_view(ts)
        | {"source": ts.task.source, "metrics": metrics, "lags": [lag_view(lag) for lag in ts.lags]}
        | texts
        | carried_view(ts.task),
        "history": [record_view(r) for r in history],
    }


def goal_show(plan: model.Plan, gs: model.GoalStatus, as_of: date) -> dict:
    view = goal_view(gs, list(gs.tasks))
    for task, ts in zip(view["tasks"], gs.tasks, strict=True):
        task["latest"] = record_view(ts.latest) if ts.latest else None
    return {"schema": SHOW_SCHEMA, "kind": "goal", "as_of": as_of.isoformat(), "goal": view}


def change_view(entry) -> dict:
    """One journal entry (``store.Entry``); a damaged one (its folder) only says so."""
    if not hasattr(entry, "seq"):
        return {"seq": int(entry.name), "damaged": True}
    return {
        "seq": entry.seq,
        "id": entry.id,
        "damaged": False,
        "at": entry.at.isoformat(),
        "who": entry.who,
        "command": entry.command,
        "summary": entry.summary,
        "complete": entry.complete,
        "files": [
            {
                "path": f.path,
                "created": f.before_image is None,
                "added_lines": f.added,
                "removed_lines": f.removed,
                "derived": f.derived,
            }
            for f in entry.files
        ],
    }


def history_view(entries: list) -> dict:
    return {"schema": LOG_SCHEMA, "changes": [change_view(e) for e in entries]}


# --------------------------------------------------------------------------- supervision (督办)

GROUP_SCHEMA = "anmin.goals.group/2"  # 2: progress over 项目 and 创建 tasks only
DUE_SCHEMA = "anmin.goals.due/1"
UNREPORTED_SCHEMA = "anmin.goals.unreported/2"  # 2: progress null for a 常态 duty
#: What `goals list --group` groups by: the task field and its label.
GROUP_FIELDS = {"unit": "责任单位", "lead": "牵头领导", "owner": "责任人"}


def group_view(plan: model.Plan, statuses: list[model.GoalStatus], as_of: date, by: str) -> dict:
    """One line per unit (or lead, or owner) in plan order, unclaimed tasks last.

    ``progress`` is weighted by task weight, as a goal's is; ``overdue`` lists the tasks
    past their 完成时限 and not done.
    """
    groups: dict[str, list[model.TaskStatus]] = {}
    for gs in statuses:
        for ts in gs.tasks:
            groups.setdefault(str(getattr(ts.task, by)).strip(), []).append(ts)
    if "" in groups:
        groups[""] = groups.pop("")
    lines = []
    for name, tasks in groups.items():
        counts = {light: 0 for light in model.LIGHTS} | {"stale": 0, "closed": 0}
        for ts in tasks:
            counts[ts.light] += 1
            counts["stale"] += ts.stale
            counts["closed"] += ts.closed
        projects = [ts for ts in tasks if ts.measured]  # 常态 duties have no percentage to average
        lines.append(
            {
                "name": name or model.UNCLAIMED_LABEL,
                "claimed": bool(name),
                "tasks": [ts.task.id for ts in tasks],
                "count": len(tasks),
                "counts": counts,
                "progress": _pct(assess.weighted_mean((ts.progress, ts.task.weight) for ts in projects))
                if projects
                else None,
                "expected": _pct(assess.weighted_mean((ts.expected, ts.task.weight) for ts in projects))
                if projects
                else None,
                "overdue": [ts.task.id for ts in tasks if ts.overdue],
            }
        )
    return {
        "schema": GROUP_SCHEMA,
        "plan": plan_view(plan),
        "as_of": as_of.isoformat(),
        "group": by,
        "group_label": GROUP_FIELDS[by],
        "groups": lines,
    }


def due_item_view(item: assess.DueItem) -> dict:
    t = item.status.task
    return {
        "task": t.id,
        "title": t.title,
        "kind": "milestone" if item.milestone else "due",
        "date": item.date.isoformat(),
        "percent": item.percent,
        "task_kind": t.kind,
        "stage": model.stage_name(item.percent) if t.kind == model.CREATION else None,
        "progress": _pct(item.status.progress),
        "days_left": item.days_left,
        "overdue": item.overdue,
        "light": item.status.light,
        "lead": t.lead,
        "unit": t.unit,
        "owner": t.owner,
    }


def due_counts(items: list[assess.DueItem]) -> dict:
    """Tasks with a deadline passed, and tasks (not among those) with one coming up."""
    late = {i.status.task.id for i in items if i.overdue}
    soon = {i.status.task.id for i in items} - late
    return {"due_tasks": len(soon), "overdue_tasks": len(late)}


def due_view(plan: model.Plan, items: list[assess.DueItem], as_of: date, within: int) -> dict:
    return {
        "schema": DUE_SCHEMA,
        "plan": plan_view(plan),
        "as_of": as_of.isoformat(),
        "within": within,
        "counts": due_counts(items),
        "items": [due_item_view(i) for i in items],
    }


def unreported_view(
    plan: model.Plan, tasks: list[model.TaskStatus], ym: tuple[int, int], start: date, end: date
) -> dict:
    return {
        "schema": UNREPORTED_SCHEMA,
        "plan": plan_view(plan),
        "month": f"{ym[0]:04d}-{ym[1]:02d}",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "tasks": [
            {
                "id": ts.task.id,
                "title": ts.task.title,
                "lead": ts.task.lead,
                "unit": ts.task.unit,
                "owner": ts.task.owner,
                "task_kind": ts.task.kind,
                "progress": measured(ts.progress, ts),
                "last_update": _iso(ts.latest.date if ts.latest else None),
            }
            for ts in tasks
        ],
    }
