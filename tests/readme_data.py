"""The README's data: the bundled 2024 plan (22 tasks) with 责任单位 and 牵头领导 filled in, and the records of
a township in which about a third of the tasks report in May, written through the real store.

The golden files of the documents (``tests/golden/readme_*``) are made from this folder.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from anmin_track import store
from anmin_track.store import notices as register
from anmin_track.store.notice_state import NoticeState, state_document
from report_fixture import record

#: 责任单位 and 牵头领导 of each task, in the plan's order.
WHO = {
    "1.1": ("乡文化站", "王强"),
    "1.2": ("乡文化站", "王强"),
    "1.3": ("乡农业农村办", "陈刚"),
    "1.4": ("乡农业农村办", "陈刚"),
    "1.5": ("乡建设办", "刘洋"),
    "1.6": ("乡农业农村办", "陈刚"),
    "1.7": ("乡党政办", "李华"),
    "1.8": ("乡林业站", "刘洋"),
    "2.1": ("乡林业站", "刘洋"),
    "2.2": ("乡建设办", "刘洋"),
    "2.3": ("乡建设办", "刘洋"),
    "2.4": ("乡文化站", "王强"),
    "2.5": ("乡党政办", "李华"),
    "3.1": ("乡应急办", "张伟"),
    "3.2": ("乡综治办", "张伟"),
    "3.3": ("乡综治办", "张伟"),
    "3.4": ("乡应急办", "张伟"),
    "3.5": ("乡综治办", "张伟"),
    "4.1": ("乡组织办", "李华"),
    "4.2": ("乡党政办", "李华"),
    "4.3": ("乡纪委", "赵敏"),
    "4.4": ("乡组织办", "李华"),
}

D = date
RECORDS = [
    record("4.2", D(2024, 1, 12), None, "发出督办单3份"),
    record("3.4", D(2024, 1, 15), None, "开展节前安全生产大检查"),
    record("2.1", D(2024, 1, 30), 10, "完成森林康养项目可行性研究"),
    record("3.1", D(2024, 2, 20), 30, "组建乡应急救援队", next="3月开展防汛应急演练"),
    record("1.2", D(2024, 2, 28), 15, "完成展陈方案初稿"),
    record("1.1", D(2024, 3, 15), 10, "完成遗址保护利用项目立项", next="4月完成设计招标"),
    record("1.4", D(2024, 3, 20), 25, "完成省级休闲乡村创建申报", next="配合做好省级评审"),
    record("3.1", D(2024, 3, 28), 50, "开展防汛应急演练1次", next="5月开展第二次应急演练"),
    record("2.1", D(2024, 3, 31), 20, "完成主体工程招标", problem="建设用地指标尚未落实"),
    record(
        "3.3",
        D(2024, 4, 10),
        None,
        "开展反诈宣传进村入户12场",
        problem="老年群众防范意识仍较薄弱",
        next="6月开展反诈宣传月活动",
    ),
    record("1.2", D(2024, 4, 15), 30, "完成展陈方案评审", problem="展陈资金缺口约30万元", next="5月完成方案深化"),
    record("2.4", D(2024, 4, 18), None, "推出红色研学线路1条", metrics={"红色旅游精品线路": 7}),
    record("1.1", D(2024, 4, 20), 25, "完成设计招标", next="5月完成施工图设计"),
    record("1.3", D(2024, 4, 28), 20, "与农林大学签订合作协议", problem="种养基地选址尚未确定", next="5月完成选址"),
    # May: 9 of the 22 tasks report
    record("1.7", D(2024, 5, 8), 100, "组织村干部赴松阳考察茶产业", by="王芳"),
    record("1.2", D(2024, 5, 10), 38, "新增现场教学点1处", metrics={"红色现场教学点": 10}),
    record("3.2", D(2024, 5, 12), None, "全科网格员排查各类隐患42处，乡贤调解团参与调解5次"),
    record("2.4", D(2024, 5, 16), None, "拍摄特色点位宣传片2部", next="6月开展研学线路推介"),
    record("1.5", D(2024, 5, 18), 40, "完成3处关键节点道路拓宽", next="6月启动桥梁加固"),
    record(
        "3.5",
        D(2024, 5, 20),
        None,
        "调解矛盾纠纷21件，成功率100%",
        problem="部分纠纷涉及历史遗留问题，需县级部门协调",
        next="6月15日前完成矛盾纠纷“大排查”",
        metrics={"调解矛盾纠纷": 21, "调解成功率": 100},
    ),
    record("2.2", D(2024, 5, 22), 50, "完成3条“四好农村路”提升改建", next="6月完成剩余2条路面硬化"),
    record("1.1", D(2024, 5, 25), 35, "完成施工图设计", next="6月进场施工"),
    record(
        "1.2",
        D(2024, 5, 28),
        45,
        "完成安岱后红色教育基地展陈方案，新增讲解员3名",
        problem="展陈资金缺口约30万元",
        next="6月底前完成布展招标",
        metrics={"红色现场教学点": 10, "红色讲解员": 23},
    ),
    record("4.3", D(2024, 5, 30), None, "开展作风专项督查2次", metrics={"专项督查": 9}),
    # June: for the quarter and the half year
    record("1.2", D(2024, 6, 20), 60, "完成布展招标", problem="工期紧", next="7月开展布展"),
    record(
        "3.5",
        D(2024, 6, 25),
        None,
        "开展矛盾纠纷“大排查”，化解信访积案1件",
        problem="无",
        metrics={"调解矛盾纠纷": 30, "调解成功率": 100},
    ),
    record("1.3", D(2024, 6, 26), 40, "完成种养基地选址", next="7月完成土地流转"),
]

#: 督办单 issued before the report: 2.1 answered nothing yet (its reply_by is before May 31), 1.6 is still in time.
NOTICES = [
    ("2.1", "加快推进森林康养名镇项目", D(2024, 5, 6), D(2024, 5, 13)),
    ("1.6", "与枫坪乡联合探索“坪安里”品牌创建", D(2024, 5, 27), D(2024, 6, 3)),
]


def plan_text() -> str:
    """The bundled plan with each task's 责任单位 and 牵头领导 and a 发文字号 pattern."""
    text = store.bundled_plan_file().read_text(encoding="utf-8")
    text = text.replace('doc_number = ""', 'doc_number = "安民〔{year}〕{n}号"', 1)
    for unit, lead in WHO.values():
        text = text.replace('lead = ""\nunit = ""', f'lead = "{lead}"\nunit = "{unit}"', 1)
    return text


def make_readme_data(path: Path, records=RECORDS) -> store.DataDir:
    """A data folder at ``path`` with the README's plan, records and 督办单 register."""
    store.init_data_dir(path)
    (path / store.PLAN_FILE).write_text(plan_text(), encoding="utf-8")
    data = store.DataDir(path)
    for r in records:
        store.add_record(data, r)
    entries = [
        register.IssuedNotice(
            2024,
            n,
            f"督办〔2024〕{n}号",
            task,
            title,
            signed,
            signed,
            reply_by,
            "李明",
            datetime(signed.year, signed.month, signed.day, 9),
        )
        for n, (task, title, signed, reply_by) in enumerate(NOTICES, 1)
    ]
    states = {
        (e.year, e.number): NoticeState(e.year, e.number, e.task, to=WHO[e.task][0], sent_at=e.at) for e in entries
    }
    with store.locked(data, "李明"):
        register.append_register(data, entries)
        store.write_notice_states(
            data, state_document(states), store.Author("李明", "anmin notice issue"), "发出督办单"
        )
    return data
