"""Where the `anmin` command (and `python -m anmin_track`) starts."""

import gc
import os
import sys


def main() -> None:
    """Run the CLI, then end the process without tearing the interpreter down.

    Start-up builds tens of thousands of long-lived objects (Typer, Click, our modules)
    and no garbage, so the cyclic collector is paused while modules load and what they
    built is frozen: later collections, and the one at exit, skip it. A command makes
    little cyclic garbage either (records are freed as soon as they are dropped), so
    the collector then runs about 30 times less often. Finally ``_exit`` skips the module
    teardown. Together worth 10 ms or more of a ~75 ms run (see benchmarks/run.py);
    peak memory is unchanged (`anmin check` on 20,000 records: 18.9 MiB either way).
    """
    gc.disable()
    for fd in (0, 1, 2):  # started with a stream closed (`anmin … <&-`): a file we open must never take its number
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:  # what it says goes nowhere; a prompt reads the end of input
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115 - lives as long as the process
    from anmin_track.text import protect_streams

    protect_streams(sys.stdout, sys.stderr)  # GBK, cp936, latin-1…: never a UnicodeEncodeError
    try:
        from anmin_track.cli import main as run
    except KeyboardInterrupt:  # Ctrl-C while starting: nothing was done yet
        _exit(130)
    gc.freeze()
    gc.set_threshold(20_000)
    gc.enable()
    code: int | str | None = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code
    _exit(code)


def _exit(code: int | str | None) -> None:
    """``sys.exit`` without the teardown: every file we wrote is already fsync'd and
    closed, so only the standard streams need flushing. A reader that went away (a
    closed pipe) is not an error; any other failure to flush exits 120, as Python does,
    except after a change was made: that command succeeded, and says so on stderr."""
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            pass
        except (OSError, ValueError) as exc:
            if not code and stream is sys.stdout and _said_written(exc):
                continue
            code = code or 120
    os._exit(code or 0)


def _said_written(exc: BaseException) -> bool:
    """After a change was made, a result that could not be printed (a full disk): say on stderr that it was made."""
    from anmin_track.store.journal import WRITTEN

    if not WRITTEN:
        return False
    from anmin_track.cli.zh import written_but_unshown

    written_but_unshown(exc)
    return True


if __name__ == "__main__":
    main()
