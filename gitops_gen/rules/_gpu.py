"""GPU resources in containers, and Kubernetes quantities (not a rule: starts with ``_``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from fractions import Fraction
from functools import lru_cache
from typing import Any

from gitops_gen.model import FieldPath
from gitops_gen.records import record
from gitops_gen.rules._util import mapping, string_items
from gitops_gen.rules.podspec import Container, PodSpec, containers

#: The default of the ``gpu-resources`` option of the gpu-* rules (``*`` at the end: a prefix).
DEFAULT_GPU_RESOURCES = ["nvidia.com/gpu", "nvidia.com/gpu.shared", "nvidia.com/mig-*", "amd.com/gpu",
                         "gpu.intel.com/i915", "gpu.intel.com/xe"]

_QUANTITY = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?)")
_SUFFIX = {"m": Fraction(1, 1000), "": Fraction(1), "k": Fraction(10**3), "M": Fraction(10**6),
           "G": Fraction(10**9), "T": Fraction(10**12), "P": Fraction(10**15), "E": Fraction(10**18),
           "Ki": Fraction(2**10), "Mi": Fraction(2**20), "Gi": Fraction(2**30), "Ti": Fraction(2**40),
           "Pi": Fraction(2**50), "Ei": Fraction(2**60)}


def parse_quantity(value: Any) -> Fraction | None:
    """A Kubernetes resource quantity (``1``, ``"500m"``, ``"2Gi"``, ``"1e3"``) as a number, or
    ``None`` when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value).limit_denominator(10**9)
    if not isinstance(value, str):
        return None
    match = _QUANTITY.fullmatch(value.strip())
    if match is None:
        return None
    number, exponent, suffix = match.groups()
    base = Fraction(number)
    if exponent:
        power = int(exponent[1:])
        if abs(power) > 30:
            return None
        return base * Fraction(10) ** power
    return base * _SUFFIX[suffix or ""]


def patterns(option: Any) -> list[str]:
    """The names of a list option, stripped, empty ones left out (asked once per resource by
    several rules: remembered for each list)."""
    if isinstance(option, tuple):  # (from code: read only when it holds nothing but names)
        option = list(option) if all(isinstance(p, str) for p in option) else []
    return list(_stripped(string_items(option)))


@lru_cache(maxsize=32)
def _stripped(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(p.strip() for p in names if p.strip())


def matches(name: str, names: Iterable[str]) -> bool:
    """True when ``name`` is one of ``names`` (an entry ending in ``*`` is a prefix)."""
    exact, prefixes = _split(names if isinstance(names, tuple) else tuple(names))
    return name in exact or name.startswith(prefixes)


@lru_cache(maxsize=32)
def _split(names: tuple[str, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """The names to match exactly, and the prefixes (the entries ending in ``*``, without it)."""
    return frozenset(p for p in names if not p.endswith("*")), tuple(p[:-1] for p in names if p.endswith("*"))


@record
class GpuEntry:
    """One GPU resource named in a container's limits or requests."""

    container: Container
    section: str  # "limits" or "requests"
    name: str
    value: Any
    path: FieldPath  # of the value


def gpu_entries(container: Container, gpu_names: list[str]) -> Iterator[GpuEntry]:
    """The GPU resources named in the container's limits and requests (found once per container
    and list of names: three GPU rules ask about every container)."""
    names = tuple(gpu_names)
    found = container.memo.get("gpu-entries")
    if found is None or found[0] != names:
        found = container.memo["gpu-entries"] = (names, tuple(_gpu_entries(container, names)))
    return iter(found[1])


def _gpu_entries(container: Container, gpu_names: tuple[str, ...]) -> Iterator[GpuEntry]:
    key = container.resources_key  # resources, Tekton computeResources, Trainer resourcesPerNode
    resources = mapping(container.container.get(key))
    if resources is None:
        return
    exact, prefixes = _split(gpu_names)
    for section in ("limits", "requests"):
        values = mapping(resources.get(section))
        for name, value in (values or {}).items():
            if isinstance(name, str) and (name in exact or name.startswith(prefixes)):
                yield GpuEntry(container, section, name, value, (*container.path, key, section, name))


def requested_gpus(pod: PodSpec, gpu_names: list[str]) -> list[str]:
    """The GPU resource names the pod asks a non-zero amount of, in order of appearance (found
    once per pod and list of names: four GPU rules ask about every pod)."""
    key = "requested-gpus\0" + "\0".join(gpu_names)
    found = pod.memo.get(key)
    if found is None:
        found = pod.memo[key] = tuple(_requested_gpus(pod, gpu_names))
    return list(found)


def _requested_gpus(pod: PodSpec, gpu_names: list[str]) -> list[str]:
    found: list[str] = []
    for container in containers(pod):
        for entry in gpu_entries(container, gpu_names):
            amount = parse_quantity(entry.value)
            if (amount is None or amount > 0) and entry.name not in found:
                found.append(entry.name)
    return found
