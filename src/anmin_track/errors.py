"""Errors the core raises; only the CLI prints them.

Each error carries the exit code the CLI should use and a message that is
already written for the user (Simplified Chinese, one or two lines).
"""


class AnminError(Exception):
    """Base for every error meant to reach the user as a message, not a traceback."""

    exit_code = 1


class DataError(AnminError):
    """A data file cannot be parsed or does not validate; nothing is written."""

    def __init__(self, message: str, problems: list | None = None):
        super().__init__(message)
        self.problems = problems or []


class InputError(AnminError):
    """A value the user typed is not allowed (bad date, progress out of range...)."""

    exit_code = 2


class NotFoundError(InputError):
    """An id the user typed names no goal or task."""


class WriteError(AnminError):
    """A write could not be done (read-only folder, disk full, lock held)."""


class RepeatError(AnminError):
    """The same progress record as the task's latest one, most likely sent twice: refused unless asked for again."""
