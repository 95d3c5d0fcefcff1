"""The shipped 2024 plan is faithful to the seed document."""

import re
import tomllib

from anmin_track import store
from conftest import REPO, SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")
PLAN_2024 = SEED_TEXT.split("二、2024年工作思路要点", 1)[1]
DIRECTIONS = re.findall(r"^\((?:一|二|三|四)\)(.+)$", PLAN_2024, flags=re.M)
#: The seed's paragraph under each direction.
DIRECTION_TEXTS = re.findall(r"^\((?:一|二|三|四)\).+\n(.+)$", PLAN_2024, flags=re.M)


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
        assert 3 <= len(goal.tasks) <= 8, goal.id
        for n, task in enumerate(goal.tasks, 1):
            assert task.id == f"{goal.id}.{n}"
            assert task.source and task.source in PLAN_2024, task.id
            assert task.title


def test_goals_quote_their_direction_and_the_plan_its_aim():
    plan = load()
    assert [g.source for g in plan.goals] == [text.strip() for text in DIRECTION_TEXTS]
    assert plan.goals[0].source.startswith("突出红色文化核心内涵与绿色生态发展底色,推动资源价值转化。")
    assert plan.aim == "打造好“红绿金”融合发展的山区乡镇样板地" and plan.aim in SEED_TEXT.split("一、2023年工作总结")[0]
    for goal in plan.goals:  # every task's source is part of its direction's text
        assert all(t.source.rstrip("。") in goal.source for t in goal.tasks), goal.id


def test_safety_areas_keep_the_seeds_wording():
    """3.4 lists 交通安全、生产安全、食品安全 (not 交通、生产、食品, which would read as 食品治理)."""
    task = load().task("3.4")
    assert "交通安全、生产安全、食品安全、防汛防台、消防等重点领域" in task.source
    assert "交通安全、生产安全、食品安全、防汛防台、消防等重点领域" in task.title


def test_two_creations_with_separate_acceptance_are_two_tasks():
    """1.4 held 省级休闲乡村 and 省森林康养名镇; the second is now the last task of goal 1, other ids unchanged."""
    plan = load()
    leisure, forest = plan.task("1.4"), plan.task("1.8")
    assert "省级休闲乡村" in leisure.title and "康养" not in leisure.title
    assert "省森林康养名镇" in forest.title and "休闲" not in forest.title
    assert leisure.source == forest.source == "紧抓省级休闲乡村和省森林康养名镇创建契机。"
    assert plan.goal("1").tasks[-1] is forest
    assert plan.task("1.5").title == "强化关键节点道路交通和基础设施联通"  # ids after 1.4 did not move


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


def test_approximate_baselines_stay_approximate():
    """The seed says 培养红色讲解员20余名: 20 for arithmetic, `20余名` wherever a document quotes it."""
    from anmin_track.output.report import baseline_words

    metric = load().task("1.2").metric("红色讲解员")
    assert (metric.baseline, baseline_words(metric)) == (20, "20余名")
    assert baseline_words(load().task("1.2").metric("红色现场教学点")) == "9处"


def test_schema_and_thresholds_in_the_file():
    doc = tomllib.loads((REPO / "data" / "goals.toml").read_text(encoding="utf-8"))
    assert (
        doc["schema"] == 5
    )  # [plan] document needs 5, task kinds and [report] signer/cc/printer… 4, [plan] aim 3, goal sources 2
    assert doc["settings"] == {"yellow_behind": 10, "red_behind": 30, "stale_days": 35}
    report = doc["report"]  # the 公文 frame ships filled where it can be: 主送, where replies go, 总结 as 材料
    assert (report["addressee"], report["reply_to"], report["summary_as"]) == (
        "县委、县政府",
        "乡党政办（督查室）",
        "材料",
    )
    assert report["doc_number"] == "" and report["signer"] == ""  # the office's own: never invented
