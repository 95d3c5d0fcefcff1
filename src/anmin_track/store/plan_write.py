"""Writing a plan file back: regenerated whole (``dump_plan``, with a header and a note above each section
for the clerk editing it in Notepad), or edited in place so that hand-written comments stay (``rewrite_plan``).
tomli-w and tomlkit are imported only here, when a plan is written."""

from __future__ import annotations

from anmin_track import model
from anmin_track.store.plan_file import plan_from_toml, schema_needed

#: tomli-w cannot keep comments: a regenerated goals.toml starts with this instead.
PLAN_HEADER = """\
# 年度工作计划（计划文件）：重点工作、重点任务、责任分工、时间节点与销号信息。
# 可用 anmin goals edit/claim/add/remove/milestone/close/reopen 修改；命令只改动相应的值，手写的注释会保留。
# 进展记录不写在这里，而是按月保存在 progress/YYYY-MM.toml。手工修改后请运行 `anmin check` 检查格式。
# 亮灯：落后序时进度 yellow_behind 个百分点起为黄灯，超过 red_behind 个百分点或逾期未完成为红灯；
# 错过时间节点至少为黄灯；超过 stale_days 天没有进展记录标为“未更新”。
"""


#: What a clerk editing a regenerated goals.toml in Notepad is told above each section (the bundled plan says the same).
_SECTION_NOTES = {
    "[plan]": "# document 依据文件的名称：报告和督办单中引用为《……》（不写则为单位名加计划名称）。\n",
    "[settings]": (
        "# 节假日（周六、周日以外的休息日）：督办单的反馈期限按工作日计算时跳过，如\n"
        "# holidays = [{year}-10-01, {year}-10-02, {year}-10-03, {year}-10-04, {year}-10-07]\n"
    ),
    "[report]": (
        "# 公文设置：月报、季度报告、总结和督办单共用（GB/T 9704-2012）。addressee 主送机关；doc_number 发文字号，\n"
        '# 如 "安民〔{{year}}〕{{n}}号"；signer 签发人；cc 抄送机关、printer 印发机关（版记）；contact、phone 联系人和电话；\n'
        '# reply_to 督办单的反馈送达部门；summary_as 总结的行文方式："材料" 或 "报告"。\n'
    ),
}


def _task_fields(task: model.Task) -> dict:
    out = {
        "id": task.id,
        "title": task.title,
        **({} if task.kind == model.PROJECT else {"kind": task.kind}),
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
    if task.carried_from:
        out["carried_from"] = task.carried_from
        if task.measured:
            out["carried_progress"] = task.carried_progress
    return out


def _metric_fields(m: model.Metric) -> dict:
    baseline = {} if m.baseline is None else {"baseline": m.baseline}
    rules: dict[str, object] = {} if m.target is None else {"target": m.target}
    rules |= {} if m.basis == model.CUMULATIVE else {"basis": m.basis}
    rules |= {} if m.whole is None else {"whole": m.whole}
    rules |= {} if m.max is None else {"max": m.max}
    return {"name": m.name, "unit": m.unit, **baseline, "baseline_text": m.baseline_text, **rules}


def dump_plan(plan: model.Plan) -> bytes:
    """goals.toml for ``plan``: a fixed comment, then every table under its own header.

    Sections are laid out here (tomli-w only formats the flat key = value lines) so that
    metrics and milestones always get ``[[...]]`` headers, which the line numbers in
    validation messages rely on, and keys keep the order people read them in.
    """
    import tomli_w

    def section(header: str, fields: dict) -> str:
        note = _SECTION_NOTES.get(header, "").format(year=plan.year)
        return f"\n{note}{header}\n{tomli_w.dumps(fields)}"

    s = plan.settings
    info = {"org": plan.org, "issuer": plan.issuer, "year": plan.year, "title": plan.title, "source": plan.source}
    info |= {"aim": plan.aim} if plan.aim else {}
    info |= {"previous": plan.previous} if plan.previous is not None else {}
    info |= {"document": plan.document} if plan.document else {}
    defaults = model.ReportSettings()
    report = {"addressee": plan.report.addressee, "doc_number": plan.report.doc_number}
    report |= {
        key: value
        for key, value in plan.report._asdict().items()
        if key not in report and value != getattr(defaults, key)
    }
    has_report = plan.report != defaults
    settings = (
        {"yellow_behind": s.yellow_behind, "red_behind": s.red_behind, "stale_days": s.stale_days}
        | ({"ambiguous_wide": True} if s.ambiguous_wide else {})
        | ({"units": list(s.units)} if s.units else {})
        | ({"holidays": list(s.holidays)} if s.holidays else {})
    )
    shape = {
        "plan": info,
        "settings": settings,
        "goals": [
            ({"source": g.source} if g.source else {})
            | {"tasks": [_task_fields(t) | {"metrics": [_metric_fields(m) for m in t.metrics]} for t in g.tasks]}
            for g in plan.goals
        ],
    }
    schema = schema_needed(shape | ({"report": report} if has_report else {}))[0]
    parts = [
        PLAN_HEADER,
        tomli_w.dumps({"schema": schema}),
        section("[plan]", info),
        section("[settings]", settings),
    ]
    if has_report:
        parts.append(section("[report]", report))
    for goal in plan.goals:
        source = {"source": goal.source} if goal.source else {}
        parts.append(section("[[goals]]", {"id": goal.id, "title": goal.title, **source}))
        for task in goal.tasks:
            parts.append(section("[[goals.tasks]]", _task_fields(task)))
            parts += [section("[[goals.tasks.metrics]]", _metric_fields(m)) for m in task.metrics]
            parts += [
                section("[[goals.tasks.milestones]]", {"date": m.date, "percent": m.percent}) for m in task.milestones
            ]
    return "".join(parts).encode("utf-8")


def rewrite_plan(text: str, old: model.Plan, new: model.Plan, label: str) -> bytes:
    """goals.toml changed from ``old`` to ``new`` in place, keeping the user's comments and layout.

    tomlkit (style-preserving, imported only on this write path) changes just the values
    that differ. If the edited text does not read back as exactly ``new`` (a layout it
    cannot edit in place), the file is written anew by ``dump_plan`` instead.
    """
    import tomlkit

    try:
        doc = tomlkit.parse(text)
        edited = _edit_goals(doc, old, new) and _raise_schema(doc) and tomlkit.dumps(doc)
    except (tomlkit.exceptions.TOMLKitError, KeyError, TypeError, ValueError):
        edited = None
    if edited and plan_from_toml(edited, label)[0] == new:
        return edited.encode("utf-8")
    return dump_plan(new)


def _raise_schema(doc) -> bool:
    """The edited plan's ``schema`` raised to what its settings now need (a task made 常态 needs 4)."""
    needed = schema_needed(doc)[0]
    if isinstance(doc.get("schema"), int) and doc["schema"] < needed:
        doc["schema"] = needed
    return True


def _edit_goals(doc, old: model.Plan, new: model.Plan) -> bool:
    """Apply the differences between ``old`` and ``new`` to the tomlkit document; False if it cannot."""
    import tomlkit

    tables = {str(g["id"]): g for g in doc["goals"]}
    if set(tables) != {g.id for g in new.goals}:
        return False
    for goal in new.goals:
        table = tables[goal.id]
        before = old.goal(goal.id)
        if before is None or before.title != goal.title:
            table["title"] = goal.title
        if "tasks" not in table:
            table["tasks"] = tomlkit.aot()
        tasks = table["tasks"]
        keep = {t.id for t in goal.tasks}
        for i in reversed(range(len(tasks))):
            if str(tasks[i]["id"]) not in keep:
                del tasks[i]
        by_id = {str(t["id"]): t for t in tasks}
        for task in goal.tasks:
            if task.id in by_id:
                _edit_task(by_id[task.id], old.task(task.id), task)
            else:
                tasks.append(_task_table(task))
    return True


def _edit_task(table, old: model.Task | None, new: model.Task) -> None:
    fields = _task_fields(new)
    for key in ("kind", "closed", "closed_note", "closed_by", "carried_from", "carried_progress"):
        if key not in fields and key in table:
            del table[key]
    for key, value in fields.items():
        if old is None or getattr(old, key) != getattr(new, key) or (key not in table and value):
            table[key] = value
    if old is None or old.metrics != new.metrics:
        _set_tables(table, "metrics", [_metric_fields(m) for m in new.metrics])
    if old is None or old.milestones != new.milestones:
        _set_tables(table, "milestones", [{"date": m.date, "percent": m.percent} for m in new.milestones])


def _set_tables(table, key: str, rows: list[dict]) -> None:
    import tomlkit

    if key in table:
        del table[key]
    if rows:
        array = tomlkit.aot()
        for row in rows:
            array.append(tomlkit.item(row))
        array[-1].add(tomlkit.nl())  # a blank line before whatever table follows, as dump_plan writes
        table[key] = array


def _task_table(task: model.Task):
    import tomlkit

    table = tomlkit.table()
    for key, value in _task_fields(task).items():
        table[key] = value
    _set_tables(table, "metrics", [_metric_fields(m) for m in task.metrics])
    _set_tables(table, "milestones", [{"date": m.date, "percent": m.percent} for m in task.milestones])
    return table
