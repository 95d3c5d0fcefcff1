"""Rich output for people: tables and panels. The only module that knows about colours.

Everything shown from the data goes through ``Text`` objects made by ``plain`` so that
markup like ``[red]`` and terminal escapes in notes are shown literally.

Tables are laid out here rather than by ``rich.table``, for three reasons:

* width is measured by ``text.cell_width``, which can count East Asian *ambiguous*
  characters (“ ” — …) as two cells, as the legacy Windows console with a Chinese font
  draws them (``ANMIN_AMBIGUOUS_WIDE=1`` or ``configure(ambiguous_wide=True)``); Rich's
  own cell tables always count them as one, and a table measured that way falls apart;
* cells are wrapped by ``text.wrap_cjk`` (避头尾, numbers kept with their units, hanging
  indents), which Rich's wrapping does not know;
* at 80 columns the titles get the room first: progress bars shrink to a number and,
  if still needed, less important columns are left out, which is said under the table.

Rich still writes the result (colours, NO_COLOR, the Windows console); every line is
printed with ``soft_wrap`` so that Rich neither re-wraps nor crops it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.text import Text

from anmin_track import model
from anmin_track.text import cell_width, cn_date_iso, encodable, pct, visible, wrap_spans
from anmin_track.tuples import NamedTuple

LIGHT_STYLES = {model.DONE: "bold blue", model.GREEN: "bold green", model.YELLOW: "bold yellow", model.RED: "bold red"}
UNCLAIMED = "待认领"
BAR_WIDTH = 10
BAR_WIDTHS = (BAR_WIDTH, 5, 0)  # tried in turn when the window is narrow; 0: just the number
PIPE_WIDTH = 120
GAP = 2  # spaces between columns
TITLE_MIN = 24  # cells a goal or task title gets before any bar or column does
AMBIGUOUS_ENV = "ANMIN_AMBIGUOUS_WIDE"
OMITTED = "（窗口较窄，已省略：{}）"

_ambiguous_setting: bool | None = None


def configure(ambiguous_wide: bool | None = None) -> None:
    """Set how the terminal draws East Asian ambiguous characters (from goals.toml
    ``[settings]``): True for wide (legacy Windows console, CJK fonts), False or None
    for narrow. ``ANMIN_AMBIGUOUS_WIDE=1``/``0`` in the environment still wins: it
    describes the terminal in front of the user, the data folder may be shared."""
    global _ambiguous_setting
    _ambiguous_setting = ambiguous_wide


def ambiguous_wide() -> bool:
    """``ANMIN_AMBIGUOUS_WIDE`` (1/0, true/false, yes/no) when set, else what ``configure``
    was told, else narrow (Windows Terminal, most Linux and macOS terminals)."""
    raw = os.environ.get(AMBIGUOUS_ENV, "").strip().lower()
    if raw in ("1", "true", "yes", "on", "是"):
        return True
    if raw in ("0", "false", "no", "off", "否"):
        return False
    return bool(_ambiguous_setting)


class Chrome(NamedTuple):
    """The characters the tool draws itself, chosen for one output: fancy ones only where
    the encoding has them and, on a wide-ambiguous terminal, none that are ambiguous."""

    ambiguous_wide: bool = False
    full: str = "▰"
    empty: str = "▱"
    rule: str = "─"
    none: str = "—"
    dot: str = " · "

    @classmethod
    def for_output(cls, encoding: str | None, ambiguous_wide: bool = False) -> Chrome:
        # ▰▱ are not ambiguous but Chinese console fonts lack them; ─ — · are ambiguous.
        def pick(fancy: str, simple: str) -> str:
            return fancy if not ambiguous_wide and encodable(fancy, encoding) else simple

        return cls(
            ambiguous_wide=ambiguous_wide,
            full=pick("▰", "#"),
            empty=pick("▱", "-"),
            rule=pick("─", "-"),
            none=pick("—", "-"),
            dot=pick(" · ", "  "),
        )


def make_console(stderr: bool = False) -> Console:
    """A console that prints data as data; piped output gets room for whole rows.

    Rich assumes 80 columns when not writing to a terminal, which would fold every goal
    title over three lines in `anmin goals list > 文件.txt` or `| grep`.
    """
    console = Console(stderr=stderr, highlight=False, emoji=False, markup=False, soft_wrap=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PIPE_WIDTH
    return console


def current_chrome() -> Chrome:
    """The chrome for standard output (what ``make_console`` writes to) as set up now."""
    return Chrome.for_output(getattr(sys.stdout, "encoding", None), ambiguous_wide())


def plain(value: object, oneline: bool = True, style: str = "") -> Text:
    return Text(visible("" if value is None else str(value), oneline=oneline), style=style)


def light_text(light: str, stale: bool = False, closed: bool = False) -> Text:
    text = Text(model.CLOSED_LABEL if closed else model.LIGHT_LABELS[light], style=LIGHT_STYLES[light])
    if stale:
        text.append(" " + model.STALE_LABEL, style="magenta")
    return text


class Bar(NamedTuple):
    """A progress cell: drawn as a bar of ``width`` characters and the number, or (width
    0) the number alone; the layout picks the width."""

    progress: float

    def text(self, chrome: Chrome, width: int = BAR_WIDTH) -> Text:
        number = f"{pct(self.progress):>4}"
        if width <= 0:
            return Text(number)
        filled = round(width * max(0.0, min(self.progress, 100.0)) / 100)
        text = Text(chrome.full * filled, style="green")
        text.append(chrome.empty * (width - filled), style="dim")
        text.append(" " + number)
        return text


#: What stands in a progress cell of a 常态 task (or a goal of such tasks only): it has no percentage.
DUTY_CELL = "常态工作"


def progress_cell(item: dict) -> Bar | Text:
    """A task's or goal's progress bar; for a 常态 task (``progress`` None) the words saying it has none."""
    if item["progress"] is None:
        return Text(DUTY_CELL, style="dim")
    return Bar(item["progress"])


def expected_cell(item: dict) -> Text:
    return Text(current_chrome().none, style="dim") if item["expected"] is None else Text(pct(item["expected"]))


def bar(progress: float, chrome: Chrome | None = None, width: int = BAR_WIDTH) -> Text:
    """A progress bar of width-1 characters in every terminal (▰▱ are not East Asian ambiguous)."""
    return Bar(progress).text(chrome or Chrome(), width)


# --------------------------------------------------------------------------- layout


class Column(NamedTuple):
    header: str
    wrap: bool = False  # wrapped by wrap_cjk to the width it gets; else as wide as its widest cell
    ratio: int = 1  # share of the room left for wrapped columns
    min_width: int = 0  # what a wrapped column needs before bars shrink or columns go
    justify: str = "left"
    drop: int = 0  # 1, 2, …: left out in this order when the window is too narrow; 0: never


class Grid:
    """A table drawn line by line: optional title, header and rule, rows (a row may end a
    section: a blank line follows), columns GAP spaces apart, no outer edge.

    (A plain class, like ``Screen`` a NamedTuple: a dataclass costs every command ~0.4 ms to make.)"""

    def __init__(
        self, columns: list[Column], title: Text | None = None, header: bool = True, row_lines: bool = False
    ) -> None:
        self.columns = columns
        self.title = title
        self.header = header
        self.row_lines = row_lines  # a blank line between all rows
        self.rows: list[tuple[list, bool]] = []

    def add_row(self, *cells: Text | Bar, end_section: bool = False) -> None:
        self.rows.append((list(cells), end_section))

    # -- measuring

    def _cell(self, cell: Text | Bar, screen: Screen, bar_width: int) -> Text:
        return cell.text(screen.chrome, bar_width) if isinstance(cell, Bar) else cell

    def _natural(self, i: int, screen: Screen, bar_width: int) -> int:
        texts = [Text(self.columns[i].header)] if self.header else []
        texts += [self._cell(cells[i], screen, bar_width) for cells, _ in self.rows]
        return max((screen.width_of(line) for t in texts for line in t.plain.split("\n")), default=0)

    def _fit(self, keep: list[int], screen: Screen, bar_width: int, force: bool = False) -> dict | None:
        """Column widths for the columns ``keep`` if every wrapped one gets what it needs."""
        natural = {i: self._natural(i, screen, bar_width) for i in keep}
        widths = {i: natural[i] for i in keep if not self.columns[i].wrap}
        wrapped = [i for i in keep if self.columns[i].wrap]
        room = screen.width - sum(widths.values()) - GAP * (len(keep) - 1)
        need = {i: min(self.columns[i].min_width, natural[i]) for i in wrapped}
        if room < sum(need.values()):
            if not force:
                return None
            total = sum(self.columns[i].ratio for i in wrapped) or 1
            return widths | {i: max(4, room * self.columns[i].ratio // total) for i in wrapped}
        widths |= need
        room -= sum(need.values())
        growing = [i for i in wrapped if natural[i] > widths[i]]
        while room > 0 and growing:  # share the rest by ratio, none wider than it needs
            total = sum(self.columns[i].ratio for i in growing)
            given = 0
            for i in growing:
                add = min(max(room * self.columns[i].ratio // total, 1), natural[i] - widths[i], room - given)
                widths[i] += add
                given += add
            room -= given
            growing = [i for i in growing if natural[i] > widths[i]]
            if not given:
                break
        return widths

    def layout(self, screen: Screen) -> tuple[dict, int, list[int]]:
        """(widths by column, bar width, dropped columns): full bars if the titles have room,
        then shorter bars, then only numbers, then columns left out one by one."""
        keep = list(range(len(self.columns)))
        has_bar = any(isinstance(cell, Bar) for cells, _ in self.rows for cell in cells)
        for bar_width in BAR_WIDTHS if has_bar else (BAR_WIDTH,):
            widths = self._fit(keep, screen, bar_width)
            if widths is not None:
                return widths, bar_width, []
        bar_width = 0 if has_bar else BAR_WIDTH
        dropped = []
        for i in sorted((i for i in keep if self.columns[i].drop), key=lambda i: self.columns[i].drop):
            keep.remove(i)
            dropped.append(i)
            widths = self._fit(keep, screen, bar_width)
            if widths is not None:
                return widths, bar_width, dropped
        forced = self._fit(keep, screen, bar_width, force=True)
        assert forced is not None  # forced widths always exist
        return forced, bar_width, dropped

    # -- drawing

    def lines(self, screen: Screen) -> list[Text]:
        widths, bar_width, dropped = self.layout(screen)
        keep = sorted(widths)
        total = sum(widths.values()) + GAP * (len(keep) - 1)
        out: list[Text] = []
        if self.title is not None:
            for line in screen.wrap(self.title, max(total, 1)):
                pad = max(0, (total - screen.width_of(line.plain)) // 2)
                out.append(Text(" " * pad) + line)
        if self.header:
            out += self._row([Text(c.header, style="bold") for c in self.columns], keep, widths, screen, 0)
            out.append(Text(screen.chrome.rule * total, style="dim"))
        for n, (cells, end_section) in enumerate(self.rows):
            out += self._row(cells, keep, widths, screen, bar_width)
            if n < len(self.rows) - 1 and (end_section or self.row_lines):
                out.append(Text(""))
        if dropped:
            names = "、".join(self.columns[i].header for i in sorted(dropped))
            out.append(Text(OMITTED.format(names), style="dim"))
        return out

    def _row(self, cells: list, keep: list[int], widths: dict, screen: Screen, bar_width: int) -> list[Text]:
        blocks = []
        for i in keep:
            text = self._cell(cells[i], screen, bar_width)
            blocks.append(screen.wrap(text, widths[i]) if self.columns[i].wrap else [text])
        out = []
        for n in range(max(len(b) for b in blocks)):
            line = Text()
            for k, (i, block) in enumerate(zip(keep, blocks, strict=True)):
                cell = block[n] if n < len(block) else Text("")
                pad = " " * max(0, widths[i] - screen.width_of(cell.plain))
                if k:
                    line.append(" " * GAP)
                if self.columns[i].justify == "right":
                    line.append(pad)
                    line.append_text(cell)
                else:
                    line.append_text(cell)
                    line.append(pad)
            line.rstrip()
            out.append(line)
        return out


class Screen(NamedTuple):
    """Where and how wide output goes: the console, its width, its chrome."""

    console: Console
    width: int
    chrome: Chrome

    @classmethod
    def of(cls, console: Console) -> Screen:
        return cls(console, console.width, current_chrome())

    def width_of(self, text: str) -> int:
        return cell_width(text, self.chrome.ambiguous_wide)

    def wrap(self, text: Text, width: int) -> list[Text]:
        """``text`` wrapped by wrap_cjk rules, styles kept."""
        spans, indents = wrap_spans(text.plain, width, self.chrome.ambiguous_wide)
        if len(spans) == 1 and spans[0] == (0, len(text.plain)):
            return [text]
        if not text.spans:
            source = text.plain
            return [Text(indent + source[s:e], style=text.style) for (s, e), indent in zip(spans, indents, strict=True)]
        cuts = sorted({p for span in spans for p in span})
        pieces = dict(zip(zip(cuts, cuts[1:], strict=False), text.divide(cuts)[1:], strict=False))
        out = []
        for (s, e), indent in zip(spans, indents, strict=True):
            line = Text(indent)
            for (a, b), piece in pieces.items():
                if s <= a and b <= e:
                    line.append_text(piece)
            out.append(line)
        return out

    def print(self, parts: list) -> None:
        lines: list[Text] = []
        for part in parts:
            if isinstance(part, Grid):
                lines += part.lines(self)
            elif isinstance(part, Text):
                lines += self.wrap(part, self.width)
            else:
                lines.append(Text(str(part)))
        self.console.print(Text("\n").join(lines), soft_wrap=True)


# --------------------------------------------------------------------------- goals and tasks


def counts_text(counts: dict) -> Text:
    text = Text()
    for key, label, style in (
        ("done", "完成", "blue"),
        ("closed", "销号", "blue"),
        ("green", "绿", "green"),
        ("yellow", "黄", "yellow"),
        ("red", "红", "red"),
        ("stale", "未更新", "magenta"),
    ):
        if counts[key]:
            text.append(f"{label}{counts[key]} ", style=style)
    text.rstrip()
    return text


def _task_light(task: dict) -> Text:
    return light_text(task["light"], task["stale"], task["closed"] is not None)


def _owner(task: dict) -> Text:
    return plain(task["owner"]) if task["owner"] else Text(UNCLAIMED, style="dim")


def goals_table(view: dict, with_tasks: bool) -> Grid:
    plan, chrome = view["plan"], current_chrome()
    title_header = "重点工作 / 重点任务" if with_tasks else "重点工作"
    columns = [Column("编号"), Column(title_header, wrap=True, min_width=TITLE_MIN)]
    if with_tasks:
        columns += [Column("责任人", drop=3), Column("完成时限", drop=2)]
    columns += [Column("进度"), Column("序时", justify="right", drop=4), Column("亮灯")]
    if not with_tasks:
        columns.append(Column("任务分布", drop=2))
    columns.append(Column("最近更新", drop=1))
    year = f"{plan['year']}年度（已结束）{chrome.dot}" if plan.get("finished") else ""
    grid = Grid(
        columns,
        title=plain(f"{plan['org']}{plan['title']}{chrome.dot}{year}截至{cn_date_iso(view['as_of'])}", style="italic"),
    )
    for goal in view["goals"]:
        cells: list = [plain(goal["id"], style="bold"), plain(goal["title"], style="bold")]
        if with_tasks:
            cells += [Text(""), Text("")]
        cells += [progress_cell(goal), expected_cell(goal), light_text(goal["light"])]
        if not with_tasks:
            cells.append(counts_text(goal["counts"]))
        cells.append(plain(goal["last_update"] or chrome.none))
        grid.add_row(*cells, end_section=with_tasks and not goal["tasks"])
        if with_tasks:
            for i, task in enumerate(goal["tasks"]):
                grid.add_row(
                    plain(task["id"]),
                    plain("  " + task["title"]),
                    _owner(task),
                    plain(task["due"]),
                    progress_cell(task),
                    expected_cell(task),
                    _task_light(task),
                    plain(task["last_update"] or chrome.none),
                    end_section=i == len(goal["tasks"]) - 1,
                )
    return grid


def _milestones(task: dict) -> Text:
    """Each 时间节点 as `2024年6月30日 50%`, the missed one marked."""
    text = Text()
    for i, m in enumerate(task["milestones"]):
        text.append(("、" if i else "") + f"{cn_date_iso(m['date'])} {m['percent']}%")
        if m == task["missed_milestone"]:
            text.append("（未达到）", style="bold yellow")
    return text


def _field_rows(rows: Sequence[tuple[str, object]]) -> Grid:
    grid = Grid([Column(""), Column("", wrap=True, min_width=20)], header=False)
    for label, value in rows:
        cell = value if isinstance(value, Text | Bar) else plain(value, oneline=False)
        grid.add_row(Text(label, style="bold"), cell)
    return grid


def _people(task: dict, chrome: Chrome) -> list[tuple[str, object]]:
    return [
        ("牵头领导", task["lead"] or Text(UNCLAIMED, style="dim")),
        ("责任单位", task["unit"] or Text(UNCLAIMED, style="dim")),
        ("责任人", _owner(task)),
        ("配合单位", "、".join(task["partners"]) or chrome.none),
    ]


def _carried(task: dict) -> list[tuple[str, object]]:
    carried = task.get("carried_from")
    if not carried:
        return []
    year, _, tid = carried["from"].partition(":")
    return [("结转自", f"{year}年计划 {tid}（上年末进度 {carried['progress']}%）")]


KIND_WORDS = {
    model.PROJECT: "项目（按完成进度和序时进度亮灯）",
    model.CREATION: "创建（按申报、评审、命名、授牌阶段记录，以各阶段期限亮灯）",
    model.DUTY: "常态工作（不计完成进度，按月报送情况和指标序时亮灯）",
}


def _kind_rows(task: dict) -> list[tuple[str, object]]:
    """当前进度 and 序时进度 of a project; a 创建 task's stage too; none for a 常态 task."""
    if task["progress"] is None:
        return []
    rows: list[tuple[str, object]] = [("当前进度", Bar(task["progress"])), ("序时进度", pct(task["expected"]))]
    if task["stage"] is not None:
        due_stage = model.stage_name(task["expected"])
        rows.insert(0, ("创建阶段", f"{task['stage']}（按各阶段期限，现应达到：{due_stage}）"))
    return rows


def _first_record_options(task: dict) -> str:
    if task["progress"] is None:
        return " --note 本期开展的工作"
    if task["stage"] is not None:
        return " --stage 申报 --note 进展情况"
    return " --progress 数值 --note 进展情况"


def _record_progress(task: dict, progress: int) -> str:
    return model.stage_name(progress) if task["task_kind"] == model.CREATION else f"{progress}%"


def task_detail(view: dict) -> list:
    task, chrome = view["task"], current_chrome()
    rows = [
        ("任务", plain(f"{task['id']} {task['title']}", style="bold")),
        ("所属重点工作", f"{view['goal']['id']} {view['goal']['title']}"),
        ("依据（原文）", task["source"] or chrome.none),
        *_people(task, chrome),
        *_carried(task),
        ("起止日期", f"{cn_date_iso(task['start'])} 至 {cn_date_iso(task['due'])}"),
        ("权重", f"{task['weight']:g}"),
        ("任务类型", KIND_WORDS[task["task_kind"]]),
        *_kind_rows(task),
        ("亮灯", _task_light(task)),
    ]
    if task["milestones"]:
        rows.append(("时间节点", _milestones(task)))
    if task["closed"]:
        closed = task["closed"]
        rows.append(("销号", plain(f"{cn_date_iso(closed['date'])} {closed['by']}：{closed['note']}")))
    lags = {lag["name"]: lag for lag in task["lags"]}
    for m in task["metrics"]:
        baseline = chrome.none if m["baseline"] is None else f"{m['baseline']:g}{m['unit']}"
        latest = "暂无" if m["latest"] is None else f"{m['latest']:g}{m['unit']}（{cn_date_iso(m['latest_date'])}）"
        target = "" if m["target"] is None else f"；全年目标 {m['target']:g}{m['unit']}"
        lag = lags.get(m["name"])
        if lag is not None:
            target += f"，按序时应达 {lag['expected']:g}{m['unit']}"
        rows.append((f"指标：{visible(m['name'])}", f"{m['basis']}口径，最新 {latest}{target}；上年 {baseline}"))
    for key, label in (("problem", "存在问题"), ("next", "下步计划")):
        if task[key]:
            rows.append((label, f"{task[key]['text']}（{cn_date_iso(task[key]['date'])}）"))
    parts: list = [_field_rows(rows)]
    if view["history"]:
        history = Grid(
            [
                Column("日期"),
                Column("进度"),
                Column("进展情况", wrap=True, ratio=2, min_width=12),
                Column("存在问题", wrap=True, min_width=8, drop=2),
                Column("下步计划", wrap=True, min_width=8, drop=1),
                Column("记录人", drop=3),
            ],
            title=Text(f"进展记录（截至{cn_date_iso(view['as_of'])}，最新在前）", style="italic"),
            row_lines=True,
        )
        for r in view["history"]:
            note = r["note"] + "".join(f"\n{k}：{v:g}" for k, v in r["metrics"].items())
            history.add_row(
                plain(r["date"]),
                Text("—" if r["progress"] is None else _record_progress(task, r["progress"])),
                plain(note, oneline=False),
                plain(r["problem"], oneline=False),
                plain(r["next"], oneline=False),
                plain(r["by"]),
            )
        parts.append(history)
    else:
        parts.append(
            Text(
                "暂无进展记录。记录一条：anmin goals update " + task["id"] + _first_record_options(task),
                style="dim",
            )
        )
    return parts


def goal_detail(view: dict) -> list:
    goal = view["goal"]
    rows = [
        ("重点工作", plain(f"{goal['id']} {goal['title']}", style="bold")),
        ("进度", progress_cell(goal)),
        ("序时进度", expected_cell(goal)),
        ("亮灯", light_text(goal["light"])),
        ("任务分布", counts_text(goal["counts"])),
    ]
    table = Grid(
        [
            Column("编号"),
            Column("重点任务", wrap=True, ratio=3, min_width=TITLE_MIN),
            Column("责任人", drop=2),
            Column("进度"),
            Column("亮灯"),
            Column("最新进展", wrap=True, ratio=2, min_width=16, drop=1),
        ]
    )
    for task in goal["tasks"]:
        latest = task["latest"]
        note = f"{latest['date']} {latest['note']}" if latest else "暂无记录"
        table.add_row(
            plain(task["id"]),
            plain(task["title"]),
            _owner(task),
            progress_cell(task),
            _task_light(task),
            plain(note),
        )
    return [_field_rows(rows), table]


def show(parts: list, console: Console | None = None) -> None:
    Screen.of(console or make_console()).print(parts)


def print_table(table: Grid) -> None:
    show([table])
