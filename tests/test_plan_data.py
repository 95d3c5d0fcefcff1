"""The shipped 2024 plan is faithful to the seed document."""

import re
import tomllib

from anmin_track import store
from conftest import REPO, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")
PLAN_2024 = SEED_TEXT.split("二、2024年工作思路要点", 1)[1]
DIRECTIONS = re.findall(r"^\((?:一|二|三|四)\)(.+)$", PLAN_2024, flags=re.M)


def load():
    return store.load_plan(store.DataDir(REPO / "data"))


def test_seed_copied_unchanged():
    shared = REPO.parent / "shared" / "seeds" / SEED.name
    if shared.exists():  # beside the checkout in CI and sessions
        assert SEED.read_bytes() == shared.read_bytes()
    assert "2024年工作思路要点" in SEED_TEXT


def test_four_goals_with_verbatim_titles():
    plan = load()
    assert len(DIRECTIONS) == 4
    assert [g.title for g in plan.goals] == DIRECTIONS
    assert [g.id for g in plan.goals] == ["1", "2", "3", "4"]
    assert plan.org == "安民乡" and plan.year == 2024


def test_every_task_quotes_the_seed():
    plan = load()
    for goal in plan.goals:
        assert 3 <= len(goal.tasks) <= 7, goal.id
        for n, task in enumerate(goal.tasks, 1):
            assert task.id == f"{goal.id}.{n}"
            assert task.source and task.source in PLAN_2024, task.id
            assert task.title


def test_no_invented_people_and_default_dates():
    for task in load().tasks:
        assert (task.lead, task.unit, task.owner, task.partners) == ("", "", "", ())
        assert (task.start.isoformat(), task.due.isoformat(), task.weight) == ("2024-01-01", "2024-12-31", 1)


def test_baselines_come_from_the_2023_summary():
    summary = SEED_TEXT.split("二、2024年工作思路要点", 1)[0]
    metrics = [(t.id, m) for t in load().tasks for m in t.metrics]
    assert {m.name for _, m in metrics} >= {"调解矛盾纠纷", "调解成功率", "红色现场教学点", "红色讲解员"}
    for task_id, m in metrics:
        assert m.baseline_text in summary, (task_id, m.name)
        assert f"{m.baseline:g}" in m.baseline_text, (task_id, m.name)


def test_schema_and_thresholds_in_the_file():
    doc = tomllib.loads((REPO / "data" / "goals.toml").read_text(encoding="utf-8"))
    assert doc["schema"] == 1
    assert doc["settings"] == {"yellow_behind": 10, "red_behind": 30, "stale_days": 35}
