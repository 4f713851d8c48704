"""Small, shape-tolerant accessors shared by rule modules (not a rule: the name starts with ``_``).

Manifests are hostile input: every accessor here accepts any value and yields nothing (or
``None``) for the wrong shape, so rules never raise on a list where a mapping was expected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any

#: What the loader makes that is not a mapping: told by its type alone, without the ABC check.
_PLAIN = frozenset({type(None), str, int, float, bool, list})


def mapping(value: Any) -> Mapping[str, Any] | None:
    """``value`` if it is a mapping, else ``None``."""
    # The loader makes plain dicts and scalars: their type says it (the ABC check costs ten times more).
    kind = type(value)
    if kind is dict:
        return value  # type: ignore[no-any-return]
    return None if kind in _PLAIN else value if isinstance(value, Mapping) else None


def items(value: Any) -> Iterator[tuple[int, Mapping[str, Any]]]:
    """The (index, item) pairs of a list whose items are mappings; other items are skipped."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if type(item) is dict or (type(item) not in _PLAIN and isinstance(item, Mapping)):
                yield i, item


def strings(value: Any) -> Iterator[tuple[int, str]]:
    """The (index, item) pairs of a list whose items are strings; other items are skipped."""
    if isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield i, item


def string_items(value: Any) -> tuple[str, ...]:
    """The strings of a list (other items left out), remembered for each list's content: what
    a rule reads from its list options for every resource."""
    if not isinstance(value, list):
        return ()
    try:
        return _string_items(tuple(value))
    except TypeError:  # an unhashable item
        return tuple(item for item in value if isinstance(item, str))


@lru_cache(maxsize=256)
def _string_items(value: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple(item for item in value if isinstance(item, str))


def text(value: Any) -> str | None:
    """``value`` if it is a string, else ``None``."""
    return value if isinstance(value, str) else None


def templated(value: Any) -> bool:
    """True for a string holding a template placeholder (ApplicationSet ``{{ }}``, Helm, envsubst)."""
    return isinstance(value, str) and ("{{" in value or "${" in value)


def join_limited(names: Iterable[str], limit: int = 3) -> str:
    """``a, b, c and 2 more``: names for a message without letting it grow without bound."""
    listed = list(names)
    head = ", ".join(listed[:limit])
    return f"{head} and {len(listed) - limit} more" if len(listed) > limit else head


#: Annotations that make an object a deployment hook (run once around a sync or a release, then
#: deleted by its hook policy) rather than something that stays.
HOOK_ANNOTATIONS = ("argocd.argoproj.io/hook", "helm.sh/hook")


def deploy_hook(metadata: Any) -> bool:
    """Whether an object's ``metadata`` marks it as an Argo CD or Helm hook."""
    annotations = mapping(mapping(metadata) and metadata.get("annotations")) or {}
    return any(hook in annotations for hook in HOOK_ANNOTATIONS)
