"""Where the `anmin` command (and `python -m anmin_track`) starts."""

import gc


def main() -> None:
    """Run the CLI with the cyclic garbage collector paused while modules load.

    Start-up builds tens of thousands of long-lived objects (Typer, Click, our modules)
    and no garbage; collecting would only walk them again and again. Freezing them
    afterwards also keeps later collections, and the one at exit, from walking them.
    Worth about 5-10 ms a run (see benchmarks/run.py); memory is unaffected.
    """
    gc.disable()
    from anmin_track.cli import main as run

    gc.freeze()
    gc.enable()
    run()


if __name__ == "__main__":
    main()
