"""Reading what staff type: dates, months, percentages, ids, light names.

Forgiving of the usual variants (full-width digits, 年月日, 45%) and strict about
meaning: every function returns a clean value or raises InputError saying what is allowed.
Messages name the value in words (进度, 权重); ``key`` is the option the value was given
with, if any (``progress``), carried as the error's ``options`` for the caller to spell.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date

from anmin_track import fields, model
from anmin_track.errors import DataError, InputError, NotFoundError, Step
from anmin_track.text import lazy_regex
from anmin_track.tuples import NamedTuple

STATUS_WORDS = {
    "red": "red",
    "红": "red",
    "红灯": "red",
    "yellow": "yellow",
    "黄": "yellow",
    "黄灯": "yellow",
    "green": "green",
    "绿": "green",
    "绿灯": "green",
    "done": "done",
    "完成": "done",
    "已完成": "done",
    "stale": "stale",
    "未更新": "stale",
    "closed": "closed",
    "销号": "closed",
    "已销号": "closed",
}


def _given_with(key: str | None) -> tuple[str, ...]:
    """The ``options`` of an error about a value given with option ``key`` (none when typed at a prompt)."""
    return (key,) if key else ()


def normalize(text: str) -> str:
    """Full-width to half-width (NFKC) and trimmed: `１.２` → `1.2`, `４５％` → `45%`."""
    return unicodedata.normalize("NFKC", text).strip()


def _plausible_year(year: int) -> bool:
    """Years a plan can be about; also keeps date arithmetic away from year 1 and 9999."""
    return 1900 <= year <= 9000


_DATE = lazy_regex(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = lazy_regex(r"^(\d{4})(\d{2})(\d{2})$")


def parse_date(raw: str, what: str = "日期", key: str | None = None) -> date:
    """`2024-05-31`, `2024-5-31`, `2024/5/31`, `20240531`, `2024年5月31日`; ``what`` names it (成文日期)."""
    text = normalize(raw)
    m = _DATE().match(text) or _DATE_COMPACT().match(text)
    try:
        if m and _plausible_year(int(m.group(1))):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise InputError(f"{what} {text!r} 不存在，请检查月份和日期。", options=_given_with(key)) from None
    raise InputError(f"{what} {text!r} 无法识别，请写成 2024-05-31 或 2024年5月31日。", options=_given_with(key))


_MONTH = lazy_regex(r"^(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))$")


def parse_month(raw: str, key: str | None = None) -> tuple[int, int]:
    """`2024-05`, `2024-5`, `202405`, `2024年5月`."""
    text = normalize(raw)
    m = _MONTH().match(text)
    if m:
        month = int(m.group(2) or m.group(3))
        if 1 <= month <= 12 and _plausible_year(int(m.group(1))):
            return int(m.group(1)), month
    raise InputError(f"月份 {text!r} 无法识别，请写成 2024-05、202405 或 2024年5月。", options=_given_with(key))


_QUARTER = lazy_regex(r"^(\d{4})\s*[-/.年]?\s*(?:[Qq]\s*(\w)|第?\s*(\w)\s*季度?)$")
_HALF = lazy_regex(r"^(\d{4})\s*[-/.年]?\s*(?:[Hh]\s*(\w)|([上下])\s*半年)$")
_YEAR = lazy_regex(r"^(\d{4})\s*(?:年度?)?$")
_QUARTERS = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
_HALVES = {"1": 1, "2": 2, "上": 1, "下": 2}


#: Metric figures stay below this (in absolute value): exact as integers and as TOML floats.
METRIC_MAX = 10**15


def _period_year(m: re.Match | None) -> int | None:
    return int(m.group(1)) if m and _plausible_year(int(m.group(1))) else None


def parse_quarter(raw: str, option: str = "季度") -> model.Period:
    """`2024Q2`, `2024q2`, `2024-Q2`, `2024年第二季度`, `2024年2季度`."""
    text = normalize(raw)
    m = _QUARTER().match(text)
    year, n = _period_year(m), _QUARTERS.get((m.group(2) or m.group(3)) if m else "")
    if year is None or n is None:
        raise InputError(f"{option} {text!r} 无法识别，请写成 2024Q2、2024-Q2 或 2024年第二季度（第一至第四季度）。")
    return model.quarter_period(year, n)


def parse_half(raw: str, option: str = "半年") -> model.Period:
    """`2024H1`, `2024h2`, `2024-H1`, `2024年上半年`, `2024年下半年`."""
    text = normalize(raw)
    m = _HALF().match(text)
    year, n = _period_year(m), _HALVES.get((m.group(2) or m.group(3)) if m else "")
    if year is None or n is None:
        raise InputError(f"{option} {text!r} 无法识别，请写成 2024H1（上半年）、2024H2（下半年）或 2024年上半年。")
    return model.half_period(year, n)


def parse_year(raw: str, option: str = "年度") -> model.Period:
    """`2024`, `2024年`, `2024年度`."""
    text = normalize(raw)
    year = _period_year(_YEAR().match(text))
    if year is None:
        raise InputError(f"{option} {text!r} 无法识别，请写成 2024 或 2024年。")
    return model.year_period(year)


def parse_progress(raw: str, key: str | None = None) -> int:
    """A whole percentage 0–100; `45`, `45%` and `４５％` all mean 45."""
    text = normalize(raw).removesuffix("%").strip()
    if not re.fullmatch(r"\d{1,3}", text) or int(text) > 100:
        raise InputError(f"进度 {raw!r} 无效：应为 0 到 100 的整数（百分比），如 45。", options=_given_with(key))
    return int(text)


def parse_weight(raw: str, key: str | None = None) -> float:
    """A positive number; whole numbers stay whole (`2` is stored as 2, not 2.0)."""
    text = normalize(raw)
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value <= 10_000:
        raise InputError(f"权重 {raw!r} 无效：应为大于 0、不超过 10000 的数字，如 2。", options=_given_with(key))
    return int(value) if value.is_integer() else value


def parse_partners(raw: str, key: str | None = None) -> tuple[str, ...]:
    """配合单位: names separated by 、 , ; or spaces; an empty value clears the list."""
    names = re.split(r"[、,，;；\s]+", normalize(raw))
    return tuple(clean_text(n, "配合单位", key) for n in names if n)


def parse_status(raw: str, key: str | None = None) -> str:
    word = STATUS_WORDS.get(normalize(raw).lower())
    if word is None:
        raise InputError(
            f"状态 {raw!r} 无效，可选：red（红灯）、yellow（黄灯）、green（绿灯）、done（已完成）、stale（未更新）、"
            "closed（已销号），写英文或中文均可。",
            options=_given_with(key),
        )
    return word


def parse_metric(raw: str, task: model.Task) -> tuple[str, float]:
    """`名称=数值` for one of the task's metrics; a unique prefix of the name is enough."""
    name, sep, value = normalize(raw).partition("=")
    name, value = name.strip(), value.strip()
    names = [m.name for m in task.metrics]
    if not names:
        raise InputError(f"任务 {task.id} 没有设置指标，不能记录指标数值。", options=("metric",))
    allowed = "、".join(names)
    if not sep or not name:
        raise InputError(
            f"指标 {raw!r} 应写成 名称=数值（可用指标：{allowed}），如 {names[0]}=10。", options=("metric",)
        )
    matches = [m for m in task.metrics if m.name == name] or [m for m in task.metrics if m.name.startswith(name)]
    if len(matches) != 1:
        raise InputError(f"任务 {task.id} 没有指标 {name!r}（可用指标：{allowed}）。")
    metric = matches[0]
    shown = repr(value if len(value) <= 40 else value[:40] + "…")
    try:
        number = float(value.removesuffix(metric.unit).removesuffix("%"))
    except ValueError:
        raise InputError(f"指标 {metric.name} 的值 {shown} 应为数字。", options=("metric",)) from None
    if number != number:
        raise InputError(f"指标 {metric.name} 的值 {shown} 应为有限的数字。", options=("metric",))
    if abs(number) >= METRIC_MAX:  # inf too: a figure this size is a typing slip, and could not be stored exactly
        raise InputError(
            f"指标 {metric.name} 的值 {shown} 太大：指标数值的绝对值应小于 1000 万亿（10^15）。", options=("metric",)
        )
    why = metric.refusal(number)
    if why:
        raise InputError(f"{why}。", options=("metric",))
    return metric.name, int(number) if number.is_integer() and abs(number) < 2**53 else number


def parse_kind(raw: str, key: str | None = "kind") -> str:
    """任务类型: 项目, 创建 or 常态."""
    word = normalize(raw).strip()
    if word not in model.KINDS:
        raise InputError(f"任务类型 {raw!r} 不对，可选：{'、'.join(model.KINDS)}。", options=_given_with(key))
    return word


def clean_text(raw: str, what: str, key: str | None = None) -> str:
    """Free text is kept as typed, except what cannot be stored in a UTF-8 file."""
    if re.search("[\ud800-\udfff]", raw):
        raise InputError(
            f"{what}中含有无法保存的字符（孤立代理项），请检查输入法或复制来源后重新输入。", options=_given_with(key)
        )
    return raw


#: What people type between a goal's and a task's number: dots of every script (。．、｡·・•‧∙⋅٫), dashes, spaces.
_ID_DOTS = r"[.。．、｡·・•‧∙⋅٫\u2010-\u2015\-_\s]+"


def normalize_id(raw: str) -> str:
    """An id as typed, as the plan writes it: `１．２`, `١.٢`, `1。2`, `1-02` → `1.2`. Digits of any script
    become ASCII, any look-alike dot a dot, and leading zeros go (the plan's ids have none: ``plan_file``)."""
    text = "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in normalize(raw))
    parts = re.sub(_ID_DOTS, ".", text).strip(".").split(".")
    return ".".join(p.lstrip("0") or "0" if p.isascii() and p.isdigit() else p for p in parts)


def resolve_id(plan: model.Plan, raw: str) -> model.Goal | model.Task:
    """A goal or task by id (`1`, `1.2`, `１．２`, `1-2`), or by a unique part of its title."""
    key = normalize_id(raw)
    found = plan.goal(key) or plan.task(key)
    if found:
        return found
    text = normalize(raw)
    by_title: list[model.Goal | model.Task] = [t for t in plan.tasks if text and text in t.title]
    by_title = by_title or [g for g in plan.goals if text and text in g.title]
    if len(by_title) == 1:
        return by_title[0]
    if by_title:
        names = "、".join(f"{x.id} {x.title}" for x in by_title[:5])
        raise NotFoundError(f"有 {len(by_title)} 项的标题包含 {raw!r}：{names}。请改用编号。")
    choices = {t.id: t.title for t in plan.tasks} | {g.id: g.title for g in plan.goals}
    titles = {title: i for i, title in choices.items()}
    close = difflib.get_close_matches(key, list(choices), n=3, cutoff=0.5)
    close += [
        titles[t] for t in difflib.get_close_matches(text, list(titles), n=3, cutoff=0.3) if titles[t] not in close
    ]
    hint = "；您是不是要找：" + "、".join(f"{i} {choices[i]}" for i in close[:3]) if close else ""
    ids = "、".join(g.id for g in plan.goals)
    raise NotFoundError(
        f"没有编号为 {raw!r} 的目标或任务（目标编号为 {ids}，任务编号如 1.1）{hint}。可查看全部编号。",
        steps=(Step("list-tasks"),),
    )


def resolve_task(plan: model.Plan, raw: str) -> model.Task:
    found = resolve_id(plan, raw)
    if isinstance(found, model.Goal):
        ids = "、".join(t.id for t in found.tasks)
        raise InputError(f"{found.id} 是目标，进展需记录在具体任务上（可选任务：{ids}）。")
    return found


def parse_plan_values(raw: dict[str, str | None]) -> dict:
    """Typed task fields from the options given (None = not given), as `edit` and `add` take them:
    each by its field key, which is also its option's key."""
    values: dict = {}
    for name, value in raw.items():
        if value is None:
            continue
        if name in ("start", "due"):
            values[name] = parse_date(value, fields.TASK[name].label, name)
        elif name == "weight":
            values[name] = parse_weight(value, name)
        elif name == "partners":
            values[name] = parse_partners(value, name)
        elif name == "kind":
            values[name] = parse_kind(value, name)
        else:
            values[name] = clean_text(value.strip(), fields.TASK[name].label, name)
    if "title" in values and not values["title"]:
        raise InputError("标题不能为空：请写出任务或重点工作的名称。")
    return values


# --------------------------------------------------------------------------- the ledger as edited in Excel/WPS

#: The 台账 columns `anmin import` reads back: header → task field.
LEDGER_FIELDS = {"牵头领导": "lead", "责任单位": "unit", "责任人": "owner"}
LEDGER_ID = "序号"
#: Before each header of LEDGER_FIELDS: the hidden column of what the row held when exported.
LEDGER_EXPORTED = "导出时"
#: What an office writes in a cell to clear it: an empty cell is only "not filled in".
LEDGER_CLEAR = "（空）"
_HEADER_ROWS = 10  # the header is looked for in the first rows (the export puts a title row above it)
_ID_LIKE = lazy_regex(r"^\d+(\.\d+)*$")


class LedgerRow(NamedTuple):
    """One task row of an edited ledger: where it is, its 序号 as found, the columns present."""

    where: str
    #: Text as typed, or a number when the spreadsheet stored 1.10 as the number 1.1.
    id: str | float
    #: What each cell means (``ledger_value``): "" clears the field; a cell left empty is absent.
    values: dict[str, str]
    #: What the row held when exported, for the fields the ledger has it of (older ledgers: none).
    exported: dict[str, str] = {}


def ledger_value(text: str) -> str | None:
    """A 台账 cell as the office meant it: None when left empty (not filled in), "" for the
    clear marker （空）, else the text."""
    if not text:
        return None
    return "" if unicodedata.normalize("NFKC", text) == unicodedata.normalize("NFKC", LEDGER_CLEAR) else text


def _header_key(value: object) -> str:
    return re.sub(r"\s+", "", str(value)) if value is not None else ""


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.startswith("'") and text[1:].lstrip().startswith(("=", "+", "-", "@")):
        text = text[1:]  # the export's guard against formulas
    return text


def _ledger_rows(table: list[tuple[int, list, bool]], label: str) -> list[LedgerRow]:
    """Rows as (row number, cells, merged section row) → task rows, read by header names."""
    header = next(((n, cells) for n, cells, _ in table[:_HEADER_ROWS] if LEDGER_ID in map(_header_key, cells)), None)
    if header is None:
        raise DataError(
            f"{label}：前{_HEADER_ROWS}行中找不到“{LEDGER_ID}”列。请导入由本程序导出的台账，可先导出。",
            steps=(Step("export"),),
        )
    head_row, cells = header
    columns = {_header_key(c): i for i, c in reversed(list(enumerate(cells))) if _header_key(c)}
    wanted = {h: columns[h] for h in LEDGER_FIELDS if h in columns}
    exported = {h: columns[LEDGER_EXPORTED + h] for h in wanted if LEDGER_EXPORTED + h in columns}
    if not wanted:
        raise DataError(f"{label}：第{head_row}行没有“牵头领导”“责任单位”“责任人”中的任何一列，没有可导入的内容。")
    rows = []
    for n, cells, merged in table:
        if n <= head_row or merged:
            continue
        raw = cells[columns[LEDGER_ID]] if columns[LEDGER_ID] < len(cells) else None
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        task_id: str | float = raw if isinstance(raw, float) else _cell_text(raw)
        if isinstance(task_id, str):
            formula = re.fullmatch(r'="(.*)"', task_id)
            task_id = formula.group(1) if formula else task_id
        typed = {LEDGER_FIELDS[h]: _cell_text(cells[i] if i < len(cells) else None) for h, i in wanted.items()}
        held = {LEDGER_FIELDS[h]: _cell_text(cells[i] if i < len(cells) else None) for h, i in exported.items()}
        for text in [*typed.values(), *held.values()]:
            clean_text(text, f"{label} 第{n}行")
        values = {key: value for key, text in typed.items() if (value := ledger_value(text)) is not None}
        rows.append(LedgerRow(f"{label} 第{n}行", task_id, values, held))
    return rows


def read_ledger(content: bytes, name: str) -> list[LedgerRow]:
    """The task rows of a ledger exported by `anmin export` (xlsx or CSV) and edited by hand."""
    if content[:4] == b"PK\x03\x04":
        return _xlsx_rows(content, name)
    return _csv_rows(content, name)


#: A ledger file read for import (xlsx or CSV): a township's is some 50 KB.
LEDGER_MAX = 5 * 1024 * 1024


def _xlsx_rows(content: bytes, name: str) -> list[LedgerRow]:
    import io

    import openpyxl

    from anmin_track.office import office_zip  # only a ledger read back needs it

    office_zip(content, name, "Excel")
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), data_only=True)
        sheet = book["工作台账"] if "工作台账" in book.sheetnames else book.active
        merged = set()
        for area in sheet.merged_cells.ranges:
            if area.max_col > area.min_col:
                merged |= set(range(area.min_row, area.max_row + 1))
        table = [(n, list(cells), n in merged) for n, cells in enumerate(sheet.iter_rows(values_only=True), start=1)]
    except Exception as exc:  # whatever is wrong inside the user's file (malformed XML…), the file is wrong
        raise DataError(f"{name}：无法作为 Excel 文件读取（{type(exc).__name__}），请确认是 .xlsx 格式。") from None
    return _ledger_rows(table, f"{name} 工作表“{sheet.title}”")


def _csv_rows(content: bytes, name: str) -> list[LedgerRow]:
    import csv

    for encoding in ("utf-8-sig", "gb18030"):  # ours, or re-saved by Excel on a Chinese Windows
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise DataError(f"{name}：无法识别文件编码，请另存为 UTF-8 或 .xlsx 后再导入。")
    lines = list(csv.reader(text.splitlines()))
    return _ledger_rows([(n, list(cells), False) for n, cells in enumerate(lines, start=1)], name)


def ledger_task(plan: model.Plan, row: LedgerRow) -> model.Task:
    """The task a ledger row names; a number like 1.1 only when no other id reads as the same number."""
    if isinstance(row.id, float):
        same = [t for t in plan.tasks if _ID_LIKE().match(t.id) and t.id.count(".") == 1 and float(t.id) == row.id]
        if len(same) == 1:
            return same[0]
        if same:
            ids = "、".join(t.id for t in same)
            raise DataError(
                f"{row.where}：序号是数字 {row.id:g}，可能是 {ids} 中的任何一项（表格软件把 1.10 存成了 1.1）。"
                "请把“序号”列设为文本格式、改回原来的编号后再导入。"
            )
        raise DataError(f"{row.where}：序号 {row.id:g} 不是计划中的任务编号。")
    task = plan.task(normalize_id(row.id))
    if task is None:
        raise DataError(
            f"{row.where}：序号“{row.id}”不是计划中的任务编号（任务编号如 1.1）。可查看全部编号。",
            steps=(Step("list-tasks"),),
        )
    return task
