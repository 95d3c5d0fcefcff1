"""The `anmin` command: Typer commands that parse options, call one action or view, and render.

- ``zh``       Click/Typer internals: Chinese help and errors, the one-command app cut
- ``common``   printing, shared options, options → arguments
- ``app``      the app and its groups
- ``goals``    goals list/show/update and the plan commands (edit, claim, add, remove, …)
- ``plan``     plan new (a new year's plan, 结转)
- ``report``   report monthly
- ``notice``   report notice / notice issue (督办单)
- ``notice_loop`` notice list, sign, reply, close, reopen (the 督办 loop)
- ``ledger``   export, check, init
- ``history``  log, undo
"""

import sys

from anmin_track.cli import backup, goals, history, ledger, notice, notice_loop, plan, report, user  # noqa: F401 - importing registers the commands
from anmin_track.cli.app import app
from anmin_track.cli.zh import app_for


def main() -> None:
    app_for(app, sys.argv[1:])()


__all__ = ["app", "main"]
