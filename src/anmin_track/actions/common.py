"""What the use cases share: data text shown in one line, plan values in a summary."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from anmin_track.text import visible

if TYPE_CHECKING:
    pass


def _shown(text: str) -> str:
    return visible(text, oneline=True)


def _summary_value(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return "、".join(value) or "（空）"
    return str(value) if value not in ("", None) else "（空）"
