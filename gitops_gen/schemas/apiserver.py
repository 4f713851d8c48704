"""What the API server (and Argo CD) refuse that no OpenAPI schema says: sizes and uniqueness.

Each check follows the server's own rule, so a manifest that passes here is not refused there:

* **ConfigMap data**: the values of ``data`` (UTF-8 bytes) and of ``binaryData`` (decoded from
  base64) may total at most 1 MiB (1,048,576 bytes); keys do not count (``ValidateConfigMap``
  sums ``len(value)`` against ``core.MaxSecretSize``).
* **Secret data**: the decoded values of ``data``, with ``stringData`` merged over it (a
  ``stringData`` key replaces the ``data`` key of the same name, as the server converts it), may
  total at most 1 MiB (``ValidateSecret``).
* **Object size**: etcd refuses a request over its default ``--max-request-bytes`` of 1.5 MiB
  (1,572,864 bytes); the object is measured as compact JSON, as Go's encoder writes it.
* **Annotations**: keys plus values may total at most 256 KiB (262,144 bytes,
  ``ValidateAnnotationsSize``), on the object and on each pod template it holds.
* **Container port names** must be unique within one container (``validateContainerPorts``
  keeps one set of names per container; the same name in two containers is allowed).
* **Argo CD destinations**: an Application (or an ApplicationSet's template) whose destination
  sets both ``server`` and ``name`` is refused ("application destination can't have both name and
  server defined").

Findings are ``schema`` errors on the line of the offending key: for a size, the entry that
takes the total over the limit; for a duplicate, its second occurrence.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from gitops_gen.manifests.objects import JSON_BOUND
from gitops_gen.model import FieldPath, Finding, Resource, Severity
from gitops_gen.rules.podspec import all_containers, pod_specs

RULE = "schema"
#: ``core.MaxSecretSize``: ConfigMap and Secret data.
MAX_DATA_BYTES = 1024 * 1024
#: etcd's default ``--max-request-bytes``.
MAX_OBJECT_BYTES = 1024 * 1024 * 3 // 2
#: apimachinery's ``TotalAnnotationSizeLimitB``.
MAX_ANNOTATION_BYTES = 256 * 1024

_ARGO_GROUP = "argoproj.io"
_GENERATOR_NESTING = 3  # matrix/merge generators nest generators: stop somewhere


def api_server_findings(resource: Resource) -> Iterator[Finding]:
    """Everything in ``resource`` that the API server or Argo CD would refuse on these grounds."""
    data = resource.data
    if not isinstance(data, dict):
        return
    if resource.group == "" and resource.kind == "ConfigMap":
        yield from _data_size(resource, [("data", False), ("binaryData", True)])
    elif resource.group == "" and resource.kind == "Secret":
        yield from _data_size(resource, [("data", True), ("stringData", False)])
    yield from _annotations(resource)
    yield from _port_names(resource)
    if resource.group == _ARGO_GROUP and resource.kind in ("Application", "ApplicationSet"):
        yield from _destinations(resource)
    yield from _object_size(resource)


def _finding(resource: Resource, message: str, path: FieldPath, check: str, *, key: bool = True) -> Finding:
    line, column = resource.locate(path, key=key)
    return Finding(RULE, Severity.ERROR, message, resource.file, line, column, path, resource.ref,
                   {"check": check})


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def base64_length(text: str) -> int:
    """The number of bytes a standard base64 string decodes to (line breaks are ignored, as
    Go's decoder does)."""
    compact = text.replace("\n", "").replace("\r", "")
    padding = len(compact) - len(compact.rstrip("="))
    return max(0, len(compact) * 3 // 4 - min(padding, 2))


def _data_size(resource: Resource, fields: list[tuple[str, bool]]) -> Iterator[Finding]:
    """ConfigMap ``data`` + ``binaryData``, or Secret ``data`` under ``stringData``."""
    present = {name: resource.data[name] for name, _ in fields if isinstance(resource.data.get(name), dict)}
    if not present:
        return
    overridden = set(present.get("stringData", {})) if resource.kind == "Secret" else set()
    encoded = dict(fields)
    total = 0
    for name in [key for key in resource.data if key in present]:  # document order
        for key, value in present[name].items():
            if not isinstance(value, str) or (name == "data" and key in overridden):
                continue
            total += base64_length(value) if encoded[name] else utf8_length(value)
            if total > MAX_DATA_BYTES:
                parts = " + ".join(present)
                yield _finding(resource, f"{resource.kind} {parts} reach {total:,} bytes at this key, over the "
                               f"API server's limit of {MAX_DATA_BYTES:,} bytes (1 MiB) for the values of "
                               f"{parts} together", (name, key), "data-size")
                return


def _annotations(resource: Resource) -> Iterator[Finding]:
    """The object's annotations, and those of its pod templates (validated the same way)."""
    seen: set[FieldPath] = set()
    for at in [("metadata",), *(pod.metadata_path for pod in pod_specs(resource) if pod.metadata_path)]:
        if at in seen:
            continue
        seen.add(at)
        annotations = resource.get((*at, "annotations"))
        if not isinstance(annotations, dict):
            continue
        # a character is at most 4 bytes in UTF-8: most objects are proved small without encoding
        if 4 * sum(len(k) + (len(v) if isinstance(v, str) else 0) for k, v in annotations.items()) \
                <= MAX_ANNOTATION_BYTES:
            continue
        total = 0
        for key, value in annotations.items():
            total += utf8_length(key) + (utf8_length(value) if isinstance(value, str) else 0)
            if total > MAX_ANNOTATION_BYTES:
                yield _finding(resource, f"annotations reach {total:,} bytes at this key (keys plus values), over "
                               f"the API server's limit of {MAX_ANNOTATION_BYTES:,} bytes (256 KiB)",
                               (*at, "annotations", key), "annotations-size")
                break


def _port_names(resource: Resource) -> Iterator[Finding]:
    for container in all_containers(resource):
        ports = container.container.get("ports")
        if not isinstance(ports, list):
            continue
        first: dict[str, int] = {}
        for i, port in enumerate(ports):
            name = port.get("name") if isinstance(port, Mapping) else None
            if not isinstance(name, str) or not name:
                continue
            if name not in first:
                first[name] = i
                continue
            earlier, _ = resource.locate((*container.path, "ports", first[name], "name"), key=False)
            yield _finding(resource, f'port name "{name}" is used twice in container "{container.name}" (first '
                           f"on line {earlier}); the API server refuses duplicate port names in one container",
                           (*container.path, "ports", i, "name"), "port-names", key=False)


def _destinations(resource: Resource) -> Iterator[Finding]:
    if resource.kind == "Application":
        yield from _destination(resource, ("spec", "destination"))
        return
    yield from _destination(resource, ("spec", "template", "spec", "destination"))
    yield from _generator_templates(resource, resource.get(("spec", "generators")), ("spec", "generators"), 0)


def _generator_templates(resource: Resource, generators: Any, at: FieldPath, depth: int) -> Iterator[Finding]:
    """Generators may carry their own ``template`` (merged over the ApplicationSet's)."""
    if not isinstance(generators, list):
        return
    for i, generator in enumerate(generators):
        if not isinstance(generator, dict):
            continue
        for kind, body in generator.items():
            if not isinstance(body, dict):
                continue
            here = (*at, i, kind)
            yield from _destination(resource, (*here, "template", "spec", "destination"))
            if kind in ("matrix", "merge") and depth < _GENERATOR_NESTING:
                yield from _generator_templates(resource, body.get("generators"), (*here, "generators"), depth + 1)


def _destination(resource: Resource, at: FieldPath) -> Iterator[Finding]:
    destination = resource.get(at)
    if not isinstance(destination, dict):
        return
    server, name = destination.get("server"), destination.get("name")
    if not (isinstance(server, str) and server and isinstance(name, str) and name):
        return
    later = max(("server", "name"), key=lambda k: resource.locate((*at, k)))
    yield _finding(resource, f'destination sets both server "{server}" and name "{name}": Argo CD refuses it '
                   "(application destination can't have both name and server defined); keep one",
                   (*at, later), "argocd-destination")


#: Compact JSON as Go's encoder lays it out.  Cycles are not looked for (an eighth of the time
#: of a large CRD): values read from YAML hold none, and one would end in a RecursionError.
_COMPACT = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=True, check_circular=False)


def json_size(data: Any) -> int:
    """Bytes of ``data`` as Go's encoding/json writes it compactly (``<``, ``>``, ``&``, U+2028
    and U+2029 escaped); raises TypeError, ValueError or RecursionError for what is no JSON."""
    text = _COMPACT.encode(data)
    # six bytes each instead of one (ASCII) or three (the separators, in UTF-8)
    escaped = 5 * (text.count("<") + text.count(">") + text.count("&"))
    escaped += 3 * (text.count("\u2028") + text.count("\u2029"))
    return utf8_length(text) + escaped


def _object_size(resource: Resource) -> Iterator[Finding]:
    bound = resource.memo.get(JSON_BOUND)
    if isinstance(bound, int) and bound <= MAX_OBJECT_BYTES:
        return  # the loader's bound proves it small: no need to encode it
    try:
        size = json_size(resource.data)
    except (TypeError, ValueError, RecursionError):
        return  # not JSON-shaped: the schema check says why
    if size > MAX_OBJECT_BYTES:
        yield _finding(resource, f"{resource.kind} is {size:,} bytes as JSON, over etcd's default request limit "
                       f"of {MAX_OBJECT_BYTES:,} bytes (1.5 MiB): the API server cannot store it", (), "object-size")
