"""A small plan and a set of records for report tests, written through the real store."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from anmin_track import model, store

CST = timezone(timedelta(hours=8))

PLAN = """\
schema = 3

[plan]
org = "安民乡"
issuer = "安民乡人民政府"
year = 2024
title = "2024年工作思路要点"
aim = "打造好“红绿金”融合发展的山区乡镇样板地"

[report]
addressee = "县委办、县府办"
doc_number = "安民〔{year}〕{n}号"

[settings]
yellow_behind = 10
red_behind = 30
stale_days = 35

[[goals]]
id = "1"
title = "深化转型升级,加速产业发展融合提档"
source = "突出红色文化核心内涵与绿色生态发展底色,推动资源价值转化。高标准建设红色教育基地。"

[[goals.tasks]]
id = "1.1"
title = "高标准建设红色教育基地"

[[goals.tasks.metrics]]
name = "红色现场教学点"
unit = "处"
baseline = 9

[[goals.tasks.metrics]]
name = "红色讲解员"
unit = "名"
baseline = 20
baseline_text = "培养红色讲解员20余名"

[[goals.tasks]]
id = "1.2"
title = "借校地合作建成生态特色农业种养基地"
weight = 2

[[goals.tasks]]
id = "1.3"
title = "组织村干部考察特色产业建设发展"

[[goals]]
id = "2"
title = "优化基层治理,力争全域和谐稳定提质"

[[goals.tasks]]
id = "2.1"
title = "将各类矛盾纠纷解决在萌芽状态"

[[goals.tasks.metrics]]
name = "调解矛盾纠纷"
unit = "件"
baseline = 57

[[goals.tasks.metrics]]
name = "调解成功率"
unit = "%"
baseline = 100

[[goals.tasks.metrics]]
name = "回访户数"
unit = "户"

[[goals.tasks]]
id = "2.2"
title = "加大反电信诈骗工作力度"
lead = "张伟"
unit = "乡综治办"
start = 2024-03-01
due = 2024-06-30

[[goals.tasks]]
id = "2.3"
title = "推进交通、生产、食品等重点领域治理"

[[goals.tasks]]
id = "2.4"
title = "做足支持安民的社会力量宣传"
unit = "乡党政办"
"""


def record(task, day, progress, note="", problem="", next="", metrics=None, by="李明", hour=9) -> model.Record:
    return model.Record(
        task=task,
        date=day,
        progress=progress,
        by=by,
        at=datetime(day.year, day.month, day.day, hour, tzinfo=CST) + timedelta(days=1),
        note=note,
        problem=problem,
        next=next,
        metrics=metrics or {},
    )


RECORDS = [
    record("2.3", date(2024, 3, 10), 5, "完成重点领域隐患排查摸底", problem="整治资金未到位"),
    record("1.1", date(2024, 4, 15), 30, "完成展陈方案初稿", problem="展陈资金缺口约30万元", next="5月完成方案评审"),
    record("1.2", date(2024, 4, 28), 20, "与农林大学签订合作协议", problem="种养基地选址尚未确定", next="5月完成选址"),
    record("1.3", date(2024, 5, 8), 100, "组织村干部赴松阳考察茶产业", by="王芳"),
    record("1.1", date(2024, 5, 10), 38, "新增现场教学点1处", metrics={"红色现场教学点": 10}),
    record(
        "2.2",
        date(2024, 5, 15),
        30,
        "开展反诈宣传进村入户12场",
        problem="老年群众防范意识仍较薄弱",
        next="6月开展反诈宣传月活动",
    ),
    record(
        "2.1",
        date(2024, 5, 20),
        40,
        "调解矛盾纠纷21件\x1b[31m,成功率100%",
        problem="部分纠纷涉及历史遗留问题\n需县级部门协调",
        next="开展矛盾纠纷“大排查”\n6月15日前完成",
        metrics={"调解矛盾纠纷": 21, "调解成功率": 100, "回访户数": 36},
    ),
    record(
        "1.1",
        date(2024, 5, 28),
        45,
        "完成安岱后红色教育基地展陈方案\n新增讲解员3名 [red]重点[/red] *加急* #1\n- 待定 <b>事项</b>",
        next="6月底前完成布展招标",
        metrics={"红色现场教学点": 10, "红色讲解员": 23},
    ),
]

LATER = [
    record("1.1", date(2024, 6, 10), 60, "完成布展招标", problem="工期紧", next="7月布展"),
    record("2.3", date(2024, 6, 3), 50, "整治资金到位"),
]

#: Late in the year, for the annual summary: a December figure is compared with 2023's.
YEAR_END = [
    record(
        "2.1",
        date(2024, 12, 20),
        90,
        "开展矛盾纠纷“大排查”\n化解信访积案1件",
        metrics={"调解矛盾纠纷": 61, "调解成功率": 100},
    ),
]


def make_data(path: Path, records=RECORDS) -> store.DataDir:
    """A data folder at ``path`` holding the fixture plan and ``records`` (added one by one)."""
    (path / store.PROGRESS_DIR).mkdir(parents=True, exist_ok=True)
    (path / store.PLAN_FILE).write_text(PLAN, encoding="utf-8")
    data = store.DataDir(path)
    for r in records:
        store.add_record(data, r)
    return data
