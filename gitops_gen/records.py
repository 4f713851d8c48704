"""Frozen slotted dataclasses that are cheap to build: :func:`record`.

A run builds hundreds of thousands of small frozen objects (findings, violations, anchors, the
facts tree rules collect, the pod-spec walker's views), in the workers and again in the main
process when their results are unpickled.  A frozen dataclass's generated ``__init__`` stores
each field through ``object.__setattr__`` (its own ``__setattr__`` refuses), about 1 µs for ten
fields: four times what plain attribute stores cost.  And every process pays to define them:
``@dataclass`` compiles six methods of each class from generated source (about 1 ms a class,
a quarter of what importing gitops-gen costs).

``@record`` makes the class a frozen, slotted dataclass itself, in place of
``@dataclass(frozen=True, slots=True)``: its fields, slots, ``fields()``, ``replace()``,
equality, hash, ``repr`` and frozenness are those of such a dataclass.  Only the constructor is
compiled: ``__new__`` fills an instance of a twin class with the same slots by plain stores, then
gives it the record's class (the layouts are the same, which is checked once, when the class is
defined).  Equality, hash, ``repr`` and the refusal to set or delete a field are shared
functions over the field names.  ``__reduce__`` is the constructor call, so pickle and ``copy``
rebuild it the same way.  A record may not be subclassed, and takes no ``__post_init__``: it
stores what it is given.
"""

from __future__ import annotations

import dataclasses
import operator
from collections.abc import Callable, Sequence
from typing import Any, TypeVar, dataclass_transform

__all__ = ["arguments_getter", "arguments_of", "record"]

T = TypeVar("T")

#: Methods a record makes: a class that writes its own is no record.
_MADE = ("__init__", "__new__", "__eq__", "__hash__", "__repr__", "__setattr__", "__delattr__", "__reduce__",
         "__getstate__", "__setstate__")


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[T]) -> type[T]:
    """Make ``cls`` a frozen, slotted dataclass that is cheap to define and to build (see the
    module's docstring)."""
    if "__dataclass_fields__" in cls.__dict__:
        raise TypeError(f"{cls.__name__}: record() makes the dataclass itself (no @dataclass beneath it)")
    own = [name for name in _MADE if name in cls.__dict__]
    if own or hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: a record stores what it is given and makes its own methods "
                        f"(no __post_init__, no {', '.join(own) or 'methods of its own'})")
    if cls.__doc__ is None:  # (else dataclasses asks inspect for a signature the record has no use for)
        cls.__doc__ = f"{cls.__name__}({', '.join(getattr(cls, '__annotations__', ()))})"
    # fields and slots only: nothing compiled (the methods follow)
    made: Any = dataclasses.dataclass(cls, init=False, repr=False, eq=False, slots=True)
    params = made.__dataclass_params__
    params.init = params.repr = params.eq = params.frozen = True  # what the record is, as dataclasses says it
    fields = dataclasses.fields(made)
    if any(not f.init or f.kw_only for f in fields):
        raise TypeError(f"{cls.__name__}: a record stores what it is given (no init=False or keyword-only fields)")
    slots = tuple(made.__dict__["__slots__"])
    twin = type(f"_{cls.__name__}Filling", (), {"__slots__": slots})
    try:  # the same layout: an instance of the twin may become a record
        probe: Any = object.__new__(twin)
        probe.__class__ = made
    except TypeError as exc:  # pragma: no cover - a layout CPython would not swap
        raise TypeError(f"{cls.__name__}: a record's layout must be its slots alone") from exc
    names = [f.name for f in fields]
    made.__new__ = _constructor(made, twin, fields)
    arguments = made.__record_arguments__ = arguments_getter(names)
    _methods(made, fields, arguments)
    return made  # type: ignore[no-any-return]


def _constructor(cls: Any, twin: type, fields: Sequence[dataclasses.Field[Any]]) -> Any:
    """``__new__``, compiled from the field names (as dataclasses compiles ``__init__``)."""
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
    source = (f"def __new__(cls, {', '.join(params_text)}):\n" + "".join(body)
              + "    self = _new(_twin)\n" + "".join(f"    self.{f.name} = {f.name}\n" for f in fields)
              + "    self.__class__ = cls\n    return self\n")
    exec(source, scope)  # generated from the field names, as dataclasses does
    new = scope["__new__"]
    new.__qualname__ = f"{cls.__qualname__}.__new__"
    return new


def _methods(cls: Any, fields: Sequence[dataclasses.Field[Any]], arguments: Callable[[Any], tuple[Any, ...]]) -> None:
    """What ``@dataclass(frozen=True, slots=True)`` would compile, as functions over the field
    names: equality and hash on the compared fields (as tuples, as dataclasses compares), the
    ``repr`` of the shown ones, no field set or deleted; ``__reduce__``, the constructor call."""
    compared = arguments_getter([f.name for f in fields if f.compare])
    hashed = arguments_getter([f.name for f in fields if (f.compare if f.hash is None else f.hash)])
    shown = [f.name for f in fields if f.repr]
    names = frozenset(f.name for f in fields)

    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    def __repr__(self: Any) -> str:
        return f"{self.__class__.__qualname__}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in shown) + ")"

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        object.__setattr__(self, name, value)  # pragma: no cover - a record has no subclass

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        object.__delattr__(self, name)  # pragma: no cover - a record has no subclass

    def __reduce__(self: Any) -> tuple[Any, ...]:
        return cls, arguments(self)

    def __init_subclass__(sub: type, /, **kwargs: Any) -> None:
        raise TypeError(f"{cls.__name__} is a record: it cannot be subclassed")

    for method in (__eq__, __hash__, __repr__, __setattr__, __delattr__, __reduce__):
        method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
        setattr(cls, method.__name__, method)
    cls.__init_subclass__ = classmethod(__init_subclass__)


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

