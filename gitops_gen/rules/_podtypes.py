"""The types of the pod-spec walker (see :mod:`gitops_gen.rules.podspec`, which re-exports them).

Not a rule: the module name starts with ``_``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any

from gitops_gen.model import FieldPath
from gitops_gen.records import record
from gitops_gen.rules._util import mapping

#: KServe predictor/explainer shortcuts: each is one container merged into a serving runtime.
KSERVE_CONTAINER_FIELDS = ("model", "sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx",
                           "huggingface", "lightgbm", "pmml", "paddle", "art")
#: Pod forms that hold pod-level defaults only (no containers): an Argo workflow spec, a Tekton
#: ``podTemplate``.  Their settings apply to the pods that inherit them.
DEFAULTS_FORMS = frozenset({"argo-workflow", "pod-template"})
#: How messages name a container of each group (the default: ``container``).
_GROUP_LABELS = {"initContainers": "init container", "ephemeralContainers": "ephemeral container",
                 "sidecars": "sidecar", "steps": "step"}


@record
class Layer:
    """A mapping settings are inherited from, and where it is in the resource.

    ``merged``: its securityContext is merged field by field into the nearer layers (Argo
    ``templateDefaults``) instead of being replaced by theirs (an Argo workflow spec).
    """

    path: FieldPath
    data: Mapping[str, Any]
    merged: bool = False


@record
class PodSpec:
    """One pod spec inside a resource.

    ``form`` says how containers are held: ``pod`` (containers, initContainers,
    ephemeralContainers), ``kserve`` (a pod plus model/framework containers), ``argo-template``,
    ``argo-workflow`` and ``pod-template`` (pod defaults only, no containers: an Argo workflow
    spec, a Tekton ``podTemplate``), ``tekton-task`` (steps, sidecars and a stepTemplate),
    ``tekton-step`` (a StepAction: one step), ``trainjob``, ``seldon-explainer``.
    ``inherits`` lists, nearest first, the mappings whose pod-level fields apply when this spec
    does not set them (an Argo template falls back on templateDefaults, then the workflow spec;
    a Tekton task pod on the run's podTemplates).
    ``partial`` marks a patch merged into a pod defined elsewhere: fields it lacks may be set there.
    """

    path: FieldPath
    spec: Mapping[str, Any]
    metadata_path: FieldPath | None
    owner: str
    form: str = "pod"
    inherits: tuple[Layer, ...] = ()
    partial: bool = False
    #: Derived views (its containers), computed once: forty rules ask for them.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def defaults_only(self) -> bool:
        """True for pod-level defaults that other pod specs inherit (no containers of their own)."""
        return self.form in DEFAULTS_FORMS


@record
class Container:
    """One container (or container-like object) of a pod spec.

    ``inherits`` lists container mappings merged into this one, nearest first, whose fields
    apply when this one does not set them (Argo ``templateDefaults.container``, a Tekton
    ``stepTemplate``); ``partial`` as for :class:`PodSpec`.
    """

    path: FieldPath
    container: Mapping[str, Any]
    group: str
    pod: PodSpec
    inherits: tuple[Layer, ...] = ()
    partial: bool = False
    #: Derived views (how messages name it), computed once: a dozen rules ask for them.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def name(self) -> str:
        name = self.container.get("name")
        if isinstance(name, str) and name:
            return name
        if self.group in KSERVE_CONTAINER_FIELDS:
            return "kserve-container"
        defaults = {"container": "main", "script": "main", "trainer": "node"}
        return defaults.get(self.group, f"<unnamed {self.group}>")

    @property
    def label(self) -> str:
        """How messages name the container: ``container "app"``, ``init container "setup"``,
        ``stepTemplate``, ``step`` (a StepAction's)."""
        if self.group == "stepTemplate":
            return "stepTemplate"
        if self.group == "stepAction":
            return "step"
        return f'{_GROUP_LABELS.get(self.group, "container")} "{self.name}"'

    @property
    def resources_key(self) -> str:
        """The field holding this container's requests and limits (see :func:`resources_field`)."""
        return resources_field(self.container, self.group)


def resources_field(container: Mapping[str, Any], group: str) -> str:
    """Where a container mapping keeps its requests and limits: ``resources``, Tekton v1's
    ``computeResources`` (steps, sidecars, stepTemplate), Trainer's ``resourcesPerNode``."""
    if group == "trainer":
        return "resourcesPerNode"
    return "computeResources" if "computeResources" in container else "resources"


@record
class Setting:
    """An effective value and the path of the line that set it."""

    path: FieldPath
    value: Any


def dig(data: Any, path: FieldPath) -> Any:
    """The value at ``path`` inside ``data``, or ``None`` where any step is missing or of the wrong shape."""
    for part in path:
        if isinstance(part, int):
            if not isinstance(data, list) or not 0 <= part < len(data):
                return None
        elif not isinstance(data, Mapping) or part not in data:
            return None
        data = data[part]
    return data


def template_pod(data: Mapping[str, Any], base: FieldPath, rel: FieldPath, owner: str,
                 partial: bool = False) -> Iterator[PodSpec]:
    """The pod of a PodTemplateSpec (``metadata`` + ``spec``) at ``rel``."""
    spec = mapping(dig(data, (*rel, "spec")))
    if spec is not None:
        yield PodSpec(base + rel + ("spec",), spec, base + rel + ("metadata",), owner, partial=partial)
