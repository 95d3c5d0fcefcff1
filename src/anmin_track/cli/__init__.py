"""The `anmin` command: Typer commands that parse options, call one action or view, and render.

- ``zh``       Click/Typer internals: Chinese help and errors, the one-command app cut
- ``common``   printing, shared options, options → arguments
- ``app``      the app and its groups
- ``goals``    goals list/due/show and update, amend, retract
- ``goals_plan`` goals edit, claim, add, remove, milestone, close, reopen (the plan itself)
- ``plan``     plan new (a new year's plan, 结转)
- ``report``   report monthly
- ``notice``   report notice / notice issue (督办单)
- ``notice_loop`` notice list, sign, reply, close, reopen (the 督办 loop)
- ``ledger``   export, check, init
- ``history``  log, undo
- ``user``     whoami
- ``backup``   backup
- ``county``   county report (the county's roll-up of township folders)
- ``sync``     sync, sync init, merge-driver (hidden: git runs it)

Importing a module registers its commands. A command loads only the modules of its own
first word (``COMMAND_MODULES``): importing them all cost every command about 2 ms; the
root help loads those of the root commands. Anything else (an unknown word, shell
completion) loads them all; so does ``from anmin_track.cli import app``, the whole app.
"""

import importlib
import sys

#: The modules that register the commands of each group (the groups themselves are made in ``app``),
#: and those that register each root command, by name. ``tests/test_performance.py`` checks both
#: against what the modules register.
GROUP_MODULES: dict[str, tuple[str, ...]] = {
    "goals": ("goals", "goals_plan"),
    "report": ("report", "notice"),
    "plan": ("plan",),
    "notice": ("notice", "notice_loop"),
    "county": ("county",),
    "sync": ("sync",),
}
ROOT_COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("export", "import", "check", "init"), ("ledger",)),
    **dict.fromkeys(("log", "undo"), ("history",)),
    "whoami": ("user",),
    "backup": ("backup",),
    "merge-driver": ("sync",),
}
COMMAND_MODULES = {**GROUP_MODULES, **ROOT_COMMAND_MODULES}
ALL_MODULES = tuple(sorted({name for names in COMMAND_MODULES.values() for name in names}))


def load_commands(args: list[str]):
    """The app with the commands ``args`` may run registered: those of its first word; for the root
    help only the root commands (it shows each group by its own help); else all."""
    from anmin_track.cli.zh import command_word, is_root_help

    word = command_word(args)
    if is_root_help(args):
        names = tuple(sorted({name for names in ROOT_COMMAND_MODULES.values() for name in names}))
    elif word is not None:
        names = COMMAND_MODULES.get(word, ALL_MODULES)
    else:
        names = ALL_MODULES
    for name in names:
        importlib.import_module(f"anmin_track.cli.{name}")
    from anmin_track.cli.app import app

    return app


def main() -> None:
    from anmin_track.cli.zh import app_for

    args = sys.argv[1:]
    app_for(load_commands(args), args)()


def __getattr__(name: str):
    """``from anmin_track.cli import app``: the whole app, every command registered."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    app = load_commands([])
    globals()["app"] = app  # not the module cli.app, which importing it has just set here
    return app


__all__ = ["app", "main"]
