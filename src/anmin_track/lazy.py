"""Packages whose names are imported on first use (PEP 562): ``store`` and ``actions`` name every
function the layers above call, and a command loads only the modules of those it runs.

Start-up is most of a command's cost (issue 30): before, ``goals list`` loaded every use case
and every write path too (15 modules it never ran).
"""

from __future__ import annotations

import sys
from typing import Any


def lazy_attribute(space: dict, package: str, homes: dict[str, str], name: str) -> Any:
    """The value of ``name`` in ``package`` (whose namespace is ``space``): imported from its module in
    ``homes``, or the submodule of that name; kept in ``space`` so that the next use costs nothing.

    Imported with ``__import__``, the import statement's own path, which ``python -X importtime`` reports."""
    home = homes.get(name)
    if home is None and name.startswith("__"):  # what tools probe for (``__wrapped__``, ``__path__`` …): not ours
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    if home is None:
        try:
            __import__(f"{package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{name}":
                raise
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None
        return sys.modules[f"{package}.{name}"]
    __import__(f"{package}.{home}")
    space[name] = value = getattr(sys.modules[f"{package}.{home}"], name)
    return value
