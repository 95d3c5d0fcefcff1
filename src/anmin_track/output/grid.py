"""The terminal's tables, laid out here rather than by ``rich.table``, for three reasons:

* width is measured by ``text.cell_width``, which can count East Asian *ambiguous*
  characters (“ ” — …) as two cells, as the legacy Windows console with a Chinese font
  draws them (``ANMIN_AMBIGUOUS_WIDE=1`` or ``configure(ambiguous_wide=True)``); Rich's
  own cell tables always count them as one, and a table measured that way falls apart;
* cells are wrapped by ``text.wrap_cjk`` (避头尾, numbers kept with their units, hanging
  indents), which Rich's wrapping does not know;
* at 80 columns the titles get the room first: progress bars shrink to a number and,
  if still needed, less important columns are left out, which is said under the table.

Rich still writes the result (colours, NO_COLOR, the Windows console); every line is
printed with ``soft_wrap`` so that Rich neither re-wraps nor crops it. Everything shown
from the data goes through ``Text`` objects made by ``plain``, so that markup like ``[red]``
and terminal escapes in notes are shown literally.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console
from rich.text import Text

from anmin_track.text import cell_width, encodable, pct, visible, wrap_spans
from anmin_track.tuples import NamedTuple

BAR_WIDTH = 10
BAR_WIDTHS = (BAR_WIDTH, 5, 0)  # tried in turn when the window is narrow; 0: just the number
PIPE_WIDTH = 120
GAP = 2  # spaces between columns
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


def bar(progress: float, chrome: Chrome | None = None, width: int = BAR_WIDTH) -> Text:
    """A progress bar of width-1 characters in every terminal (▰▱ are not East Asian ambiguous)."""
    return Bar(progress).text(chrome or Chrome(), width)


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


def show(parts: list, console: Console | None = None) -> None:
    Screen.of(console or make_console()).print(parts)


def print_table(table: Grid) -> None:
    show([table])
