"""Derived values: 序时进度, lights at their boundaries, staleness, goal progress."""

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest

from anmin_track import assess, model
from anmin_track.model import DONE, GREEN, RED, YELLOW, Settings

S = Settings()
START, DUE = date(2024, 1, 1), date(2024, 12, 31)


def rec(task="1.1", day=date(2024, 5, 1), progress=10, at_minute=0):
    at = datetime(2024, 6, 1, 8, at_minute, tzinfo=timezone(timedelta(hours=8)))
    return model.Record(task=task, date=day, progress=progress, by="x", at=at)


def test_expected_progress_ends_and_middle():
    assert assess.expected_progress(START, DUE, date(2023, 12, 31)) == 0
    assert assess.expected_progress(START, DUE, START) == pytest.approx(100 / 366)
    assert assess.expected_progress(START, DUE, date(2024, 5, 31)) == pytest.approx(100 * 152 / 366)
    assert assess.expected_progress(START, DUE, DUE) == 100
    assert assess.expected_progress(START, DUE, date(2025, 3, 1)) == 100
    assert assess.expected_progress(START, START, START) == 100


@pytest.mark.parametrize(
    ("progress", "expected", "overdue", "light"),
    [
        (100, 100, False, DONE),
        (100, 100, True, DONE),
        (50, 59.99, False, GREEN),
        (50, 60, False, YELLOW),  # exactly 10 behind
        (50, 80, False, YELLOW),  # exactly 30 behind
        (50, 80.01, False, RED),
        (99, 100, True, RED),  # past due and not done
        (60, 50, False, GREEN),  # ahead of schedule
    ],
)
def test_light_boundaries(progress, expected, overdue, light):
    assert assess.light_for(progress, expected, overdue, S) == light


def test_thresholds_come_from_settings():
    strict = Settings(yellow_behind=5, red_behind=15)
    assert assess.light_for(50, 55, False, strict) == YELLOW
    assert assess.light_for(50, 65.5, False, strict) == RED


def test_stale_after_35_days_without_a_record():
    task = model.Task(id="1.1", goal_id="1", title="t")
    last = rec(day=date(2024, 3, 1))
    assert not assess.is_stale(task, last, date(2024, 4, 5), S)  # 35 days
    assert assess.is_stale(task, last, date(2024, 4, 6), S)  # 36 days
    assert assess.is_stale(task, None, date(2024, 2, 6), S)  # never reported, 36 days after start
    assert not assess.is_stale(task, None, date(2023, 6, 1), S)  # not started yet
    assert not assess.is_stale(task, rec(day=date(2024, 3, 1), progress=100), date(2024, 9, 1), S)


def test_task_status_overdue_is_red():
    task = model.Task(id="1.1", goal_id="1", title="t", due=date(2024, 6, 30))
    ts = assess.task_status(task, rec(day=date(2024, 6, 20), progress=95), date(2024, 7, 1), S)
    assert ts.overdue and ts.light == RED


def test_goal_progress_is_weighted_mean_of_latest():
    tasks = (
        model.Task(id="1.1", goal_id="1", title="a", weight=3),
        model.Task(id="1.2", goal_id="1", title="b", weight=1),
    )
    goal = model.Goal(id="1", title="g", tasks=tasks)
    latest = {"1.1": rec("1.1", progress=40), "1.2": rec("1.2", progress=80)}
    gs = assess.goal_status(goal, latest, date(2024, 5, 31), S)
    assert gs.progress == pytest.approx((40 * 3 + 80) / 4)
    assert gs.counts["yellow"] + gs.counts["green"] + gs.counts["red"] == 2


def test_goal_done_only_when_every_task_done():
    tasks = (model.Task(id="1.1", goal_id="1", title="a"), model.Task(id="1.2", goal_id="1", title="b"))
    goal = model.Goal(id="1", title="g", tasks=tasks)
    both = {"1.1": rec("1.1", progress=100), "1.2": rec("1.2", progress=100)}
    assert assess.goal_status(goal, both, date(2024, 5, 31), S).light == DONE
    one = {"1.1": rec("1.1", progress=100)}
    assert assess.goal_status(goal, one, date(2024, 5, 31), S).light != DONE


def test_latest_by_task_prefers_later_date_then_later_recording():
    """Rule 1 (one record order): "latest" is by (date, ``at``) whatever order the records are read in (a month
    file's, or a merge's), so every PC holding the same records agrees on it; c, recorded last, is backdated."""
    a = rec(day=date(2024, 5, 2), progress=20, at_minute=0)
    b = rec(day=date(2024, 5, 2), progress=25, at_minute=5)
    c = rec(day=date(2024, 5, 1), progress=90, at_minute=9)
    for order in itertools.permutations([a, b, c]):
        assert assess.latest_by_task(order)["1.1"] is b
        assert assess.latest_by_task(order, as_of=date(2024, 5, 1))["1.1"] is c
