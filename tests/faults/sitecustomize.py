"""Fault injection for tests/test_faults.py: loaded by every Python started with this folder
on PYTHONPATH (the installed `anmin` included), inert unless ANMIN_FAULT is set.

ANMIN_FAULT=OP:N:ERRNO makes the Nth call of OP (open, write, fsync, rename, unlink, mkdir)
on a path under ANMIN_FAULT_ROOT fail with ERRNO, as the kernel would; N=0 only counts the
calls, appending one line per call to the file ANMIN_FAULT_COUNT. The standard library's `os`
functions are wrapped, not our code: what fails is the system call our code makes.
"""

import os

_spec = os.environ.get("ANMIN_FAULT")
if _spec:
    _op, _n, _code = _spec.split(":")
    _nth, _errno = int(_n), int(_code)
    _root = os.path.realpath(os.environ["ANMIN_FAULT_ROOT"])
    _count_file = os.environ.get("ANMIN_FAULT_COUNT")
    _NAMES = {
        "open": ("open",),
        "write": ("write",),
        "fsync": ("fsync",),
        "rename": ("rename", "replace"),
        "unlink": ("unlink", "rmdir"),
        "mkdir": ("mkdir",),
    }
    _seen = [0]
    _readlink = os.readlink

    def _inside(target, dir_fd=None) -> bool:
        try:
            if isinstance(target, int):
                path = _readlink(f"/proc/self/fd/{target}")
            elif dir_fd is not None:
                path = os.path.join(_readlink(f"/proc/self/fd/{dir_fd}"), os.fsdecode(target))
            else:
                path = os.path.abspath(os.fsdecode(target))
        except (OSError, TypeError, ValueError):
            return False
        return path == _root or path.startswith(_root + os.sep)

    def _wrap(real):
        def call(*args, **kwargs):
            if args and _inside(args[0], kwargs.get("dir_fd")):
                _seen[0] += 1
                if _nth == 0 and _count_file:
                    with open(_count_file, "a") as out:
                        out.write(f"{real.__name__} {args[0]}\n")
                elif _seen[0] == _nth:
                    raise OSError(_errno, os.strerror(_errno))
            return real(*args, **kwargs)

        return call

    for _name in _NAMES[_op]:
        setattr(os, _name, _wrap(getattr(os, _name)))
