"""Imports point one way: tuples ← errors/text/fields ← model ← assess ← carry ← parse ← store ← actions ← cli,
and output ← cli.

Inside ``store`` the modules form a ladder too (readers and raw mechanics below, the
write paths above), so no import circle can come back. The test reads the source with
``ast``: it sees imports inside functions as well (the lazy ones).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "anmin_track"

# Each layer may import the layers listed before it (and, for ``output``, only what it names).
LAYERS = ["base", "leaf", "model", "assess", "carry", "parse", "store", "actions", "cli"]
LEAVES = {"errors", "text", "fields"}
STORE_LADDER = [
    "folder", "tomlcheck", "lock", "safe_io", "parsed_cache", "git", "profile", "notices", "notice_state", "plan_file", "plan_write", "years", "month_cache", "records", "merge", "merge_plan", "index", "queries", "hand_edits", "entries", "journal",
    "writes", "undo", "check", "backup", "county", "sync",
]  # fmt: skip
OUTPUT_MAY_IMPORT = {"base", "leaf", "model", "assess", "output"}
#: Modules of other layers that ``output`` may import too: pure values it lays out.
OUTPUT_MAY_READ = {"rollup"}
#: The use cases, a ladder too: each imports only those before it (the package itself re-exports them all).
ACTIONS_LADDER = [
    "common",
    "years",
    "records",
    "plan",
    "ledger",
    "undo",
    "reading",
    "notice_loop",
    "notices",
    "county",
    "sync",
]


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join(p for p in parts if p != "__init__") or "__init__"


def _layer(name: str) -> str:
    top = name.split(".")[0]
    if top in ("tuples", "lazy"):  # the NamedTuple every layer's record types are made with; lazy packages
        return "base"
    if top in LEAVES:
        return "leaf"
    if top == "office":  # the checks of Office files users hand us: above the leaves, below what reads them
        return "model"
    if top == "rollup":  # the county's rows and ranking: pure, computed from the model as carry is
        return "carry"
    if top == "plan_draft":  # what staff wrote (a 工作思路要点), read like what they type
        return "parse"
    if top in ("model", "assess", "carry", "parse", "store", "actions", "cli", "output"):
        return top
    return "root"  # __init__, __main__


def _imports(path: Path) -> set[str]:
    """Our modules that ``path`` imports, as dotted names below anmin_track."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("anmin_track"):
            base = node.module.removeprefix("anmin_track").lstrip(".")
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                is_module = (PACKAGE / Path(*candidate.split("."))).with_suffix(".py").exists() or (
                    PACKAGE / Path(*candidate.split("."))
                ).is_dir()
                found.add(candidate if is_module else base)
        elif isinstance(node, ast.Import):
            found |= {a.name.removeprefix("anmin_track.") for a in node.names if a.name.startswith("anmin_track.")}
    return {name for name in found if name}


def _allowed(importer: str, imported: str) -> bool:
    source, target = _layer(importer), _layer(imported)
    if source == "root":
        return True
    if source == "output":
        return target in OUTPUT_MAY_IMPORT or imported in OUTPUT_MAY_READ
    if target == "output":
        return source == "cli"
    if source == "store" and target == "store":
        return _store_step(importer) > _store_step(imported)
    if source == "actions" and target == "actions":
        return _ladder_step(importer, ACTIONS_LADDER) > _ladder_step(imported, ACTIONS_LADDER)
    if source == target:
        return source == "cli"  # cli modules share cli.common and cli.app; leaves stand alone
    return LAYERS.index(target) < LAYERS.index(source)


def _store_step(name: str) -> int:
    """Position on the store ladder; the package itself (its re-exports) stands above all."""
    return _ladder_step(name, STORE_LADDER)


def _ladder_step(name: str, ladder: list[str]) -> int:
    part = name.split(".")[1] if "." in name else None
    return ladder.index(part) if part in ladder else len(ladder)


def test_every_import_points_down():
    wrong = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = _module_name(path)
        for imported in sorted(_imports(path)):
            if not _allowed(importer, imported):
                wrong.append(f"{importer} → {imported}")
    assert wrong == []


def test_the_rule_catches_wrong_arrows():
    """The checker itself: arrows that must be refused are refused."""
    assert not _allowed("model", "store") and not _allowed("model", "carry") and not _allowed("carry", "store")
    assert not _allowed("store.records", "actions")
    assert (
        not _allowed("store.folder", "store.safe_io")
        and not _allowed("store.lock", "store.safe_io")
        and not _allowed("store.safe_io", "store.index")
    )
    assert not _allowed("store.journal", "store")  # the facade, from inside: a circle
    assert not _allowed("output.report", "store")
    assert not _allowed("actions", "cli.common") and not _allowed("plan_draft", "store")
    assert not _allowed("errors", "model") and not _allowed("text", "fields") and not _allowed("model", "assess")
    assert _allowed("store.writes", "store.journal") and _allowed("cli.goals", "output.views")
    assert _allowed("actions", "store") and _allowed("store.index", "model")
    assert _allowed("actions.records", "actions.years") and not _allowed("actions.years", "actions.records")


def test_the_scan_sees_lazy_imports():
    """``from anmin_track.output import render`` inside a function counts as an import of output.render."""
    assert "output.render" in _imports(PACKAGE / "cli" / "goals.py")
    assert "actions" in _imports(PACKAGE / "cli" / "goals.py")


def _declared_names(package: str) -> dict[str, str]:
    """The names the ``if TYPE_CHECKING:`` imports of ``package/__init__.py`` give it, each with its module."""
    tree = ast.parse((PACKAGE / package / "__init__.py").read_text(encoding="utf-8"))
    block = next(n for n in tree.body if isinstance(n, ast.If) and getattr(n.test, "id", "") == "TYPE_CHECKING")
    return {
        alias.asname or alias.name: node.module.rsplit(".", 1)[1]
        for node in block.body
        if isinstance(node, ast.ImportFrom) and node.module
        for alias in node.names
    }


@pytest.mark.parametrize("package", ["store", "actions"])
def test_a_lazy_package_serves_at_run_time_what_it_declares(package):
    """mypy reads the imports; a command gets each name from ``_HOME`` on first use: the two must agree,
    and no name may be a submodule's (importing that submodule first would put the module in its place)."""
    module = importlib.import_module(f"anmin_track.{package}")
    assert _declared_names(package) == module._HOME
    assert not set(module._HOME) & {p.stem for p in (PACKAGE / package).glob("*.py")}
    retried = getattr(module, "_RETRIED", frozenset())
    assert retried <= set(module._HOME)
    for name, home in module._HOME.items():
        value, original = getattr(module, name), getattr(importlib.import_module(f"anmin_track.{package}.{home}"), name)
        if name in retried:  # a write: run again while its lock was lost
            assert value is not original and value.__wrapped__ is original
        else:
            assert value is original
