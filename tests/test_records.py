"""Records: frozen slotted dataclasses built without object.__setattr__, and nothing else changed."""

from __future__ import annotations

import copy
import dataclasses
import io
import pickle
from dataclasses import dataclass, field

import pytest

from gitops_gen.cache_pickle import FastPickler
from gitops_gen.model import Finding, ResourceRef, Severity
from gitops_gen.records import arguments_of, record


@record
class Point:
    x: int
    y: int = 0
    tags: dict[str, str] = field(default_factory=dict, compare=False, hash=False)


@record
class Single:
    only: str


def test_a_record_is_built_from_positions_keywords_and_defaults() -> None:
    assert (Point(1).x, Point(1).y, Point(1).tags) == (1, 0, {})
    assert Point(1, 2) == Point(x=1, y=2) == Point(y=2, x=1)
    assert Point(1).tags is not Point(1).tags  # a factory per instance, as dataclasses do
    assert type(Point(1)) is Point and isinstance(Point(1), Point)
    with pytest.raises(TypeError):
        Point()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, {}, 4)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, z=3)  # type: ignore[call-arg]


def test_a_record_stays_a_frozen_dataclass() -> None:
    p = Point(1, 2, {"a": "b"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    assert hash(p) == hash(Point(1, 2)) and p == Point(1, 2)  # tags: compare=False
    assert repr(p) == "Point(x=1, y=2, tags={'a': 'b'})"
    assert dataclasses.replace(p, y=5) == Point(1, 5) and dataclasses.astuple(p) == (1, 2, {"a": "b"})
    assert dataclasses.is_dataclass(p) and [f.name for f in dataclasses.fields(p)] == ["x", "y", "tags"]
    assert not hasattr(p, "__dict__")


def test_a_record_pickles_and_copies_as_its_constructor_call() -> None:
    p = Point(1, 2, {"a": "b"})
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(p, protocol=protocol))
        assert again == p and again.tags == {"a": "b"} and type(again) is Point
    assert copy.copy(p) == p and copy.deepcopy(p).tags == {"a": "b"}
    assert copy.deepcopy(p).tags is not p.tags
    assert pickle.loads(pickle.dumps(Single("s"))) == Single("s")
    assert p.__reduce__() == (Point, (1, 2, {"a": "b"}))
    getter = arguments_of(Single)
    assert getter is not None and getter(Single("s")) == ("s",)
    assert arguments_of(dict) is None


def test_the_fast_pickler_sends_records_as_constructor_calls() -> None:
    finding = Finding("rule", Severity.HIGH, "message", "f.yaml", 3, 4, ("spec", 0),
                      ResourceRef("v1", "Pod", "ns", "p"), {"check": "x"}, "spec[0]")
    out = io.BytesIO()
    FastPickler(out, protocol=pickle.HIGHEST_PROTOCOL).dump([finding, finding, Point(1)])
    back = pickle.loads(out.getvalue())
    assert back[0] == finding and back[0].details == {"check": "x"} and back[0].keyed_path == "spec[0]"
    assert back[1] is back[0] and back[2] == Point(1)


def test_what_a_record_cannot_be_is_refused_when_it_is_defined() -> None:
    with pytest.raises(TypeError, match="cannot be subclassed"):
        @dataclass(frozen=True, slots=True)
        class Sub(Point):  # type: ignore[misc]
            z: int = 0
    with pytest.raises(TypeError, match="makes the dataclass itself"):
        @record
        @dataclass(frozen=True, slots=True)
        class Twice:
            x: int
    with pytest.raises(TypeError, match="stores what it is given"):
        @record
        class Checked:
            x: int

            def __post_init__(self) -> None:
                pass
    with pytest.raises(TypeError, match="no __eq__"):
        @record
        class OwnEquality:
            x: int

            def __eq__(self, other: object) -> bool:
                return True
    with pytest.raises(TypeError, match="stores what it is given"):
        @record
        class Later:
            x: int = field(init=False, default=0)


def test_a_record_is_what_the_dataclass_would_be() -> None:
    """Equality, hash, repr, frozenness and introspection as ``@dataclass(frozen=True, slots=True)``
    gives them, field flags included, though none of its methods was compiled."""
    @dataclass(frozen=True, slots=True)
    class Plain:
        x: int
        y: float = 0.0
        hidden: str = field(default="", repr=False)
        loose: list[int] = field(default_factory=list, compare=False)
        unhashed: str = field(default="", hash=False)

    @record
    class Fast:
        x: int
        y: float = 0.0
        hidden: str = field(default="", repr=False)
        loose: list[int] = field(default_factory=list, compare=False)
        unhashed: str = field(default="", hash=False)

    nan = float("nan")
    cases = [(1,), (1, 2.5), (1, nan), (1, 2.0, "h", [1], "u"), (2, 0.0, "", [], "other")]
    for a in cases:
        for b in cases:
            assert (Plain(*a) == Plain(*b)) == (Fast(*a) == Fast(*b))
            assert (Plain(*a) != Plain(*b)) == (Fast(*a) != Fast(*b))
        assert hash(Plain(*a)) == hash(Fast(*a))
        assert repr(Plain(*a)).replace("Plain", "Fast") == repr(Fast(*a))
    same = (1, nan)
    assert Fast(*same) == dataclasses.replace(Fast(*same))  # the same float object: equal, as in a tuple
    assert Fast(1) != Plain(1) and Fast(1).__eq__(1) is NotImplemented
    fast = Fast(1)
    for attempt in (lambda: setattr(fast, "x", 2), lambda: delattr(fast, "x"), lambda: setattr(fast, "z", 2)):
        with pytest.raises((dataclasses.FrozenInstanceError, AttributeError)):
            attempt()
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'x'"):
        fast.x = 2  # type: ignore[misc]
    params = Fast.__dataclass_params__  # type: ignore[attr-defined]
    assert (params.init, params.repr, params.eq, params.frozen) == (True, True, True, True)
    assert Fast.__match_args__ == Plain.__match_args__ and Fast.__slots__ == Plain.__slots__
    assert [(f.name, f.compare, f.hash, f.repr) for f in dataclasses.fields(Fast)] == \
        [(f.name, f.compare, f.hash, f.repr) for f in dataclasses.fields(Plain)]
    assert dataclasses.asdict(Fast(1, 2.0, "h", [3])) == dataclasses.asdict(Plain(1, 2.0, "h", [3]))
    assert Single.__doc__ == "Single(only)"  # a record without a docstring is named with its fields
