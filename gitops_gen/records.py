"""Frozen slotted dataclasses that are cheap to build: :func:`record`.

A run builds hundreds of thousands of small frozen objects (findings, violations, anchors, the
facts tree rules collect, the pod-spec walker's views), in the workers and again in the main
process when their results are unpickled.  A frozen dataclass's generated ``__init__`` stores
each field through ``object.__setattr__`` (its own ``__setattr__`` refuses), about 1 µs for ten
fields: four times what plain attribute stores cost.

:func:`record` keeps the class as it is (frozen, its equality, hash, repr, ``replace``) and
replaces only how an instance is made: ``__new__`` fills an instance of a twin class with the
same slots by plain stores, then gives it the record's class (the layouts are the same, which
is checked once, when the class is defined).  ``__reduce__`` is the constructor call, so pickle
and ``copy`` rebuild it the same way.  A record may not be subclassed, and takes no
``__post_init__``: it stores what it is given.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["arguments_getter", "arguments_of", "record"]

T = TypeVar("T")


def record(cls: type[T]) -> type[T]:
    """Make the frozen, slotted dataclass ``cls`` cheap to build (see the module's docstring)."""
    params = getattr(cls, "__dataclass_params__", None)
    if params is None or not params.frozen or "__slots__" not in cls.__dict__:
        raise TypeError(f"{cls.__name__}: record() takes a @dataclass(frozen=True, slots=True) class")
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if hasattr(cls, "__post_init__") or any(not f.init or f.kw_only for f in fields):
        raise TypeError(f"{cls.__name__}: a record stores what it is given (no __post_init__, no init=False "
                        "or keyword-only fields)")
    if "__reduce__" in cls.__dict__:
        raise TypeError(f"{cls.__name__}: a record is pickled as a call of its constructor (no __reduce__ of its own)")
    slots = tuple(cls.__dict__["__slots__"])
    twin = type(f"_{cls.__name__}Filling", (), {"__slots__": slots})
    try:  # the same layout: an instance of the twin may become a record
        probe: Any = object.__new__(twin)
        probe.__class__ = cls
    except TypeError:  # pragma: no cover - a layout CPython would not swap: built as dataclasses do
        return cls
    scope: dict[str, Any] = {"_twin": twin, "_new": object.__new__, "_missing": dataclasses.MISSING}
    params_text: list[str] = []
    body: list[str] = []
    for f in fields:
        if f.default is not dataclasses.MISSING:
            scope[f"_default_{f.name}"] = f.default
            params_text.append(f"{f.name}=_default_{f.name}")
        elif f.default_factory is not dataclasses.MISSING:
            scope[f"_factory_{f.name}"] = f.default_factory
            params_text.append(f"{f.name}=_missing")
            body.append(f"    if {f.name} is _missing:\n        {f.name} = _factory_{f.name}()\n")
        else:
            params_text.append(f.name)
    names = [f.name for f in fields]
    source = (f"def __new__(cls, {', '.join(params_text)}):\n" + "".join(body)
              + "    self = _new(_twin)\n" + "".join(f"    self.{n} = {n}\n" for n in names)
              + "    self.__class__ = cls\n    return self\n")
    exec(source, scope)  # generated from the field names, as dataclasses does
    new = scope["__new__"]
    new.__qualname__ = f"{cls.__qualname__}.__new__"
    target: Any = cls  # (its methods are replaced)
    target.__new__ = new
    del target.__init__  # object.__init__: the instance is complete when __new__ returns it
    arguments = arguments_getter(names)
    target.__record_arguments__ = arguments

    def __reduce__(self: Any) -> tuple[Any, ...]:
        return cls, arguments(self)

    __reduce__.__qualname__ = f"{cls.__qualname__}.__reduce__"
    target.__reduce__ = __reduce__

    def __init_subclass__(sub: type, /, **kwargs: Any) -> None:
        raise TypeError(f"{cls.__name__} is a record: it cannot be subclassed")

    target.__init_subclass__ = classmethod(__init_subclass__)
    return cls


def arguments_getter(names: Sequence[str]) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving the attributes ``names`` of an object as a tuple: a record's constructor
    arguments, a dataclass's for the result cache (an attrgetter, in C, for two names or more)."""
    if len(names) >= 2:
        return operator.attrgetter(*names)
    if len(names) == 1:
        single = operator.attrgetter(names[0])
        return lambda obj: (single(obj),)
    return lambda obj: ()


def arguments_of(cls: type) -> Callable[[Any], tuple[Any, ...]] | None:
    """How to get the constructor's arguments of a record's instance (None: ``cls`` is no record)."""
    return cls.__dict__.get("__record_arguments__")

