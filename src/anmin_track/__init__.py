"""anmin-track: 安民乡年度工作目标跟踪工具 (goal tracker for Anmin township)."""

__version__ = "0.3.0"
