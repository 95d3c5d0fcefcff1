"""The toy Typer+Rich app that chose the Typer version (see pyproject.toml, README 性能).

Run as ``python toy_app.py`` with any Python that has typer and rich installed;
``benchmarks/run.py --toy PYTHON...`` times it next to that Python's own floor.
"""

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(add_completion=False)


@app.command()
def show() -> None:
    table = Table("编号", "重点工作", "进度")
    for i in range(1, 5):
        table.add_row(str(i), f"重点工作{i}", f"{i * 10}%")
    Console().print(table)


if __name__ == "__main__":
    app()
