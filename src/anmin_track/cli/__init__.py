"""The `anmin` command: Typer commands that parse options, call one action or view, and render.

- ``zh``       Click/Typer internals: Chinese help and errors, the one-command app cut
- ``common``   printing, shared options, options → arguments
- ``app``      the app and its groups
- ``goals``    goals list/show/update and the plan commands (edit, claim, add, remove, …)
- ``plan``     plan new (a new year's plan, 结转)
- ``report``   report monthly
- ``notice``   report notice (督办单)
- ``ledger``   export, check, init
- ``history``  log, undo
- ``county``   county report (the county's roll-up of township folders)
"""

import sys

from anmin_track.cli import backup, county, goals, history, ledger, notice, plan, report, user  # noqa: F401 - importing registers the commands
from anmin_track.cli.app import app
from anmin_track.cli.zh import app_for


def main() -> None:
    app_for(app, sys.argv[1:])()


__all__ = ["app", "main"]
