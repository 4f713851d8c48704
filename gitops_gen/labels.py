"""Label selector requirements as Kubernetes evaluates them (``matchExpressions``).

One place for the four operators, shared by the rules that match pods to selectors, the
admission policies' ``namespaceSelector``/``objectSelector`` and the ApplicationSet generators.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

#: The operators of a label selector requirement.
SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def requirement_met(operator: str, labels: Mapping[str, Any], key: str, values: Collection[str]) -> bool:
    """Whether ``labels`` meet the requirement ``key operator values``; a ValueError for an
    operator that is not one of :data:`SELECTOR_OPERATORS`."""
    present = key in labels
    if operator == "In":
        return present and str(labels[key]) in values
    if operator == "NotIn":
        return not present or str(labels[key]) not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    raise ValueError(f"unknown selector operator {operator!r}")
