"""`anmin plan import`: a year's plan drafted from a 工作思路要点 (.txt in UTF-8 or GBK, .md, .docx)."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest

from anmin_track import model, plan_draft, store
from anmin_track.errors import DataError
from conftest import SEED, snapshot

TODAY = date.today()


def bundled() -> model.Plan:
    return store.load_plan(store.DataDir(store.bundled_plan_file().parent, bundled=True))


def draft(content: bytes, name: str, year: int) -> model.Plan:
    return plan_draft.draft_plan(plan_draft.document_lines(content, name), year, bundled(), name).plan


# --------------------------------------------------------------------------- the seed


def test_the_seed_gives_its_four_2024_directions_and_every_shipped_task_source():
    plan = draft(SEED.read_bytes(), SEED.name, 2024)
    shipped = bundled()
    assert [g.title for g in plan.goals] == [g.title for g in shipped.goals]  # verbatim, half-width commas kept
    assert plan.goals[0].title == "深化转型升级,加速产业发展融合提档"
    candidates = [t.source for t in plan.tasks]
    missed = [t.source for t in shipped.tasks if not any(t.source.rstrip("。") in c for c in candidates)]
    assert missed == []
    # the 2023 summary is not drafted: none of its sentences is a candidate
    assert not any("主题教育" in c or "2023" in c for c in candidates)
    assert all(t.start == date(2024, 1, 1) and t.due == date(2024, 12, 31) for t in plan.tasks)
    assert all((t.lead, t.unit, t.owner) == ("", "", "") for t in plan.tasks)  # never invented
    assert plan.goals[1].source.startswith("加快推进森林康养名镇")  # the direction's own paragraph


def test_long_sentences_are_split_into_the_actions_they_list():
    found = plan_draft.sentences(
        "细化“选秧 育苗 结果”工作的“颗粒度”团结带领更多有生力量锚定“二次创业”总任务,以督办单、认领件的形式将“迫于压力”"
        "变为“自我加压”,寓“宣教”于“寒暄”、优“作风”在“细节”,以民情地图的“走”“聊”“问”丰富基层干部工作方法,"
        "不断完善干部管育培全过程。与枫坪乡联合探索品牌创建,并组织村干部考察。"
    )
    assert len(found) == 5
    assert found[2].endswith("不断完善干部管育培全过程。")  # 不断… carries on the action before it
    assert found[3:] == ["与枫坪乡联合探索品牌创建", "组织村干部考察。"]


# --------------------------------------------------------------------------- other documents

GBK_TEXT = """\
青山镇2025年工作思路要点
一、2024年工作回顾
过去一年，全镇完成道路硬化12公里，新建文化礼堂3个。
二、2025年工作思路
（一）做强生态农业，促进农民增收
力争新增家庭农场10家以上。建成茶叶加工中心。
（二）抓实基层治理，守牢安全底线
深入开展矛盾纠纷排查化解，全年调解纠纷不少于40件。目前已建成网格8个。
"""


def test_a_gbk_text_gives_goals_tasks_and_metrics():
    plan = draft(GBK_TEXT.encode("gb18030"), "要点.txt", 2025)
    assert [g.title for g in plan.goals] == ["做强生态农业，促进农民增收", "抓实基层治理，守牢安全底线"]
    assert [t.source for t in plan.tasks] == [
        "力争新增家庭农场10家以上。",
        "建成茶叶加工中心。",
        "深入开展矛盾纠纷排查化解，全年调解纠纷不少于40件。",
    ]
    farms = plan.tasks[0].metrics
    assert farms == (model.Metric("家庭农场", "家", None, "力争新增家庭农场10家以上", target=10),)
    assert plan.tasks[2].metrics[0].name == "调解纠纷" and plan.tasks[2].metrics[0].target == 40
    assert plan.title == "2025年工作思路" and plan.source == "要点.txt"


def test_a_docx_with_paren_headings():
    import docx

    document = docx.Document()
    document.add_paragraph("某乡2025年重点工作安排")
    document.add_paragraph("（一）推进产业发展")
    document.add_paragraph("加快建设红色研学基地，培育研学线路2条。")
    document.add_paragraph("（二）改善人居环境")
    document.add_paragraph("完成农村污水管网改造5公里。截至去年底已改造3公里。")
    buffer = io.BytesIO()
    document.save(buffer)
    plan = draft(buffer.getvalue(), "安排.docx", 2025)
    assert [g.title for g in plan.goals] == ["推进产业发展", "改善人居环境"]
    assert [t.source for t in plan.tasks] == ["加快建设红色研学基地，培育研学线路2条。", "完成农村污水管网改造5公里。"]
    pipes = plan.tasks[1].metrics[0]
    assert (pipes.name, pipes.unit, pipes.baseline, pipes.target) == ("农村污水管网改造", "公里", 5, None)


def test_a_docx_numbered_by_word_itself():
    """Headings numbered by Word's own list numbering or 标题 styles carry no number in their text."""
    import docx

    document = docx.Document()
    document.add_paragraph("2025年工作要点", style="Heading 1")
    for title, action in (("抓项目促发展", "推进安置小区建设。"), ("优服务惠民生", "开展政策宣讲进村。")):
        document.add_paragraph(title, style="Heading 2")
        document.add_paragraph(action)
    buffer = io.BytesIO()
    document.save(buffer)
    plan = draft(buffer.getvalue(), "要点.docx", 2025)
    assert [g.title for g in plan.goals] == ["抓项目促发展", "优服务惠民生"]
    assert [t.source for t in plan.tasks] == ["推进安置小区建设。", "开展政策宣讲进村。"]


def test_markdown_headings_and_utf8_with_bom():
    text = "# 2025年工作要点\n\n## 1. 抓项目\n\n推进安置小区建设。\n\n## 2. 优服务\n\n- 开展政策宣讲进村。\n"
    plan = draft(b"\xef\xbb\xbf" + text.encode("utf-8"), "要点.md", 2025)
    assert [g.title for g in plan.goals] == ["抓项目", "优服务"]
    assert [t.source for t in plan.tasks] == ["推进安置小区建设。", "开展政策宣讲进村。"]


def test_a_line_in_no_known_encoding_is_named():
    content = "（一）第一项\n推进建设。\n".encode() + b"\xff\xfe\x80 broken\n"
    with pytest.raises(DataError, match=r"要点.txt:3: 这一行既不是 UTF-8 也不是 GBK"):
        plan_draft.document_lines(content, "要点.txt")


def test_a_document_without_numbered_directions_is_refused():
    with pytest.raises(DataError, match="没有找到2025年的分项工作思路"):
        draft("推进建设。\n加快发展。\n".encode(), "x.txt", 2025)


# --------------------------------------------------------------------------- the command


def test_import_to_a_file_then_begin_the_year_from_it(cli, data_dir, tmp_path):
    assert cli("goals", "update", "1.1", "-p", "80", "-d", "2024-11-20", "--note", "完工").exit_code == 0
    source = tmp_path / "要点.txt"
    source.write_bytes(GBK_TEXT.encode("gb18030"))
    before = snapshot(data_dir)
    made = cli("plan", "import", str(source), "--year", "2025", "-o", str(tmp_path / "草稿.toml"))
    assert made.exit_code == 0, made.stderr
    assert "2 项重点工作，3 项候选任务，2 项候选指标" in made.stdout
    assert snapshot(data_dir) == before  # a draft file only
    text = (tmp_path / "草稿.toml").read_text(encoding="utf-8")
    assert "anmin plan new 2025 --from 草稿.toml" in text and 'title = "做强生态农业，促进农民增收"' in text
    (tmp_path / "草稿.toml").write_text(text.replace('owner = ""', 'owner = "王芳"', 1), encoding="utf-8")
    begun = cli("plan", "new", "2025", "--from", str(tmp_path / "草稿.toml"), "--yes")
    assert begun.exit_code == 0, begun.stderr
    assert "列为第 3 项重点工作“2024年结转任务”" in begun.stdout
    plan = store.load_plan(store.DataDir(data_dir))
    assert [g.title for g in plan.goals] == [
        "做强生态农业，促进农民增收",
        "抓实基层治理，守牢安全底线",
        "2024年结转任务",
    ]
    assert plan.task("1.1").owner == "王芳" and plan.task("1.1").metrics[0].target == 10
    carried = plan.task("3.1")
    assert (carried.carried_from, carried.carried_progress) == ("2024:1.1", 80)
    assert cli("check").exit_code == 0
    assert json.loads(cli("goals", "show", "1.1", "--json", "--as-of", "2024-06-30").stdout)["task"][
        "title"
    ].startswith("推进山海协作")


def test_import_without_a_file_begins_the_year_after_the_preview(cli, data_dir, tmp_path):
    source = tmp_path / "要点.md"
    source.write_text("## （一）抓项目\n推进安置小区建设。\n## （二）优服务\n开展政策宣讲进村。\n", encoding="utf-8")
    asked = cli("plan", "import", str(source), "--year", "2025")  # no terminal: refused after the preview
    assert asked.exit_code == 2 and "需要确认" in asked.stderr and "1.1 推进安置小区建设" in asked.stdout
    done = cli("plan", "import", str(source), "--year", "2025", "--yes")
    assert done.exit_code == 0, done.stderr
    assert "开始2025年计划" in cli("log", "-n", "1").stdout
    assert cli("undo", "--yes").exit_code == 0 and store.load_plan(store.DataDir(data_dir)).year == 2024


@pytest.mark.parametrize(
    "args, said",
    [
        (("--year", "2024"), "应晚于当前计划的年度"),
        (("--year", "2025", "-o", "草稿.docx"), "请写成 .toml 文件"),
    ],
)
def test_import_refusals(cli, data_dir, tmp_path, args, said):
    source = tmp_path / "要点.txt"
    source.write_text(GBK_TEXT, encoding="utf-8")
    result = cli("plan", "import", str(source), *args)
    assert result.exit_code == 2 and said in result.stderr


def test_a_draft_of_another_year_or_with_a_mistake_is_refused_by_line(cli, data_dir, tmp_path):
    draft_file = tmp_path / "草稿.toml"
    draft_file.write_bytes(store.dump_plan(draft(GBK_TEXT.encode(), "x.txt", 2025)))
    wrong = cli("plan", "new", "2026", "--from", str(draft_file), "--yes")
    assert wrong.exit_code == 2 and "是2025年的计划" in wrong.stderr
    text = draft_file.read_text(encoding="utf-8").replace("due = 2025-12-31", "due = 2025-13-31", 1)
    draft_file.write_text(text, encoding="utf-8")
    broken = cli("plan", "new", "2025", "--from", str(draft_file), "--yes")
    assert broken.exit_code == 1 and "草稿.toml:" in broken.stderr and "Traceback" not in broken.stderr
