"""Shared fixtures. Every test gets its own data folder in tmp_path via ANMIN_DATA."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anmin_track import store
from anmin_track.cli import app

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "seeds" / "000_501c0fb6689f0a4e.txt"
ANMIN = Path(sys.executable).with_name("anmin")
WIDTH = "120"


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A writable copy of the 2024 plan, chosen through ANMIN_DATA; the real data/ is never touched."""
    data = tmp_path / "data"
    store.init_data_dir(data)
    monkeypatch.setenv(store.DATA_ENV, str(data))
    monkeypatch.setenv("ANMIN_USER", "测试员")
    for settings in ("XDG_CONFIG_HOME", "APPDATA"):  # `anmin whoami` keeps the name there: never the real home's
        monkeypatch.setenv(settings, str(tmp_path / "用户设置"))
    monkeypatch.setenv("COLUMNS", WIDTH)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("ANMIN_DEBUG", raising=False)
    monkeypatch.chdir(tmp_path)
    return data


@pytest.fixture
def cli():
    """Run `anmin ARGS...` in-process; returns click's Result (stdout/stderr apart)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, list(args), input=input)

    return run


@pytest.fixture
def anmin():
    """Run the installed `anmin` executable as a real process."""

    def run(*args: str, env: dict | None = None, input: str | None = None, timeout: float = 60, cwd=None):
        full_env = {**os.environ, "COLUMNS": WIDTH, **(env or {})}
        return subprocess.run(
            [str(ANMIN), *args], capture_output=True, text=True, env=full_env, input=input, timeout=timeout, cwd=cwd
        )

    return run


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with its hash, to prove a failed command changed nothing: all but the
    lock file and the parsed copies a reader keeps of the plan and the index (``store.parsed_cache``)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != store.LOCK_FILE and not p.name.endswith(".parsed")
    }


def ctrl_c_reaches() -> None:
    """``Popen(preexec_fn=ctrl_c_reaches)``: the child takes Ctrl-C (SIGINT) as a clerk's program does, however the
    tests were started (a shell that runs them in the background makes them ignore it, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def copy_plan(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(store.bundled_plan_file(), target / store.PLAN_FILE)
    return target


MAY_31 = date(2024, 5, 31)
