"""The documents the office submits, through the real CLI: the report's wording, its Word file, its settings."""

from __future__ import annotations

import re
from datetime import date

import docx
import pytest
from docx.oxml.ns import qn

from anmin_track import model, store
from report_fixture import LATER, RECORDS, make_data, record


@pytest.fixture
def fixture_data(tmp_path) -> store.DataDir:
    return make_data(tmp_path / "fixture", [*RECORDS, *LATER])


def monthly(cli, data: store.DataDir, *args: str):
    return cli("--data", str(data.path), "report", "monthly", *args)


def _east_asian(paragraph) -> str:
    fonts = {r._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for r in paragraph.runs if r.text.strip()}
    assert len(fonts) == 1, (paragraph.text, fonts)
    return fonts.pop()


def test_docx_from_the_extension_in_gbt_9704_layout(cli, fixture_data, tmp_path):
    out = tmp_path / "月报.docx"
    result = monthly(cli, fixture_data, "2024-05", "-o", str(out), "--date", "2024-06-03", "--number", "7")
    assert result.exit_code == 0, result.output
    word = docx.Document(str(out))
    section = word.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert [
        round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    ] == [37, 35, 28, 26]
    paras = {p.text: p for p in word.paragraphs if p.text.strip()}
    assert "安民〔2024〕7号" in paras
    assert _east_asian(paras["安民乡关于2024年5月"]) == _east_asian(paras["重点工作推进情况的报告"]) == "方正小标宋简体"
    assert _east_asian(paras["县委办、县府办："]) == "仿宋_GB2312"
    assert _east_asian(paras["一、总体情况"]) == "黑体"
    assert _east_asian(paras["（一）深化转型升级，加速产业发展融合提档"]) == "楷体_GB2312"
    assert _east_asian(paras["特此报告。"]) == "仿宋_GB2312"
    assert "2024年6月3日" in paras and "安民乡人民政府" in paras
    body = next(p for text, p in paras.items() if text.startswith("2024年工作思路要点共"))
    assert body.runs[0].font.size.pt == 16
    footers = [section.footer, section.even_page_footer]
    assert all("PAGE" in f._element.xml for f in footers) and word.settings.odd_and_even_pages_header_footer


def test_format_docx_without_output_writes_a_dated_file_here(cli, fixture_data, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = monthly(cli, fixture_data, "2024-05", "--format", "docx", "--date", "2024-06-03")
    assert result.exit_code == 0, result.output
    written = list(tmp_path.glob("*.docx"))
    assert [p.name for p in written] == ["安民乡2024年5月重点工作推进情况报告（2024-06-03）.docx"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["-o", "月报.doc"], "不能写成 .doc"),
        (["-o", "月报.wps"], "不能写成 .wps"),
        (["-o", "月报.md", "--format", "json"], "不一致"),
        (["-o", "月报.docx", "--format", "text"], "不一致"),
        (["--template", "模板.docx"], "--template 只用于 Word 文件"),
    ],
)
def test_contradictions_are_usage_errors_and_write_nothing(cli, fixture_data, tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    result = monthly(cli, fixture_data, "2024-05", *args)
    assert result.exit_code == 2 and words in result.stderr and "Traceback" not in result.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith("月报") or p.suffix]


def test_a_problem_filed_earlier_still_appears_until_cleared(cli, tmp_path):
    recs = [
        record("2.2", date(2024, 4, 10), 20, "宣传", problem="宣传经费不足"),
        record("2.2", date(2024, 5, 10), 30, "继续宣传"),  # leaves 存在问题 empty: the problem stays
    ]
    data = make_data(tmp_path / "d", recs)
    text = monthly(cli, data, "2024-05", "--date", "2024-06-03").stdout
    assert "二是宣传经费不足。" in text.split("三、存在问题\n")[1]  # in the words it was reported in
    store.add_record(data, record("2.2", date(2024, 6, 10), 40, "经费到位", problem="已解决"))
    june = monthly(cli, data, "2024-06", "--date", "2024-07-03").stdout
    assert "宣传经费不足" not in june and "已解决" not in june


def test_a_red_task_without_next_plan_appears_in_next_month(cli, fixture_data):
    text = monthly(cli, fixture_data, "2024-05", "--date", "2024-06-03").stdout
    plans = text.split("四、下月工作计划\n")[1]
    assert "做足支持安民的社会力量宣传：【待填写】" in plans  # red, never reported


def test_counts_in_the_report_and_who_did_not_report_in_the_bulletin(cli, fixture_data):
    text = monthly(cli, fixture_data, "2024-05", "--date", "2024-06-03").stdout
    assert "已完成1项，亮绿灯2项、黄灯1项、红灯3项。" in text
    assert "重点任务平均完成进度33%，较上月末提高24个百分点，低于序时进度（46%）13个百分点。" in text
    assert "未报送进展" not in text and "责任单位" not in text  # the county is not told who did not fill the ledger
    assert "组织村干部赴松阳考察茶产业。该项任务已完成。" in text
    assert "2023年为20余名" in text  # the seed's approximate baseline stays approximate
    inward = cli("--data", str(fixture_data.path), "report", "bulletin", "2024-05", "--date", "2024-06-03").stdout
    missing = inward.split("四、未按时报送\n")[1].split("五、")[0]
    assert "做足支持安民的社会力量宣传（责任单位：乡党政办）：尚未报送过进展。" in missing
    assert "推进交通、生产、食品等重点领域治理：自3月10日以来未报送进展。" in missing


def test_no_half_width_punctuation_next_to_chinese_in_any_document_format(cli, fixture_data):
    for fmt in ("text", "markdown"):
        text = monthly(cli, fixture_data, "2024-05", "-f", fmt, "--date", "2024-06-03").stdout
        assert not re.search(r"[\u4e00-\u9fff][,;:()]|[,;:()][\u4e00-\u9fff]", text), fmt


def test_a_newer_plan_asks_for_an_upgrade(cli, fixture_data):
    newer = f"schema = {model.PLAN_SCHEMA + 1}"
    plan = re.sub(r"(?m)^schema = \d+$", newer, fixture_data.plan_file.read_text(encoding="utf-8"))
    fixture_data.plan_file.write_text(plan + "\n[future]\nx = 1\n", encoding="utf-8")
    result = monthly(cli, fixture_data, "2024-05")
    assert result.exit_code == 1 and "请升级" in result.stderr and "未知字段" not in result.stderr


def test_report_settings_need_schema_2(cli, fixture_data):
    plan = fixture_data.plan_file.read_text(encoding="utf-8").replace("schema = 3", "schema = 1")
    plan = "\n".join(line for line in plan.split("\n") if not line.startswith("aim = "))  # aim needs 3
    fixture_data.plan_file.write_text(plan, encoding="utf-8")
    result = monthly(cli, fixture_data, "2024-05")
    assert result.exit_code == 1 and "schema 应为 2" in result.stderr
