"""The 公文 form of a document sent upward (GB/T 9704-2012): [report], 字号 and 签发人, titles, 版记, templates."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from anmin_track import store
from anmin_track.output.frame import NO_LINE_END, NO_LINE_START, TITLE_WIDTH, title_lines, width
from anmin_track.text import quoted
from report_fixture import LATER, RECORDS, make_data


@pytest.fixture
def fixture_data(tmp_path) -> store.DataDir:
    return make_data(tmp_path / "fixture", [*RECORDS, *LATER])


def set_report(data: store.DataDir, **values: str) -> None:
    """The fixture plan with [report] keys set (its [report] has 主送 and 字号 already)."""
    text = data.plan_file.read_text(encoding="utf-8").replace("schema = 3", "schema = 4")
    lines = "".join(f'{key} = "{value}"\n' for key, value in values.items())
    data.plan_file.write_text(text.replace("[report]\n", "[report]\n" + lines, 1), encoding="utf-8")


def report(cli, data: store.DataDir, *args: str):
    return cli("--data", str(data.path), "report", *args)


# --------------------------------------------------------------------------- titles and quotation marks


@pytest.mark.parametrize(
    "words, lines",
    [
        (
            ("安民乡", "关于", "2024年5月", "重点工作", "推进情况", "的报告"),
            ["安民乡关于2024年5月", "重点工作推进情况的报告"],
        ),
        (
            ("安民乡", "关于", "2024年第二季度", "重点工作", "推进情况", "的报告"),
            ["安民乡关于2024年第二季度", "重点工作推进情况的报告"],
        ),
        (("安民乡", "2024年上半年", "工作总结"), ["安民乡2024年上半年工作总结"]),
        (
            ("安民乡人民政府", "关于", "2024年", "工作情况", "的报告"),
            ["安民乡人民政府关于2024年工作情况的报告"],
        ),
    ],
)
def test_titles_break_between_words_into_balanced_lines(words, lines):
    assert title_lines(words).split("\n") == lines


def test_a_title_too_long_for_one_word_a_line_still_keeps_the_rules():
    words = ("关于加快推进", quoted("推进交通安全、生产安全、食品安全、防汛防台、消防等重点领域治理"), "任务的督办单")
    lines = title_lines(words).split("\n")
    assert "".join(lines) == "".join(words) and len(lines) >= 2
    assert all(width(line) <= TITLE_WIDTH for line in lines)
    assert all(line[0] not in NO_LINE_START for line in lines[1:]) and all(
        line[-1] not in NO_LINE_END for line in lines[:-1]
    )


def test_quotation_marks_inside_quotation_marks_are_single():
    assert quoted("与枫坪乡联合探索“坪安里”品牌创建") == "“与枫坪乡联合探索‘坪安里’品牌创建”"
    assert quoted("没有引号") == "“没有引号”"


# --------------------------------------------------------------------------- 字号, 签发人, 主送


def test_number_without_a_pattern_is_refused(cli, fixture_data):
    text = fixture_data.plan_file.read_text(encoding="utf-8").replace(
        'doc_number = "安民〔{year}〕{n}号"', 'doc_number = ""'
    )
    fixture_data.plan_file.write_text(text, encoding="utf-8")
    result = report(cli, fixture_data, "monthly", "2024-05", "--number", "7")
    assert result.exit_code == 2 and "[report] 中写 doc_number" in result.stderr


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_report_sent_upward_names_its_signer_beside_the_number(cli, fixture_data, tmp_path):
    result = report(
        cli, fixture_data, "monthly", "2024-05", "--number", "7", "--signer", "张建国", "--date", "2024-06-03"
    )
    first = result.stdout.splitlines()[0]
    assert first.startswith("\u3000安民〔2024〕7号\u3000") and first.endswith("签发人：张建国")
    assert width(first) == 28 - 1  # 居左空一字 … 居右空一字 on a line of 28
    out = tmp_path / "月报.docx"
    signed = ("--number", "7", "--signer", "张建国", "--date", "2024-06-03")
    assert report(cli, fixture_data, "monthly", "2024-05", *signed, "-o", str(out)).exit_code == 0
    head = docx.Document(str(out)).paragraphs[0]
    assert head.text == "安民〔2024〕7号\t签发人：张建国"
    assert head._p.pPr.find(qn("w:tabs")) is not None  # 签发人 set at a right tab stop, one character in
    fonts = [r._r.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) for r in head.runs]
    assert fonts == ["仿宋_GB2312", "楷体_GB2312"]  # the signer's name in 楷体 (§7.2.6)


def test_signer_from_the_plan_and_a_missing_addressee_is_said_once(cli, fixture_data):
    set_report(fixture_data, signer="李四")
    text = fixture_data.plan_file.read_text(encoding="utf-8").replace('addressee = "县委办、县府办"', 'addressee = ""')
    fixture_data.plan_file.write_text(text, encoding="utf-8")
    result = report(cli, fixture_data, "monthly", "2024-05", "--number", "2")
    assert result.exit_code == 0 and "签发人：李四" in result.stdout.splitlines()[0]
    assert result.stderr.count("没有主送机关") == 1


# --------------------------------------------------------------------------- 版记


def test_the_record_closes_every_format(cli, fixture_data, tmp_path):
    set_report(fixture_data, printer="安民乡党政办公室")
    args = ("monthly", "2024-05", "--cc", "县委办、县府办", "--date", "2024-06-03")
    text = report(cli, fixture_data, *args).stdout.rstrip("\n").split("\n")
    assert text[-5:] == [
        "─" * 28,
        "\u3000抄送：县委办、县府办。",
        "─" * 28,
        "\u3000安民乡党政办公室\u3000\u30002024年6月3日印发",
        "─" * 28,
    ]
    assert text[-8:-6] == ["安民乡人民政府", "2024年6月3日"]  # after the 落款
    markdown = report(cli, fixture_data, *args, "-f", "md").stdout
    assert markdown.rstrip().endswith(
        "抄送：县委办、县府办。\n\n---\n\n安民乡党政办公室\u3000\u30002024年6月3日印发\n\n---"
    )
    out = tmp_path / "月报.docx"
    assert report(cli, fixture_data, *args, "-o", str(out)).exit_code == 0
    paragraphs = docx.Document(str(out)).paragraphs
    cc, printed = paragraphs[-2], paragraphs[-1]
    assert cc.text == "\u3000抄送：县委办、县府办。" and printed.text == "\u3000安民乡党政办公室\t2024年6月3日印发"
    rules = [[b.get(qn("w:sz")) for b in p._p.pPr.find(qn("w:pBdr"))] for p in (cc, printed)]
    assert rules == [["8", "6"], ["8"]]  # 首末条粗线 0.35 mm，中间细线 0.25 mm
    assert cc.runs[0].font.size.pt == 14  # 四号


def test_no_record_without_cc_or_printer(cli, fixture_data):
    assert "抄送" not in report(cli, fixture_data, "monthly", "2024-05").stdout


# --------------------------------------------------------------------------- a 总结 as 报告 or 材料


def test_a_summary_goes_as_material_or_as_a_report(cli, fixture_data):
    material = report(cli, fixture_data, "half", "2024H1", "--date", "2024-07-05")
    assert material.stdout.startswith("安民乡2024年上半年工作总结\n\n") and "县委办、县府办：" not in material.stdout
    refused = report(cli, fixture_data, "half", "2024H1", "--number", "3")
    assert refused.exit_code == 2 and "总结按材料报送" in refused.stderr
    set_report(fixture_data, summary_as="报告")
    sent = report(cli, fixture_data, "half", "2024H1", "--number", "3", "--date", "2024-07-05").stdout
    assert sent.startswith("安民〔2024〕3号\n\n安民乡关于2024年上半年工作情况的报告\n\n县委办、县府办：\n")
    assert "　　特此报告。" in sent
    text = fixture_data.plan_file.read_text(encoding="utf-8")
    fixture_data.plan_file.write_text(text.replace('summary_as = "报告"', 'summary_as = "附件"'), encoding="utf-8")
    checked = cli("--data", str(fixture_data.path), "check")
    assert checked.exit_code == 1 and "summary_as 应为 '报告' 或 '材料'" in checked.stdout


# --------------------------------------------------------------------------- templates


def _template(path: Path, *paragraphs: str) -> Path:
    office = docx.Document()
    for text in paragraphs:
        office.add_paragraph(text)
    office.save(path)
    return path


def test_the_body_goes_at_the_mark_of_a_template(cli, fixture_data, tmp_path):
    template = _template(
        tmp_path / "红头.docx", "安民乡人民政府文件", "{{正文}}", "抄送：县委办。", "安民乡党政办公室印发"
    )
    out = tmp_path / "月报.docx"
    result = report(cli, fixture_data, "monthly", "2024-05", "--template", str(template), "-o", str(out))
    assert result.exit_code == 0 and "{{正文}}" not in result.stderr
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert texts[0] == "安民乡人民政府文件" and "{{正文}}" not in texts
    assert texts.index("特此报告。") < texts.index("抄送：县委办。") == len(texts) - 2


def test_without_a_mark_the_body_goes_before_the_templates_record_and_the_clerk_is_told(cli, fixture_data, tmp_path):
    template = _template(tmp_path / "红头.docx", "安民乡人民政府文件", "版头红线", "抄送：县委办。")
    out = tmp_path / "月报.docx"
    result = report(cli, fixture_data, "monthly", "2024-05", "--template", str(template), "-o", str(out))
    assert result.exit_code == 0 and result.stderr.count("{{正文}}") == 2  # one sentence naming the mark
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert texts[:2] == ["安民乡人民政府文件", "版头红线"] and texts[-1] == "抄送：县委办。"
    assert "特此报告。" in texts[:-1]
    with_mark_bytes = io.BytesIO(out.read_bytes())
    assert docx.Document(with_mark_bytes).sections[0].left_margin.mm == pytest.approx(28, abs=0.1)
