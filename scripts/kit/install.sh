#!/bin/sh
# Offline installer of anmin-track for Linux: find Python >= 3.11, then hand over to wheels/install.py.
# ANMIN_PYTHON names the interpreter to use instead of searching PATH.
KIT=$(cd "$(dirname "$0")" && pwd)
PY=""
OLD=""
check() {
    if "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1; then
        PY=$1
    elif [ -z "$OLD" ]; then
        OLD=$("$1" -c 'import sys; print(sys.version.split()[0])' 2>/dev/null)
    fi
}
if [ -n "${ANMIN_PYTHON:-}" ]; then
    check "$ANMIN_PYTHON"
else
    for candidate in python3.15 python3.14 python3.13 python3.12 python3.11 python3 python; do
        if command -v "$candidate" >/dev/null 2>&1; then
            check "$candidate"
            [ -n "$PY" ] && break
        fi
    done
fi
if [ -z "$PY" ]; then
    if [ -n "$OLD" ]; then
        echo "安装未完成：本机的 Python 是 $OLD，版本过低：本程序需要 Python 3.11 或更新版本，请由信息化人员安装后再运行 sh install.sh。" >&2
    else
        echo "安装未完成：未找到 Python：本程序需要 Python 3.11 或更新版本，请由信息化人员从系统安装光盘或本单位的软件源安装后再运行 sh install.sh。" >&2
    fi
    exit 1
fi
exec "$PY" "$KIT/wheels/install.py" "$@"
