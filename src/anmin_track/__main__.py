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
    closed pipe) is not an error; any other failure to flush exits 120, as Python does."""
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except BrokenPipeError:
            pass
        except (OSError, ValueError):
            code = code or 120
    os._exit(code or 0)


if __name__ == "__main__":
    main()
