"""``NamedTuple`` for our record types, without the start-up cost of ``typing.NamedTuple``.

``typing.NamedTuple`` checks every field's annotation when the class is made; under
``from __future__ import annotations`` each is a string it compiles, so the ~55 record
types of a command cost it about 4 ms of start-up (0.12 ms a class against 0.04 ms for
``collections.namedtuple``, measured on this project's 2-core machine). This makes the
same class from the same ``class X(NamedTuple):`` body — fields from the annotations,
defaults, methods, properties and docstring — with ``collections.namedtuple`` and no
checks. Type checkers see ``typing.NamedTuple`` itself, so the annotations are checked
there, where they cost nothing at run time.

Only what our classes use is supported: no generics, no ``__slots__`` of their own; a
class body that puts a field without a default after one with a default is refused, as
``typing.NamedTuple`` refuses it. The fields are the class body's ``__annotations__``: a
module that makes record types has ``from __future__ import annotations`` (from Python 3.14
a body without it holds only an ``__annotate__`` function; a test checks every module).
"""

from __future__ import annotations

import collections
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import NamedTuple
else:
    #: Names a class body defines that are not the class's own attributes.
    _OWN = frozenset(("__module__", "__qualname__", "__annotations__", "__classcell__"))

    class _NamedTupleMeta(type):
        def __new__(mcls, typename: str, bases: tuple, namespace: dict):
            if not bases:  # NamedTuple itself
                return super().__new__(mcls, typename, bases, namespace)
            annotations = namespace.get("__annotations__", {})
            names = list(annotations)
            defaults = [namespace[name] for name in names if name in namespace]
            if any(name not in namespace for name in names[len(names) - len(defaults) :]):
                raise TypeError(f"{typename}: a field without a default follows one with a default")
            cls = collections.namedtuple(typename, names, defaults=defaults, module=namespace["__module__"])
            cls.__annotations__ = annotations
            cls.__qualname__ = namespace.get("__qualname__", typename)
            for key, value in namespace.items():
                if key not in _OWN and key not in annotations:
                    setattr(cls, key, value)
                    if hasattr(value, "__set_name__"):
                        value.__set_name__(cls, key)
            return cls

    class NamedTuple(metaclass=_NamedTupleMeta):
        """Base of a record type: ``class Task(NamedTuple): id: str; title: str = ""``."""


__all__ = ["NamedTuple"]
