"""Township folders as the county reads them (``anmin county``): read-only, and the county's own cache.

A county folder DIR holds township data folders: each direct subfolder with ``goals.toml``, or with
``data/goals.toml`` (then ``data/`` is the data folder), and perhaps ``county.toml``. A township's
folder is opened read-only (``DataDir.readonly``): no lock is taken there, no index or month cache
is saved there, nothing is written; it may be on a read-only share.

What the county derives is kept in its own cache, ``DIR/.anmin-county/<folder>/``:

- ``rows.json``: the township's row for each month asked for, with the size, modification time and
  content digest of every file the rows were read from (plans, month files, the 督办单 register).
  While the files have those sizes and times the rows hold; a file with a new time but the same
  size and digest (a fresh copy of the folder) is no change.
- ``index.toml`` / ``index-YYYY.toml``: the township's index, built here when the township's own is
  missing or stale, so that another month's row needs no reading of every month file.

Like a township's index it is derived data, saved quietly: when it cannot be written (a read-only
county folder) the roll-up reads without it and says so once.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from anmin_track import fields, rollup
from anmin_track.errors import InputError, system_reason
from anmin_track.store.folder import NOTICES_FILE, PLAN_FILE, DataDir, content_hash, read_regular
from anmin_track.store.index import Index, dump_index, file_stamps, rebuild_index, saved_index
from anmin_track.store.records import progress_files
from anmin_track.store.tomlcheck import Checker, LineIndex, Problem, parse_toml, raise_if_problems, read_text
from anmin_track.store.years import plans_folder_entries
from anmin_track.tuples import NamedTuple

COUNTY_FILE = "county.toml"
CACHE_DIR = ".anmin-county"
#: Raise when a row means something else than before: every cached row is then read anew.
CACHE_FORMAT = 1
#: The 督办单 files a township's open notices are counted from (the second: notices' states, to come).
NOTICE_FILES = (NOTICES_FILE, ".notices-state.toml")


class Township(NamedTuple):
    """A township folder of the county folder: its name there, and its data folder opened read-only."""

    folder: str
    data: DataDir

    def where(self, problem: Problem) -> str:
        """A township file named in a message, from the county folder: ``安民乡/data/goals.toml``."""
        if self.data.path.name == "data" and self.data.path.parent.name == self.folder:
            return f"{self.folder}/{problem.file}"
        return problem.file


def find_townships(root: Path) -> list[Township]:
    """Every direct subfolder of ``root`` holding a plan, by folder name (hidden folders left out)."""
    try:
        entries = sorted(os.scandir(root), key=lambda e: e.name)
    except FileNotFoundError:
        raise InputError(f"文件夹 {root} 不存在，请检查县级汇总文件夹的位置。") from None
    except OSError as exc:
        raise InputError(f"无法读取文件夹 {root}（{system_reason(exc)}）。") from None
    found = []
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        data = data_folder_in(Path(entry.path))
        if data is not None:
            found.append(Township(entry.name, DataDir(data, readonly=True)))
    return found


def data_folder_in(path: Path) -> Path | None:
    """The data folder ``path`` is or holds (``path/data``), as `anmin` finds one; None if neither."""
    if (path / PLAN_FILE).is_file():
        return path
    if (path / "data" / PLAN_FILE).is_file():
        return path / "data"
    return None


# --------------------------------------------------------------------------- county.toml


def load_settings(root: Path) -> rollup.CountySettings:
    """``county.toml`` when there is one (else the defaults); DataError naming its line when it is wrong."""
    path = root / COUNTY_FILE
    if not path.exists():
        return rollup.CountySettings()
    label = COUNTY_FILE
    text = read_text(path, label)
    check = Checker(label, LineIndex(text))
    doc = parse_toml(text, label)
    if not check.table(doc, fields.COUNTY_ROOT, "县级设置文件", None):
        raise_if_problems(check.problems)
    county_line = next((no for no, name, arr in check.lines.headers if name == "county" and not arr), None)
    county = doc.get("county", {})
    if not check.table(county, fields.COUNTY, "[county] ", county_line):
        raise_if_problems(check.problems)
    ranking = tuple(county.get("ranking", rollup.DEFAULT_RANKING))
    for rule in ranking:
        if rule not in fields.RANKINGS:
            check.add(
                check.lines.key("ranking", county_line), f"排名规则 {rule} 无效，可选：{'、'.join(fields.RANKINGS)}"
            )
    if not ranking:
        check.add(check.lines.key("ranking", county_line), f"排名规则不能为空，可选：{'、'.join(fields.RANKINGS)}")
    laggards = county.get("laggards", rollup.DEFAULT_LAGGARDS)
    if laggards < 0:
        check.add(
            check.lines.key("laggards", county_line), f"laggards（通报末位乡镇数）应为 0 或正整数，实际是 {laggards}"
        )
    order, names, excluded = _townships(doc.get("townships", []), check)
    raise_if_problems(check.problems)
    return rollup.CountySettings(
        name=county.get("name", ""),
        issuer=county.get("issuer", ""),
        doc_number=county.get("doc_number", ""),
        addressee=county.get("addressee", ""),
        ranking=ranking,
        laggards=laggards,
        order=tuple(order),
        names=names,
        excluded=frozenset(excluded),
    )


def _townships(entries: list, check: Checker) -> tuple[list[str], dict[str, str], list[str]]:
    order: list[str] = []
    names: dict[str, str] = {}
    excluded: list[str] = []
    for n, raw in enumerate(entries):
        line = check.lines.entry("townships", n)
        if not check.table(raw, fields.TOWNSHIP, f"第 {n + 1} 个乡镇", line):
            continue
        folder = raw["folder"]
        if folder in order:
            check.add(line, f"文件夹 {folder} 列了两次")
            continue
        order.append(folder)
        if raw.get("name", "").strip():
            names[folder] = raw["name"].strip()
        if raw.get("exclude", False):
            excluded.append(folder)
    return order, names, excluded


# --------------------------------------------------------------------------- what a township's rows depend on


def folder_stamps(data: DataDir) -> dict[str, list[int]]:
    """Size and modification time of every file a township's rows are read from, by path in the folder."""
    years, _ = plans_folder_entries(data)
    paths = {PLAN_FILE: data.plan_file}
    paths |= {f"plans/{year:04d}.toml": data.plans_dir / f"{year:04d}.toml" for year in years}
    paths |= {f"progress/{p.name}": p for p in progress_files(data)[0].values()}
    paths |= {name: data.path / name for name in NOTICE_FILES if (data.path / name).exists()}
    out = {}
    for rel, path in paths.items():
        with contextlib.suppress(FileNotFoundError):  # gone meanwhile: the reading says so, or it is not needed
            info = path.stat()
            out[rel] = [info.st_size, info.st_mtime_ns]
    return out


def _digest(data: DataDir, rel: str) -> str | None:
    try:
        return content_hash(read_regular(data.path / rel))
    except OSError:
        return None


def _same_files(data: DataDir, saved: object, hashes: object, now: dict[str, list[int]]) -> bool | None:
    """True: the files are as ``saved`` knew them; None: the same content under new times; False: changed."""
    if not isinstance(saved, dict) or not isinstance(hashes, dict) or saved.keys() != now.keys():
        return False
    moved = [rel for rel in now if saved[rel] != now[rel]]
    for rel in moved:
        if not isinstance(saved[rel], list) or saved[rel][:1] != now[rel][:1] or hashes.get(rel) != _digest(data, rel):
            return False
    return None if moved else True


# --------------------------------------------------------------------------- the county's cache


class CountyCache:
    """``DIR/.anmin-county/``: each township's rows and index (see the module's docstring)."""

    def __init__(self, root: Path):
        self.root = root / CACHE_DIR
        #: Why the cache could not be written (said once by the command); "" while it can.
        self.failure = ""
        self._docs: dict[str, dict] = {}

    def rows(self, township: Township, stamps: dict[str, list[int]]) -> dict[str, dict]:
        """The township's cached rows by month (2024-05), when its files are as they were read."""
        doc = self._read_json(self._folder(township) / "rows.json")
        if doc is None or doc.get("format") != CACHE_FORMAT:
            self._docs[township.folder] = {"rows": {}}
            return {}
        same = _same_files(township.data, doc.get("files"), doc.get("hashes"), stamps)
        if same is False:
            self._docs[township.folder] = {"rows": {}}
            return {}
        if same is None:  # a copy: the same content, new times; kept with the new times
            doc = {**doc, "files": stamps, "restamped": True}
        self._docs[township.folder] = doc
        rows = doc.get("rows")
        return rows if isinstance(rows, dict) else {}

    def save_row(self, township: Township, stamps: dict[str, list[int]], month: str, row: dict) -> None:
        """Keep ``row`` for ``month``, unless the township's files changed while it was read."""
        if self.failure or folder_stamps(township.data) != stamps:
            return
        doc = self._docs.get(township.folder) or {"rows": {}}
        hashes = doc.get("hashes") if doc.get("files") == stamps and isinstance(doc.get("hashes"), dict) else None
        if hashes is None:
            hashes = {rel: _digest(township.data, rel) for rel in stamps}
        rows = {**(doc.get("rows") or {}), month: row}
        new = {"format": CACHE_FORMAT, "files": stamps, "hashes": hashes, "rows": rows}
        self._docs[township.folder] = new
        self._write(self._folder(township) / "rows.json", _json(new))

    def restamp(self, township: Township) -> None:
        """Save the rows of a copied township again with its files' new times (no digest next time)."""
        doc = self._docs.get(township.folder)
        if doc and doc.pop("restamped", False) and not self.failure:
            self._write(self._folder(township) / "rows.json", _json(doc))

    def township_index(self, township: Township, view: DataDir, plan) -> Index:
        """The index of one plan of the township: its own when fresh, else the county's copy when
        fresh, else built from the month files (read-only: nothing saved in the township) and kept here."""
        stamps = file_stamps(view)
        found = saved_index(view, stamps)
        if found is not None:
            return found
        kept = self._folder(township) / view.index_file.name
        found = saved_index(view, stamps, kept)
        if found is not None:
            return found
        built = rebuild_index(view, plan, stamps)
        if not self.failure and len(stamps) > 1 and file_stamps(view) == stamps:  # not for a plan alone
            self._write(kept, dump_index(built))
        return built

    def _folder(self, township: Township) -> Path:
        return self.root / township.folder

    def _read_json(self, path: Path) -> dict | None:
        import json

        try:
            doc = json.loads(read_regular(path))
        except (OSError, ValueError):  # missing, damaged, foreign: a miss
            return None
        return doc if isinstance(doc, dict) else None

    def _write(self, path: Path, content: bytes) -> None:
        """Replace ``path`` whole (a temp file renamed), without fsync: a cache file lost or cut short
        by a power cut is only a miss (it no longer parses, or no longer matches the files)."""
        tmp = path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")
        try:
            for folder in (self.root, path.parent):
                _own_folder(folder)
            with open(tmp, "xb") as f:
                f.write(content)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            self.failure = f"{self.root}（{system_reason(exc)}）"


def _own_folder(path: Path) -> None:
    """Create ``path`` unless it is there (another reader may make it at the same moment); refuse a
    symlink or a file there (never write elsewhere)."""
    try:
        os.mkdir(path)
        return
    except FileExistsError:
        pass
    if not stat.S_ISDIR(os.lstat(path).st_mode):
        raise NotADirectoryError(20, "不是文件夹（或是符号链接）", str(path))


def _json(doc: dict) -> bytes:
    import json

    return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------- the 通报 written


def refuse_township_target(root: Path, townships: list[Township], output: Path) -> None:
    """The county's 通报 is never written into a township's folder, nor into the county's cache."""
    target = output.expanduser().resolve()
    for folder in [root / CACHE_DIR, *(root / t.folder for t in townships)]:
        home = folder.resolve()
        if target.is_relative_to(home):
            raise InputError(
                f"输出文件 {output} 在 {folder} 中：县级汇总只读取乡镇的数据目录，不在其中写入。请换一个位置（如县级汇总文件夹本身）。"
            )
