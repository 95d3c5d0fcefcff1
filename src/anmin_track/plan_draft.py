"""A year's plan drafted from the office's own 工作思路要点 (``anmin plan import``), for the clerk to review.

Pure: the document comes in as bytes, the draft goes out as a ``model.Plan``. The draft
never invents: goal titles are the document's headings verbatim (numbering stripped), a
task is a sentence of a direction that commits to doing something (its ``source`` is that
sentence), a metric is a figure the document gives; leaders, units, owners and dates are
left for the office (dates: the year's first and last day).
"""

from __future__ import annotations

import re
from datetime import date

from anmin_track import model
from anmin_track.errors import DataError
from anmin_track.office import office_zip
from anmin_track.tuples import NamedTuple

#: Numbered headings, in the order a 公文 nests them: 一、 （一） 1. （1）.
LEVELS = (
    re.compile(r"^[一二三四五六七八九十百]+[、．.]\s*"),
    re.compile(r"^[（(][一二三四五六七八九十百]+[)）]\s*"),
    re.compile(r"^\d{1,2}(?:[、．]|\.(?!\d))\s*"),
    re.compile(r"^[（(]\d{1,2}[)）]\s*"),
)
#: Verbs of doing: a sentence with one commits to an action (a candidate task).
ACTION = re.compile(
    "推进|推动|建设|建成|创建|争创|开展|完成|打造|提升|提高|组织|加快|加大|加强|强化|完善|健全|优化|深化|细化|"
    "发挥|探索|实施|落实|推出|打响|宣传|挖掘|培育|培养|引导|保障|实现|确保|力争|新建|改建|改造|整治|举办|召开|"
    "谋划|申报|争取|做强|做足|做好|做实|紧抓|抓好|突出|丰富|深入|解决|变为|营造|巩固|拓展|扩大|启动|召集|落地"
)
#: What the past did, not what the year will do: background and summary sentences.
PAST = re.compile(r"过去一年|去年|上一年|以来|截至|目前已|已经|已完成|已建成|已开发|先后|顺利")
#: Sentences end at these; a long one is split at its commas into the actions it lists.
SENTENCE_END = "。！？；!?;"
LONG_SENTENCE = 90
#: A clause opening with these carries on the action before it (不断完善…, 确保…): not a task of its own.
CONTINUES = re.compile(r"^(?:不断|进一步|确保|力争|从而|以便|使|让)")
#: A figure with its unit: a candidate metric.
FIGURE = re.compile(
    r"(\d+(?:\.\d+)?)\s*(余|多)?\s*"
    r"(人次|平方米|公里|千米|万元|亿元|个|处|名|人|件|场|次|条|户|家|所|村|米|亩|元|%|％|吨|座|套|项|批|篇)"
)
#: Words before a figure that say what is done with it, not what it counts.
FIGURE_VERBS = re.compile(
    r"^(?:力争|确保|争取|实现|达到|完成|新增|新建|建成|培养|开发|打造|改造|整治|配备|发放|举办|开展|累计|共|超过|不少于|"
    r"全年|年内|再|推出|创建|建设|组织|招引|引进|吸引|带动|帮助)+"
)
#: Words between what is counted and the figure (调解纠纷不少于40件): not part of the name.
FIGURE_BOUNDS = re.compile(r"(?:不少于|不低于|超过|达到|达|约|近|共|累计|为|至)+$")
TARGET = re.compile(r"确保|力争|达到|争取|实现|以上|不少于|超过")
PLAN_WORDS = re.compile(r"思路|要点|计划|重点|目标|任务|打算")


class Draft(NamedTuple):
    plan: model.Plan
    #: Where the goals were found: the heading of the year's part, or "" (the whole document).
    part: str


# --------------------------------------------------------------------------- reading the document


def document_lines(content: bytes, name: str) -> list[str]:
    """The document's paragraphs as lines of text: a .docx (python-docx), or text in UTF-8 (with or without
    BOM) or GBK/GB18030, detected; refused naming the first line that is neither."""
    if name.lower().endswith(".docx"):
        return _docx_lines(content, name)
    text = _decoded(content, name)
    lines = [line.strip() for line in text.splitlines()]
    if name.lower().endswith(".md"):
        lines = [_plain_markdown(line) for line in lines]
    return [line for line in lines if line]


def _decoded(content: bytes, name: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    for number, line in enumerate(content.split(b"\n"), start=1):
        for encoding in ("utf-8", "gb18030"):
            try:
                line.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise DataError(
                f"{name}:{number}: 这一行既不是 UTF-8 也不是 GBK 编码的文字，无法读取。"
                "请用记事本或 WPS 打开后“另存为”UTF-8 编码的文本，或直接导入 .docx 文件。"
            )
    raise DataError(f"{name}：文件中混有 UTF-8 和 GBK 两种编码，无法读取。请另存为 UTF-8 编码后再导入。")


def _plain_markdown(line: str) -> str:
    line = re.sub(r"^#{1,6}\s*|^[-*+]\s+|^>\s*", "", line)
    return line.replace("**", "").replace("__", "").strip()


def _docx_lines(content: bytes, name: str) -> list[str]:
    import io

    import docx

    office_zip(content, name, "Word")
    try:
        document = docx.Document(io.BytesIO(content))
    except Exception as exc:  # whatever is wrong inside the user's file (malformed XML…), the file is wrong
        raise DataError(f"{name}：无法作为 Word 文件读取（{type(exc).__name__}），请确认是 .docx 格式。") from None
    lines, counters = [], [0] * len(LEVELS)
    for paragraph in document.paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        level = _word_level(paragraph)
        if level is not None and level_of(text) is None:  # numbered by Word, not in the text: write the number
            counters[level] += 1
            counters[level + 1 :] = [0] * (len(LEVELS) - level - 1)
            text = _number(level, counters[level]) + text
        lines.append(text)
    return lines


def _word_level(paragraph) -> int | None:
    """The heading level Word gives a paragraph by automatic numbering (w:numPr) or a 标题 N / Heading N style."""
    from docx.oxml.ns import qn

    ppr = paragraph._p.pPr
    numbering = ppr.find(qn("w:numPr")) if ppr is not None else None
    if numbering is not None:
        ilvl = numbering.find(qn("w:ilvl"))
        level = int(ilvl.get(qn("w:val"))) if ilvl is not None else 0
        return level if level < len(LEVELS) else None
    found = re.fullmatch(r"(?:Heading|标题)\s*(\d)", paragraph.style.name if paragraph.style is not None else "")
    return int(found.group(1)) - 1 if found and int(found.group(1)) <= len(LEVELS) else None


CN_DIGITS = "一二三四五六七八九"


def cn_numeral(n: int) -> str:
    tens, ones = divmod(n, 10)
    return (CN_DIGITS[tens - 1] if tens > 1 else "") + ("十" if tens else "") + (CN_DIGITS[ones - 1] if ones else "")


def _number(level: int, n: int) -> str:
    return (f"{cn_numeral(n)}、", f"（{cn_numeral(n)}）", f"{n}.", f"（{n}）")[level]


# --------------------------------------------------------------------------- finding the year's directions


def level_of(line: str) -> int | None:
    """The nesting level of a numbered heading (0 for 一、), or None for a line that is not one."""
    return next((n for n, pattern in enumerate(LEVELS) if pattern.match(line)), None)


def strip_number(line: str) -> str:
    level = level_of(line)
    return line if level is None else LEVELS[level].sub("", line, count=1).strip()


def year_part(lines: list[str], year: int) -> tuple[list[str], str]:
    """The lines of the part about ``year``'s work (思路、要点、计划…), and its heading; the whole
    document (less any part that sums up a past year) when it has no such part."""
    mark = f"{year}年"
    for n, line in enumerate(lines):
        level = level_of(line)
        if level is not None and mark in line and PLAN_WORDS.search(line) and "总结" not in line:
            end = next((m for m in range(n + 1, len(lines)) if level_of(lines[m]) == level), len(lines))
            return lines[n + 1 : end], strip_number(line)
    kept, skipping, skip_level = [], False, None
    for line in lines:
        level = level_of(line)
        if level is not None and (skip_level is None or level <= skip_level):
            skipping = "总结" in line and not PLAN_WORDS.search(line.replace("总结", ""))
            skip_level = level if skipping else None
        if not skipping:
            kept.append(line)
    return kept, ""


def goal_level(lines: list[str]) -> int | None:
    """The highest level of numbered headings that repeats: the level of the directions (goals)."""
    counts: dict[int, int] = {}
    for line in lines:
        level = level_of(line)
        if level is not None:
            counts[level] = counts.get(level, 0) + 1
    repeated = [level for level, count in counts.items() if count >= 2]
    return min(repeated) if repeated else None


def _heading(line: str) -> tuple[str, str]:
    """A heading line's title and what follows it on the same line (``（一）标题。正文……``)."""
    text = strip_number(line)
    for stop in ("。", "：", ":"):
        head, found, rest = text.partition(stop)
        if found and rest.strip():
            return head.strip(), rest.strip()
    return text.rstrip("。：:"), ""


# --------------------------------------------------------------------------- sentences, tasks, metrics


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, each with its closing mark; a long one split into the actions it lists."""
    found, start = [], 0
    for n, char in enumerate(text):
        if char in SENTENCE_END:
            found.append(text[start : n + 1].strip())
            start = n + 1
    if text[start:].strip():
        found.append(text[start:].strip())
    return [part for sentence in found if sentence for part in _actions_of(sentence)]


def _actions_of(sentence: str) -> list[str]:
    """``……,并组织……`` is two actions; a long sentence is split at its commas into clauses that each
    start an action (a clause without one, or that carries on the one before, stays with it)."""
    parts = re.split(r"[，,](?=并)", sentence)
    parts = [p.removeprefix("并") if n else p for n, p in enumerate(parts)]
    out = []
    for part in parts:
        if len(part) <= LONG_SENTENCE:
            out.append(part)
            continue
        clauses: list[str] = []
        for clause in re.split(r"(?<=[，,])", part):
            body = clause.rstrip("，,")
            if clauses and (not ACTION.search(body) or CONTINUES.match(body)):
                clauses[-1] += clause
            else:
                clauses.append(clause)
        out += [c.rstrip("，,") for c in clauses]
    return out


def is_commitment(sentence: str, year: int) -> bool:
    """A sentence that commits to doing something in ``year``: an action verb, and nothing of the past."""
    years = [int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)年", sentence)]
    return bool(ACTION.search(sentence)) and not PAST.search(sentence) and all(y >= year for y in years)


def task_title(source: str) -> str:
    return source.strip().rstrip("。；;，,！!？?").strip()


def metrics_of(sentence: str) -> tuple[model.Metric, ...]:
    """Each figure with a unit in ``sentence``: named by the words before it, with the sentence as its
    baseline's wording, or as the year's target when the sentence sets one (确保、力争、达到……以上)."""
    found: dict[str, model.Metric] = {}
    target = bool(TARGET.search(sentence))
    for match in FIGURE.finditer(sentence):
        before = re.split(r"[，,。；;、：:（）()“”\s]", sentence[: match.start()])[-1]
        name = FIGURE_BOUNDS.sub("", FIGURE_VERBS.sub("", before))[-12:]
        if len(name) < 2 or name in found:
            continue
        value = float(match.group(1))
        unit = match.group(3).replace("％", "%")
        text = task_title(sentence)
        found[name] = (
            model.Metric(name, unit, target=value, baseline_text=text)
            if target
            else model.Metric(name, unit, baseline=value, baseline_text=text)
        )
    return tuple(found.values())


def _tasks(gid: str, body: list[str], year: int) -> tuple[model.Task, ...]:
    tasks: list[model.Task] = []
    for line in body:
        for sentence in sentences(strip_number(line)):
            if not is_commitment(sentence, year):
                continue
            tasks.append(
                model.Task(
                    id=f"{gid}.{len(tasks) + 1}",
                    goal_id=gid,
                    title=task_title(sentence),
                    source=sentence,
                    start=date(year, 1, 1),
                    due=date(year, 12, 31),
                    metrics=metrics_of(sentence),
                )
            )
    return tuple(tasks)


def draft_plan(lines: list[str], year: int, template: model.Plan, source: str) -> Draft:
    """The plan of ``year`` drafted from the document's ``lines``: its directions as goals, their
    commitments as tasks; the office, settings and 公文 frame come from ``template`` (the current plan)."""
    part, heading = year_part(lines, year)
    level = goal_level(part)
    if level is None:
        raise DataError(
            f"{source}：没有找到{year}年的分项工作思路（如“（一）……”“（二）……”编号的各项重点工作），无法起草计划。"
        )
    goals: list[model.Goal] = []
    current: tuple[str, list[str]] | None = None
    blocks: list[tuple[str, list[str]]] = []
    for line in part:
        if level_of(line) == level:
            title, rest = _heading(line)
            current = (title, [rest] if rest else [])
            blocks.append(current)
        elif current is not None:
            current[1].append(line)
    for n, (title, body) in enumerate(blocks, start=1):
        gid = str(n)
        lead = "".join(line for line in body if level_of(line) is None)
        goals.append(model.Goal(gid, title, _tasks(gid, body, year), lead))
    title = heading or f"{year}年工作思路要点"
    plan = template._replace(
        year=year,
        title=title,
        source=source,
        aim="",
        document="",
        settings=template.settings._replace(holidays=()),
        goals=tuple(goals),
        previous=None,
    )
    return Draft(plan, heading)
