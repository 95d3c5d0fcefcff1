"""督办单 (`anmin report notice`): which tasks, what each says, and the register of numbers undo never rolls back."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from datetime import UTC, date, datetime

import docx
import pytest
from docx.oxml.ns import qn

from anmin_track import actions, store
from anmin_track.errors import WriteError
from anmin_track.output.report import PAGE_RULE
from anmin_track.store import lock
from anmin_track.store.folder import NOTICES_FILE
from conftest import ANMIN
from report_fixture import LATER, RECORDS, make_data

JUNE_3 = ("--date", "2024-06-03")


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> store.DataDir:
    return make_data(tmp_path_factory.mktemp("notice") / "fixture", [*RECORDS, *LATER])


@pytest.fixture
def folder(built, tmp_path) -> store.DataDir:
    """The report fixture with the June records: on 6月3日 2.2 and 2.4 are red; 2.3 was red until its 6月3日 record.

    A copy (times kept, so the index stays valid) of one folder built through the store per module.
    """
    return store.DataDir(shutil.copytree(built.path, tmp_path / "fixture"))


def notice(cli, data: store.DataDir, *args: str):
    """`report notice` as a script runs it: the signing dates of these tests are far from today, so it asks first."""
    return cli("--data", str(data.path), "report", "notice", "--yes", *args)


def register(data: store.DataDir) -> list[tuple[str, str]]:
    return [(e.code, e.task) for e in actions.issued_notices(data)]


def test_without_ids_every_task_red_on_the_signing_date_gets_a_numbered_notice(cli, folder):
    result = notice(cli, folder, *JUNE_3)
    assert result.exit_code == 0, result.output
    assert register(folder) == [("督办〔2024〕1号", "2.2"), ("督办〔2024〕2号", "2.4")]
    listed, text = result.stderr, result.stdout  # the red tasks, as asked about; the notices
    assert (
        "2.2 加大反电信诈骗工作力度（主送乡综治办）" in listed
        and "2.4 做足支持安民的社会力量宣传（主送乡党政办）" in listed
    )
    assert (
        text.count("关于加快推进") == 2 and text.count("（另页）") == 1
    )  # titles broken between words (tests/test_frame.py)
    first, second = text.split(PAGE_RULE)
    assert first.lstrip("\n").startswith("关于加快推进“加大反电信诈骗工作力度”\n任务的督办单")
    assert "督办编号：督办〔2024〕1号\n" in first and "督办编号：督办〔2024〕2号\n" in second
    assert "做足支持安民的社会力量宣传" in second
    # 2.2 runs 3月1日–6月30日: on 6月3日 95 of 122 days have passed (78%); it reported 30% on 5月15日.
    assert "推进情况：当前进度30%，低于序时进度（78%）48个百分点，亮红灯，最近一次于5月15日报送进展。" in first
    assert "存在问题：老年群众防范意识仍较薄弱（5月15日报送）。" in first
    assert "责任领导：张伟\n责任单位：乡综治办\n责任人：尚未明确\n办理时限：2024年6月30日\n督办等级：红色\n" in first
    # 6月3日 is a Monday: five working days later is Monday 6月10日; replies go to the 督查室, not the government
    assert "反馈期限：2024年6月10日\n" in first
    assert "并于2024年6月10日前将办理情况书面反馈乡党政办（督查室）。" in first and "反馈安民乡人民政府" not in first
    for blank in (
        "办理情况反馈：\n",
        "签收人：\n签收时间：\u3000\u3000年\u3000\u3000月\u3000\u3000日\n",
        "领导签批：\n",
    ):
        assert blank in first
    assert first.rstrip().endswith("安民乡人民政府\n2024年6月3日")
    assert "尚未报送过进展" in second and "存在问题：未填报。" in second
    assert "已登记编号 督办〔2024〕1号、督办〔2024〕2号" in result.stderr


def test_as_of_an_earlier_day_evaluates_there(cli, folder):
    """2.3 reported 50% on 6月3日; as of 5月31日 it was still red at 5%, silent since 3月10日."""
    result = notice(cli, folder, *JUNE_3, "--as-of", "2024-05-31", "--preview", "--to", "乡安监站")
    assert result.exit_code == 0, result.output
    assert "督办事项：“推进交通、生产、食品等重点领域治理”（任务编号2.3）" in result.stdout
    assert "截至2024年5月31日，该项任务推进滞后" in result.stdout
    assert "自3月10日以来未报送进展" in result.stdout
    assert notice(cli, folder, *JUNE_3, "--as-of", "2024-06-04").exit_code == 2  # later than signing


def test_named_tasks_and_the_latest_problem_a_later_record_left_empty(cli, folder):
    """1.1 reported its problem on 4月15日; the records after it left 存在问题 empty, which does not clear it."""
    result = notice(cli, folder, "1.1", "2.1", "--date", "2024-05-31", "--to", "乡文化站")
    assert result.exit_code == 0, result.output
    assert register(folder) == [("督办〔2024〕1号", "1.1"), ("督办〔2024〕2号", "2.1")]
    first, second = result.stdout.split(PAGE_RULE)
    assert "存在问题：展陈资金缺口约30万元（4月15日报送）。" in first
    assert "现就该项任务有关事项予以督办。" in first and "推进滞后" not in first and "督办等级：黄色" in first  # green
    # The stored problem holds a newline: one sentence in the notice.
    assert "存在问题：部分纠纷涉及历史遗留问题，需县级部门协调（5月20日报送）。" in second


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("9.9",), "没有编号为"),
        (("2",), "2 是重点工作"),
        (("1.3",), "已完成，无需督办"),
        (("--reply-by", "2024-06-03"), "反馈期限 2024-06-03 应晚于成文日期"),
        (("--reply-by", "下周"), "--reply-by"),
        (("--date", "2024-13-01"), "--date"),
        (("--format", "json"), "JSON"),
        (("--template", "红头.docx"), "--template"),
        (("-o", "没有的文件夹/督办单.docx"), "不存在"),
    ],
)
def test_bad_input_is_a_usage_error_and_takes_no_number(cli, folder, args, words):
    result = notice(cli, folder, *JUNE_3, *args)
    assert result.exit_code == 2, result.output
    assert words in result.stderr and "Traceback" not in result.output
    assert not folder.notices_file.exists()


def test_reply_by_takes_the_dates_staff_type(cli, folder):
    result = notice(cli, folder, "2.2", *JUNE_3, "--reply-by", "2024年6月20日")
    assert result.exit_code == 0, result.output
    assert "并于2024年6月20日前将办理情况书面反馈" in result.stdout
    (entry,) = actions.issued_notices(folder)
    assert (entry.signed, entry.as_of, entry.reply_by) == (date(2024, 6, 3), date(2024, 6, 3), date(2024, 6, 20))


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_numbers_continue_across_runs_and_start_again_each_signing_year(cli, folder):
    assert notice(cli, folder, *JUNE_3).exit_code == 0
    assert notice(cli, folder, "1.1", "--date", "2024-06-05", "--to", "乡文化站").exit_code == 0
    assert notice(cli, folder, "2.2", "1.2", "--date", "2025-01-06", "--to", "乡农办").exit_code == 0
    assert notice(cli, folder, "2.4", "--date", "2024-12-30").exit_code == 0  # back in 2024: after 3
    assert register(folder) == [
        ("督办〔2024〕1号", "2.2"),
        ("督办〔2024〕2号", "2.4"),
        ("督办〔2024〕3号", "1.1"),
        ("督办〔2025〕1号", "2.2"),
        ("督办〔2025〕2号", "1.2"),
        ("督办〔2024〕4号", "2.4"),
    ]
    listed = notice(cli, folder, "--list")
    assert listed.exit_code == 0 and "共6份" in listed.stdout
    shown = json.loads(cli("--data", str(folder.path), "notice", "list", "--json", "--as-of", "2025-01-07").stdout)
    (one,) = [n for n in shown["notices"] if n["code"] == "督办〔2025〕2号"]
    # 2025年1月6日 is a Monday: reply by the next Monday
    assert (one["task"], one["signed"], one["reply_by"], one["status"]) == ("1.2", "2025-01-06", "2025-01-13", "待签收")


def test_preview_shows_a_gap_for_the_number_and_takes_none(cli, folder):
    result = notice(cli, folder, *JUNE_3, "--preview")
    assert result.exit_code == 0, result.output
    assert "督办编号：督办〔2024〕\u3000\u3000号\n" in result.stdout
    assert "未使用编号" in result.stderr
    assert not folder.notices_file.exists()
    assert notice(cli, folder, "2.2", *JUNE_3).exit_code == 0
    assert register(folder) == [("督办〔2024〕1号", "2.2")]


def test_no_red_task_writes_nothing_and_takes_no_number(cli, folder, tmp_path):
    result = notice(cli, folder, "--date", "2024-01-05", "-o", str(tmp_path / "督办单.docx"))
    assert result.exit_code == 0, result.output
    assert "截至2024年1月5日没有亮红灯的任务" in result.stdout
    assert not folder.notices_file.exists() and not (tmp_path / "督办单.docx").exists()


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_undo_never_gives_a_number_back(cli, folder):
    """Issuing is a journaled change (the state file); undoing it leaves the number void, never free again."""
    assert (
        cli("--data", str(folder.path), "goals", "update", "2.4", "--progress", "5", "--date", "2024-06-01").exit_code
        == 0
    )
    assert notice(cli, folder, "2.4", *JUNE_3).exit_code == 0
    issued = folder.notices_file.read_bytes()
    log = cli("--data", str(folder.path), "log")
    assert (
        "发出督办单 督办〔2024〕1号" in log.stdout and ".notices.toml" not in log.stdout
    )  # the register is not journaled
    assert cli("--data", str(folder.path), "undo", "--yes").exit_code == 0  # takes back the issue
    assert folder.notices_file.read_bytes() == issued
    assert [(i.code, i.status) for i in actions.notices_as_of(folder)] == [("督办〔2024〕1号", actions.VOID)]
    assert cli("--data", str(folder.path), "undo", "--yes").exit_code == 0  # and the progress record
    assert notice(cli, folder, "2.4", *JUNE_3).exit_code == 0
    assert register(folder) == [("督办〔2024〕1号", "2.4"), ("督办〔2024〕2号", "2.4")]


def test_a_journal_entry_naming_the_register_is_never_restored(cli, folder):
    """Even a tampered journal entry that names the register cannot make undo write it."""
    assert (
        cli("--data", str(folder.path), "goals", "update", "2.4", "--progress", "5", "--date", "2024-06-01").exit_code
        == 0
    )
    assert notice(cli, folder, "2.4", *JUNE_3).exit_code == 0
    issued = folder.notices_file.read_bytes()
    entry_file = sorted(folder.history_dir.glob("*/entry.json"))[-1]  # the progress record just made
    entry = json.loads(entry_file.read_text(encoding="utf-8"))
    entry["files"][0] |= {"path": NOTICES_FILE, "after_sha256": hashlib.sha256(issued).hexdigest()}
    entry_file.write_text(json.dumps(entry), encoding="utf-8")
    result = cli("--data", str(folder.path), "undo", "--yes")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert folder.notices_file.read_bytes() == issued


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_docx_puts_each_notice_in_a_section_of_its_own_numbered_from_one(cli, folder, tmp_path):
    out = tmp_path / "督办单.docx"
    result = notice(cli, folder, *JUNE_3, "-o", str(out))
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == f"已生成督办单 督办〔2024〕1号、督办〔2024〕2号：{out}"
    assert [e.output for e in actions.issued_notices(folder)] == [str(out)] * 2
    word = docx.Document(str(out))
    assert len(word.sections) == 2
    for section in word.sections:
        assert section._sectPr.find(qn("w:pgNumType")).get(qn("w:start")) == "1"
        assert [round(m.mm) for m in (section.top_margin, section.bottom_margin, section.left_margin)] == [37, 35, 28]
    first = word.sections[0]
    assert "PAGE" in first.footer._element.xml and "PAGE" in first.even_page_footer._element.xml
    assert word.sections[1].footer.is_linked_to_previous  # the same page numbers, restarted
    forms = word.tables
    assert len(forms) == 2
    rows = [[c.text for c in row.cells] for row in forms[0].rows]
    assert rows[0] == ["督办编号", "督办〔2024〕1号", "成文日期", "2024年6月3日"]
    assert rows[2] == ["责任领导", "张伟", "责任单位", "乡综治办"]
    labels = [r[0] for r in rows]
    assert labels == ["督办编号", "督办事项", "责任领导", "责任人", "督办等级", "推进情况", "存在问题", "督办要求",
                      "办理情况反馈", "签收人", "领导签批", "联系人"]  # fmt: skip
    reply = forms[0].rows[labels.index("办理情况反馈")].cells[1]
    assert reply.text.strip() == "" and len(reply.paragraphs) >= 3  # room to write the reply by hand
    assert forms[1].rows[0].cells[1].text == "督办〔2024〕2号"
    titles = [p for p in word.paragraphs if p.text in ("关于加快推进“加大反电信诈骗工作力度”", "任务的督办单")]
    assert {r._r.rPr.rFonts.get(qn("w:eastAsia")) for p in titles for r in p.runs} == {"方正小标宋简体"}
    cell = forms[0].rows[5].cells[1].paragraphs[0]
    assert {r._r.rPr.rFonts.get(qn("w:eastAsia")) for r in cell.runs} == {"仿宋_GB2312"}
    assert [p.text for p in word.paragraphs].count("2024年6月3日") == 2


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_docx_without_output_is_named_after_its_numbers(cli, folder, tmp_path):
    assert notice(cli, folder, *JUNE_3, "--format", "docx").exit_code == 0
    assert notice(cli, folder, "1.1", *JUNE_3, "--format", "docx", "--to", "乡文化站").exit_code == 0
    assert sorted(p.name for p in tmp_path.glob("*.docx")) == [
        "安民乡督办单（2024年第1-2号）.docx",
        "安民乡督办单（2024年第3号）.docx",
    ]


def test_markdown_separates_notices_with_a_rule(cli, folder, tmp_path):
    out = tmp_path / "督办单.md"
    assert notice(cli, folder, *JUNE_3, "-o", str(out)).exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "\n---\n" in text and text.count("# 关于加快推进") == 2


def test_unreadable_template_takes_no_number(cli, folder, tmp_path):
    (tmp_path / "红头.docx").write_bytes(b"not a zip")
    result = notice(cli, folder, *JUNE_3, "-o", str(tmp_path / "x.docx"), "--template", str(tmp_path / "红头.docx"))
    assert result.exit_code == 1 and "红头.docx：无法作为 Word 文件读取" in result.stderr
    assert not folder.notices_file.exists()


@pytest.mark.slow  # 0.2 s on the 2-core CI host: the fast pass stays under 30 s
def test_a_template_is_read_before_the_lock_and_must_be_a_regular_file(cli, folder, tmp_path, monkeypatch):
    """A folder named as the template is refused without numbering; a template is read while no lock is held."""
    (tmp_path / "模板夹.docx").mkdir()
    result = notice(cli, folder, *JUNE_3, "-o", str(tmp_path / "x.docx"), "--template", str(tmp_path / "模板夹.docx"))
    assert result.exit_code == 2 and "是文件夹" in result.stderr
    assert not folder.notices_file.exists()
    template = tmp_path / "红头.docx"
    template.write_bytes(docx_bytes())
    held: list[bool] = []
    read = store.read_named

    def watched(path, what, limit):
        held.append(bool(lock._HELD))  # this process holds no lock while it reads the template
        return read(path, what, limit)

    monkeypatch.setattr(store, "read_named", watched)
    done = notice(cli, folder, "2.2", *JUNE_3, "-o", str(tmp_path / "x.docx"), "--template", str(template))
    assert done.exit_code == 0, done.output
    assert held == [False]
    refused = notice(cli, folder, "2.4", *JUNE_3, "-o", str(template), "--template", str(template))
    assert refused.exit_code == 2 and "就是模板文件" in refused.stderr
    assert register(folder) == [("督办〔2024〕1号", "2.2")]


def docx_bytes() -> bytes:
    import io

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    return buffer.getvalue()


def test_a_delivery_that_fails_after_registering_names_the_numbers_used(folder):
    def make(notices: actions.Notices) -> actions.Delivery:
        def fail() -> None:
            raise WriteError("无法写入 督办单.docx(磁盘已满)。")

        return "/tmp/督办单.docx", fail

    request = actions.NoticeRequest(("2.2",), date(2024, 6, 3))
    now = datetime(2024, 6, 3, 9, tzinfo=UTC)
    with pytest.raises(WriteError) as caught:
        actions.issue_notices(folder, request, store.Author("李明"), now, make)
    assert "编号 督办〔2024〕1号 已登记为已使用，作废" in str(caught.value)
    assert register(folder) == [("督办〔2024〕1号", "2.2")]
    (void,) = actions.notices_as_of(folder)
    assert void.status == actions.VOID and "磁盘已满" in void.state.void_note


def test_a_broken_register_is_named_by_line_and_stops_numbering(cli, folder):
    assert notice(cli, folder, "2.2", *JUNE_3).exit_code == 0
    text = folder.notices_file.read_text(encoding="utf-8")
    folder.notices_file.write_text(text.replace("number = 1", 'number = "一"'), encoding="utf-8")
    line = next(
        n for n, row in enumerate(folder.notices_file.read_text().splitlines(), 1) if "一" in row and "number" in row
    )
    checked = cli("--data", str(folder.path), "check")
    assert checked.exit_code == 1 and f".notices.toml:{line}:" in checked.output
    refused = notice(cli, folder, "2.4", *JUNE_3)
    assert refused.exit_code == 1 and ".notices.toml" in refused.stderr


def test_check_passes_with_a_register(cli, folder):
    assert notice(cli, folder, "2.2", *JUNE_3).exit_code == 0
    checked = cli("--data", str(folder.path), "check")
    assert checked.exit_code == 0, checked.output


@pytest.mark.slow
def test_concurrent_runs_never_share_a_number(folder, tmp_path):
    """Four real processes issue at once: four different numbers, all registered."""
    procs = [
        subprocess.Popen(
            [
                str(ANMIN),
                "--data",
                str(folder.path),
                "report",
                "notice",
                "--yes",
                "--to",
                "乡党政办",
                task,
                *JUNE_3,
                "-o",
                str(tmp_path / f"{n}.docx"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n, task in enumerate(("2.2", "2.4", "1.1", "1.2"))
    ]
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    numbers = sorted(e.number for e in actions.issued_notices(folder))
    assert numbers == [1, 2, 3, 4]
    printed = {docx.Document(str(tmp_path / f"{n}.docx")).tables[0].cell(0, 1).text for n in range(4)}
    assert printed == {f"督办〔2024〕{n}号" for n in range(1, 5)}


def test_the_office_sets_its_own_number_pattern(cli, folder):
    plan = folder.plan_file.read_text(encoding="utf-8")
    folder.plan_file.write_text(
        plan.replace("[report]\n", '[report]\nnotice_number = "安民督〔{year}〕{n}号"\n'), "utf-8"
    )
    result = notice(cli, folder, "2.2", *JUNE_3)
    assert result.exit_code == 0, result.output
    assert "督办编号：安民督〔2024〕1号\n" in result.stdout
    assert register(folder) == [("安民督〔2024〕1号", "2.2")]
    folder.plan_file.write_text(plan.replace("[report]\n", '[report]\nnotice_number = "督〔{year}〕"\n'), "utf-8")
    checked = cli("--data", str(folder.path), "check")
    assert checked.exit_code == 1 and "[report] notice_number 应含 {n}" in checked.output


def test_a_notice_speaks_of_each_kind_in_its_own_terms(cli, data_dir):
    """A 常态 duty is never given a 当前进度 (a county never scores a duty in percent); a 创建 task is at a stage."""
    assert cli("goals", "milestone", "1.4", "2024-04-30", "25").exit_code == 0  # 申报 by the end of April
    assert (
        cli("goals", "update", "1.4", "--stage", "申报", "--date", "2024-05-10", "--note", "已提交申报材料").exit_code
        == 0
    )
    result = cli("report", "notice", "3.5", "1.4", "--date", "2024-06-03", "--preview", "--to", "乡综治办")
    assert result.exit_code == 0, result.output
    duty, creation = result.stdout.split(PAGE_RULE)
    assert "常态工作，亮" in duty and "当前进度" not in duty and "序时进度" not in duty
    assert "创建任务，处于申报阶段" in creation and "当前进度" not in creation
