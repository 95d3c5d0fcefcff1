"""Where the data lives: the folder layout, finding it, and naming its files in messages.

Layout of a data folder::

    goals.toml              the current plan: goals, key tasks, settings
    plans/YYYY.toml         the plans of earlier years (``store.years``), once a newer one began
    progress/YYYY-MM.toml   progress records, one file per month of the record's date; a record
                            belongs to the plan of its date's year, else the newest earlier one
    progress/index.toml     derived: each task's latest record + the stamps of the files
                            it was built from (rebuilt whenever they disagree); one per plan:
                            progress/index-YYYY.toml for an earlier year's
    .anmin.lock             the lock every writer holds while it writes
    .history/NNNNNNNN/      the journal: one entry per write (before-images of the files
                            it replaced); ``anmin undo`` / ``log``
    .notices.toml           the register of issued 督办单 numbers: outside the journal, so
                            ``anmin undo`` never gives a number back (``store.notices``)
    .notices-state.toml     each 督办单's state (sent, signed for, answered, closed): journaled,
                            so sign, reply and close are undoable (``store.notice_state``)
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path

from anmin_track.errors import DataError, InputError, ReadOnlyError, Step
from anmin_track.text import lazy_regex
from anmin_track.tuples import NamedTuple

DATA_ENV = "ANMIN_DATA"
PLAN_FILE = "goals.toml"
PLANS_DIR = "plans"
PROGRESS_DIR = "progress"
#: Derived copies kept for speed (``month_cache``, ``parsed_cache``): progress/.cache, never synced or backed up.
CACHE_DIR = ".cache"
INDEX_FILE = "index.toml"
#: The derived files of the progress folder: the current plan's index, and each earlier year's.
INDEX_NAME = re.compile(r"^index(-\d{4})?\.toml$")
LOCK_FILE = ".anmin.lock"
HISTORY_DIR = ".history"
NOTICES_FILE = ".notices.toml"
NOTICE_STATE_FILE = ".notices-state.toml"
#: The data folder of one's own that a clerk is told to create (``anmin init 台账数据``).
OWN_DATA = "台账数据"
MONTH_FILE = re.compile(r"^(\d{4})-(\d{2})\.toml$")
#: The data files, as paths relative to the folder: what a journal entry may name and undo may write.
DATA_FILE = lazy_regex(
    rf"^(?:{re.escape(PLAN_FILE)}|{re.escape(NOTICE_STATE_FILE)}|{PLANS_DIR}/\d{{4}}\.toml|{PROGRESS_DIR}/(?:\d{{4}}-\d{{2}}|index(?:-\d{{4}})?)\.toml)$"
)


#: The years a view owns when it owns every year: before the first plan and after the last.
FIRST_YEAR, LAST_YEAR = 1, 9999


class DataDir(NamedTuple):
    """A data folder, seen through one of its plans (``store.years``): the current one (goals.toml) by default.

    ``archived``: the year of an earlier plan (plans/YYYY.toml) this view reads instead.
    ``owns``: the years (first, last, both included) whose records belong to this view's
    plan; None: every year (a folder with one plan).
    ``readonly``: another office's folder, only read (``anmin county``): no lock is taken and no
    index or cache is saved in it; a write is refused (``require_writable``).
    """

    path: Path
    bundled: bool = False
    archived: int | None = None
    owns: tuple[int, int] | None = None
    readonly: bool = False

    @property
    def plan_file(self) -> Path:
        return self.path / PLAN_FILE if self.archived is None else self.plans_dir / f"{self.archived:04d}.toml"

    @property
    def plans_dir(self) -> Path:
        return self.path / PLANS_DIR

    @property
    def progress_dir(self) -> Path:
        return self.path / PROGRESS_DIR

    @property
    def index_file(self) -> Path:
        name = INDEX_FILE if self.archived is None else f"index-{self.archived:04d}.toml"
        return self.progress_dir / name

    def owns_year(self, year: int) -> bool:
        return self.owns is None or self.owns[0] <= year <= self.owns[1]

    @property
    def whole(self) -> DataDir:
        """The folder itself, every month file of it (what the lock, the journal and stray files are about)."""
        return self._replace(archived=None, owns=None)

    @property
    def keeps_derived(self) -> bool:
        """Whether a reader may save derived files here (an index, a month's cache): not in the bundled
        plan, not in a folder opened read-only."""
        return not (self.bundled or self.readonly)

    @property
    def history_dir(self) -> Path:
        return self.path / HISTORY_DIR

    @property
    def notices_file(self) -> Path:
        return self.path / NOTICES_FILE

    @property
    def notice_state_file(self) -> Path:
        return self.path / NOTICE_STATE_FILE

    def month_file(self, year: int, month: int) -> Path:
        return self.progress_dir / f"{year:04d}-{month:02d}.toml"

    def label(self, path: Path) -> str:
        """How a file is named in messages: relative to the data folder's parent when possible."""
        if self.bundled:
            return f"（自带计划）{path.name}"
        try:
            return str(path.relative_to(self.path.parent))
        except ValueError:
            return str(path)


def is_data_file(rel: str) -> bool:
    """Whether ``rel`` (POSIX, relative to the data folder) names one of its data files."""
    return DATA_FILE().fullmatch(rel) is not None


#: What the program keeps at the top of a data folder: its files, and folders it owns whole
#: (a file of one's own inside ``progress/`` would be taken for a mis-named month file).
PROGRAM_PATHS = frozenset(
    name.casefold()
    for name in (PLAN_FILE, PLANS_DIR, PROGRESS_DIR, HISTORY_DIR, NOTICES_FILE, NOTICE_STATE_FILE, LOCK_FILE)
)


def is_program_path(rel: Path) -> bool:
    """Whether ``rel`` (relative to the data folder) is the folder itself, one of the program's own
    files or inside one of its folders: where no report or export may be written. The rest of the
    folder (``月报/2024年5月.docx``) is the staff's. Compared without case, as Windows does."""
    parts = rel.parts
    if not parts:
        return True
    top = parts[0].casefold()
    return top in PROGRAM_PATHS or top.startswith(LOCK_FILE.casefold()) or is_data_file(rel.as_posix())


def bundled_plan_file() -> Path:
    """The 2024 plan shipped with the package (falls back to the source tree when editable)."""
    package = Path(__file__).resolve().parents[1]
    packaged = package / "plan" / PLAN_FILE
    if packaged.is_file():
        return packaged
    return package.parents[1] / "data" / PLAN_FILE


def find_data_dir(option: str | os.PathLike | None = None) -> DataDir:
    """``--data`` wins, then ``$ANMIN_DATA``, then the nearest folder found upward from the
    current one (see ``search_upward``), then the bundled read-only plan."""
    chosen = option or os.environ.get(DATA_ENV)
    if chosen:
        path = Path(chosen)
        with contextlib.suppress(RuntimeError):  # `~nosuchuser`: no home to expand, keep it as typed
            path = path.expanduser()
        plan_file = path / PLAN_FILE
        if not plan_file.is_file() and plan_file.exists():
            raise DataError(
                f"{plan_file} 不是普通文件，而是{kind_of(plan_file.stat().st_mode)}，无法读取计划。请把它移走或改名后重试。"
            )
        if not plan_file.is_file():
            raise InputError(
                f"数据目录 {path} 中没有计划文件 {PLAN_FILE}。请检查所指定的数据目录（或环境变量 {DATA_ENV}），"
                "或在此新建数据目录。",
                steps=(Step("init", (str(path),)),),
            )
        return DataDir(path)
    try:
        found = search_upward(Path.cwd())
    except OSError:  # the current folder was deleted, or one above it may not be looked into
        found = None
    if found is not None:
        return DataDir(found)
    return DataDir(bundled_plan_file().parent, bundled=True)


def search_upward(start: Path) -> Path | None:
    """Like git finding its repository: from ``start`` upward, the first folder that holds
    goals.toml (it is the data folder) or data/goals.toml (then data/ is).

    ``./data`` is named as such, so messages keep saying ``data/goals.toml``.
    """
    for folder in (start, *start.parents):
        if (folder / PLAN_FILE).is_file():
            return folder
        if (folder / "data" / PLAN_FILE).is_file():
            return Path("data") if folder == start else folder / "data"
    return None


def data_dir_below(start: Path | None = None) -> str | None:
    """A data folder directly inside ``start`` (the current folder), by name: the clerk is in the
    folder above the one ``init`` made. ``台账数据`` first, else the first by name; None if none."""
    start = Path.cwd() if start is None else start
    with contextlib.suppress(OSError):
        if (start / OWN_DATA / PLAN_FILE).is_file():
            return OWN_DATA
        # not ./data: ``search_upward`` finds that one itself
        names = sorted(
            e.name for _, e in zip(range(500), os.scandir(start), strict=False) if e.is_dir() and e.name != "data"
        )
        return next((name for name in names if (start / name / PLAN_FILE).is_file()), None)
    return None


def go_into(name: str) -> str:
    """The words that send the clerk into an existing data folder (instead of making another)."""
    return f"请进入该目录（cd {name}）后再运行，或指定数据目录 {name}"


def require_writable(data: DataDir, refused: str = "修改数据") -> None:
    """Refuse ``refused`` (what the user asked for, as a verb: 认领, 销号…) on the bundled plan, or
    any write on a folder opened read-only."""
    if data.readonly:
        raise ReadOnlyError(f"数据目录 {data.path} 只读打开（县级汇总），不能{refused}。")
    if data.bundled and (below := data_dir_below()) is not None:
        raise ReadOnlyError(
            f"当前读取的是程序自带的2024年计划（只读），不能{refused}。当前文件夹下的 {below} 是已有的数据目录，"
            f"{go_into(below)}。",
            options=("data",),
        )
    if data.bundled:
        raise ReadOnlyError(
            f"当前读取的是程序自带的2024年计划（只读），不能{refused}。请先创建自己的数据目录（之后在其中记录和修改）。",
            steps=(Step("init", (OWN_DATA,)),),
        )


def kind_of(mode: int) -> str:
    """What a non-regular path is, in words for messages."""
    if stat.S_ISDIR(mode):
        return "文件夹"
    if stat.S_ISLNK(mode):
        return "符号链接"
    if stat.S_ISFIFO(mode):
        return "管道"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备"
    if stat.S_ISSOCK(mode):
        return "套接字"
    return "特殊文件"


class NotRegularFile(OSError):
    """A path that should be a regular file is a folder, FIFO, device…: never read or written."""

    def __init__(self, path: Path, mode: int):
        super().__init__(errno.EINVAL, f"不是普通文件，而是{kind_of(mode)}", str(path))


def content_hash(content: bytes) -> str:
    """A digest of a file's content, to tell a copy from an edit (written with the index, compared on a mismatch)."""
    from _blake2 import blake2b  # not hashlib: it loads OpenSSL, 2–3 ms on every command's start

    return blake2b(content, digest_size=16).hexdigest()


def read_regular(path: Path, limit: int = -1) -> bytes:
    """The content of a regular file (its first ``limit`` bytes when given); a FIFO or device is
    refused at once, never read (a read could block)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise NotRegularFile(path, mode)
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read(limit)
    finally:
        os.close(fd)


MB = 1024 * 1024


def read_named(path: Path, what: str, limit: int) -> bytes:
    """A file the user named (a ledger, a template, a plan document): a regular file of at most
    ``limit`` bytes, read before any lock is taken. A missing file is called missing; a FIFO,
    device or folder is refused without being read (a read could block)."""
    try:
        content = read_regular(path, limit + 1)
    except FileNotFoundError:
        raise InputError(f"{what} {path} 不存在，请检查文件名和所在的文件夹。") from None
    except IsADirectoryError:
        raise InputError(f"{what} {path} 是文件夹，不是文件，未读取。") from None
    except NotRegularFile as exc:
        raise InputError(f"{what} {path} {exc.strerror}，未读取。") from None
    except OSError as exc:
        from anmin_track.errors import system_reason

        raise InputError(f"无法读取{what} {path}（{system_reason(exc)}）。") from None
    if len(content) > limit:
        raise InputError(f"{what} {path} 大于 {limit // MB} MB，不像是{what}，未读取。")
    return content
