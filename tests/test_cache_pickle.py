"""Result cache pickling: dataclasses as constructor calls only where that rebuilds them as they are."""

from __future__ import annotations

import io
import pickle
import pickletools
from dataclasses import dataclass, field
from typing import Any

from gitops_gen.cache_key import Roots
from gitops_gen.cache_pickle import FastPickler, Unpickler
from gitops_gen.engine import Outcome
from gitops_gen.model import Finding, ResourceRef, Severity


@dataclass(frozen=True, slots=True)
class Plain:
    name: str
    items: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Normalizing:
    name: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", self.name.lower())


@dataclass(slots=True)
class KeywordOnly:
    name: str = field(kw_only=True)


def _dumps(value: Any) -> bytes:
    out = io.BytesIO()
    FastPickler(out, protocol=5).dump(value)
    return out.getvalue()


def _opcodes(data: bytes) -> set[str]:
    return {op.name for op, _, _ in pickletools.genops(data)}


def test_a_plain_dataclass_is_a_constructor_call_and_round_trips() -> None:
    data = _dumps(Plain("a", (1, 2)))
    assert "BUILD" not in _opcodes(data)
    assert pickle.loads(data) == Plain("a", (1, 2))


def test_dataclasses_whose_constructor_would_change_them_are_pickled_as_pickle_does() -> None:
    assert pickle.loads(_dumps(Normalizing("a"))) == Normalizing("a")  # (its first instance looks harmless)
    odd = Normalizing("a")
    object.__setattr__(odd, "name", "MIXED")  # what the constructor would not give back
    assert "BUILD" in _opcodes(_dumps(odd))
    assert pickle.loads(_dumps(odd)).name == "MIXED"
    assert pickle.loads(_dumps(KeywordOnly(name="x"))) == KeywordOnly(name="x")


def test_an_outcome_reads_back_through_the_cache_unpickler() -> None:
    ref = ResourceRef("v1", "ConfigMap", "team", "settings")
    finding = Finding("rule", Severity.HIGH, "message", "a.yaml", 3, 5, ("data", "x"), ref, {"check": "c"})
    outcome = Outcome(findings=[finding], documents=1, files=1)
    data = _dumps(outcome)
    assert "BUILD" not in _opcodes(data)
    back = Unpickler(data, Roots()).load()
    assert back == outcome and back.findings[0].details == {"check": "c"}
