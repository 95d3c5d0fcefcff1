"""Showing data text safely, and the small formatting rules shared by screen and report."""

from datetime import date

import pytest

from anmin_track.text import cn_date, cn_punctuation, display_width, document_text, pct, percent, visible, wrap_by_width


def test_visible_escapes_terminal_controls_but_keeps_text():
    assert visible("[red]红[/red] 😀") == "[red]红[/red] 😀"
    assert visible("a\x1b[31mb") == "a\\x1b[31mb"
    assert visible("\u202e反向\u2066") == "\\u202e反向\\u2066"
    assert visible("nul\x00 del\x7f c1\x9b") == "nul\\x00 del\\x7f c1\\x9b"
    assert visible("一\n二") == "一\n二"
    assert visible("一\n二\r", oneline=True) == "一 ⏎ 二\\x0d"


def test_percent_rounds_half_up_like_staff_do():
    assert [percent(v) for v in (32.5, 33.49, 0.5, 99.5, 41.53)] == [33, 33, 1, 100, 42]
    assert pct(41.53) == "42%"


def test_cn_date_has_no_leading_zeros():
    assert cn_date(date(2024, 5, 1)) == "2024年5月1日"


def test_width_and_wrapping_count_chinese_as_two_cells():
    assert display_width("进度45%") == 7
    lines = wrap_by_width("数据目录(含 goals.toml);也可用环境变量设置。", 20)
    assert all(display_width(line) <= 20 for line in lines)
    assert "".join(lines).replace(" ", "") == "数据目录(含goals.toml);也可用环境变量设置。"


@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("（一）深化转型升级,加速产业发展融合提档", "（一）深化转型升级，加速产业发展融合提档"),
        ("展陈方案 , 新增现场教学点1处;组织两场", "展陈方案，新增现场教学点1处；组织两场"),
        ("下步:召开推进会", "下步：召开推进会"),
        ("新增500,000元", "新增500,000元"),  # a number keeps its separator
        ("第1:中", "第1:中"),  # after a word: not ours to change
        ("see a:b, c;d", "see a:b, c;d"),
        ("路径 data/goals.toml:3", "路径 data/goals.toml:3"),
        ("资金(约30万元)到位", "资金（约30万元）到位"),
        ("完成(100%)", "完成（100%）"),
        ("call f(x) now", "call f(x) now"),
        ("“红绿金”,融合", "“红绿金”，融合"),
        ("", ""),
    ],
)
def test_cn_punctuation_turns_half_width_marks_beside_chinese_full_width(typed, printed):
    assert cn_punctuation(typed) == printed


def test_document_text_skips_its_scans_only_where_nothing_could_be_removed():
    """``document_text`` only scans text that is not ``isprintable()``: that must cover every
    character it removes (else a bidi mark or control could slip into a document)."""
    from anmin_track.text import _UNSAFE

    unsafe = _UNSAFE()
    assert not "\x1b".isprintable()
    printable = "".join(filter(str.isprintable, map(chr, range(0x110000))))
    assert unsafe.search(printable) is None
    assert document_text("进展\u202e正常") == "进展正常" and document_text("纯文本，无控制符") == "纯文本，无控制符"
