"""A report's data as JSON, for scripts (``--format json``)."""

from __future__ import annotations

from anmin_track import model
from anmin_track.output.report_model import PeriodReport, TaskLine
from anmin_track.output.report_words import _points
from anmin_track.output.upward import planned_tasks

SCHEMA_VERSION = 3  # JSON schema: anmin.report.<kind>/3 (3: no missing lists, next_period)


# --------------------------------------------------------------------------- JSON


def _task_json(t: TaskLine) -> dict:
    return {
        "id": t.id,
        "title": t.title,
        "progress": round(t.progress, 1),
        "previous": round(t.previous, 1),
        "change": _points(t.progress, t.previous),
        "expected": round(t.expected, 1),
        "light": t.light,
        "light_label": model.LIGHT_LABELS[t.light],
        "stale": t.stale,
        "overdue": t.overdue,
        "closed": t.closed,
        "missed": {"date": t.missed.date.isoformat(), "percent": t.missed.percent} if t.missed else None,
        "last_update": t.last_update.isoformat() if t.last_update else None,
        "problem": t.problem,
        "problem_date": t.problem_date.isoformat() if t.problem_date else None,
        "next_plan": t.next_plan,
        "next_date": t.next_date.isoformat() if t.next_date else None,
        "lead": t.lead,
        "unit": t.unit,
        "owner": t.owner,
        "entries": [
            {
                "date": e.date.isoformat(),
                "progress": e.progress,
                "note": e.note,
                "problem": e.problem,
                "next": e.next,
                "by": e.by,
                "metrics": [
                    {"name": m.name, "unit": m.unit, "value": m.value, "baseline": m.baseline} for m in e.metrics
                ],
            }
            for e in t.entries
        ],
    }


def to_json(r: PeriodReport) -> dict:
    """The report's data for scripts; text as stored (not escaped), figures rounded to one decimal."""
    goal_of = {t.id: g.id for g in r.goals for t in g.tasks}
    return {
        "schema": f"anmin.report.{r.period.kind}/{SCHEMA_VERSION}",
        "plan": {"org": r.org, "issuer": r.issuer, "title": r.plan_title, "year": r.plan_year, "aim": r.aim},
        "title": r.title,
        **({"month": r.period.key} if r.period.kind == model.MONTHLY else {}),
        "period": {
            "kind": r.period.kind,
            "key": r.period.key,
            "label": r.period.label,
            "start": r.period.start.isoformat(),
            "end": r.period.end.isoformat(),
        },
        "as_of": r.period_end.isoformat(),
        "in_plan_year": r.in_plan_year,
        "overview": {
            "goals": len(r.goals),
            "tasks": len(r.tasks),
            "counts": dict(r.counts),
            "progress": round(r.progress, 1),
            "previous": round(r.previous, 1),
            "change": _points(r.progress, r.previous),
            "expected": round(r.expected, 1),
            "reported_tasks": r.reported_count,
            "entries": r.entry_count,
        },
        "goals": [
            {
                "id": g.id,
                "title": g.title,
                "progress": round(g.progress, 1),
                "previous": round(g.previous, 1),
                "change": _points(g.progress, g.previous),
                "expected": round(g.expected, 1),
                "light": g.light,
                "light_label": model.LIGHT_LABELS[g.light],
                "lead": g.lead,
                "tasks": [_task_json(t) for t in g.tasks],
            }
            for g in r.goals
        ],
        "problems": list(r.problems),
        "next_period": [{"id": t.id, "goal": goal_of[t.id], "next_plan": t.next_step} for t in planned_tasks(r)],
        "addressee": r.addressee,
        "issued_by": r.issuer,
        "date": r.signing_date.isoformat(),
    }
