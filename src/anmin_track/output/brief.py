"""The 工作群简报 (``report brief``): 200–400 characters of plain text for a WeChat or 浙政钉 work group —
`【安民乡重点工作进展】截至5月31日：绿11 黄2 红8；新进展…；需协调…`. No 公文 parts, no Markdown."""

from __future__ import annotations

from anmin_track import model
from anmin_track.output.report_model import PeriodReport, TaskLine
from anmin_track.output.report_words import _day, clean, period_words
from anmin_track.text import pct

#: The longest a brief may be, in characters (a work-group message read on a phone).
LIMIT = 400


def brief_text(r: PeriodReport, limit: int = LIMIT) -> str:
    """One paragraph: lights, the average, the period's news task by task, the problems that need the county's
    or other offices' help, and how many did not report; lists are cut (`等9项`) to stay within ``limit``."""
    c = r.counts
    this = period_words(r.period).this
    head = (
        f"【{clean(r.org)}重点工作进展】截至{_day(r.period_end, r.plan_year)}："
        f"绿{c[model.GREEN]} 黄{c[model.YELLOW]} 红{c[model.RED]}"
        + (f"，已完成{c[model.DONE]}项" if c[model.DONE] else "")
        + f"；平均进度{pct(r.progress)}（序时{pct(r.expected)}）"
    )
    tail = f"；{this}{r.reported_count}项报送、{len(r.missing)}项未报送。"
    news = [_news(t) for t in r.tasks if t.entries]
    asks = list(dict.fromkeys(clean(t.problem) for t in r.tasks if t.problem.strip() and t.problem_date))
    budget = limit - len(head) - len(tail)
    news_part = _fit("；新进展：", news, budget * 3 // 5)
    asks_part = _fit("；需协调：", asks, budget - len(news_part))
    return head + news_part + asks_part + tail


def _news(t: TaskLine) -> str:
    """`高标准建设红色教育基地：完成……（45%）`: the task, its latest record in the period and where it stands."""
    note = clean(t.entries[-1].note)
    where = "已完成" if t.light == model.DONE else (pct(t.progress) if t.kind != model.DUTY else "")
    return clean(t.title) + (f"：{note}" if note else "") + (f"（{where}）" if where else "")


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _item(i: int, text: str) -> str:
    return (CIRCLED[i] if i < len(CIRCLED) else f"({i + 1})") + text


def _fit(lead: str, items: list[str], budget: int) -> str:
    """``lead`` and as many of ``items`` as fit in ``budget`` characters, `等N项` when some are left out."""
    if not items:
        return ""
    kept: list[str] = []
    for i, item in enumerate(items):
        more = f"等{len(items)}项" if i < len(items) - 1 else ""
        if len(lead + "".join([*kept, _item(i, item)]) + more) > budget:
            break
        kept.append(_item(i, item))
    if not kept:
        return f"{lead}{len(items)}项"
    rest = f"等{len(items)}项" if len(kept) < len(items) else ""
    return lead + "".join(kept) + rest
