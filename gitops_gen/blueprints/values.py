"""Values from the command line: ``--set KEY=VALUE`` and ``--values FILE``.

Both read YAML the way the rest of gitops-gen (and Helm, and Kubernetes) does: go-yaml v2
scalars, so ``enabled: no`` is ``false`` in a values file and in ``--set enabled=no`` alike.
Nothing here evaluates anything: a value is text, a number, a boolean, a list or a mapping.

``--set`` (as in Helm):

* ``teams.research.gpu_quota=4`` sets one nested key (``\\.`` for a dot inside a key);
* the value is a plain YAML scalar (``4`` -> 4, ``no`` -> false, ``ML: Platform`` stays text);
  quote it as YAML to force a string (``cpu_quota='"64"'``); start it with ``[`` or ``{`` for a
  YAML flow list or mapping (``instance_families=[g5, p4d]``);
* an empty value is null, which removes that key from the defaults (``teams.serving=``).

A values file gives inputs whole (``teams:`` lists every team); ``--set`` items are edits applied
with :func:`~gitops_gen.blueprints.inputs.apply_sets` to the value an input would otherwise have
(the values file's, else the default)::

    values = apply_sets(bp, load_values_file(path), parse_set(items))
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from gitops_gen.blueprints.context import merge
from gitops_gen.errors import BlueprintError
from gitops_gen.manifests.yamlread import Limits, read_documents, resolve_plain


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` laid over ``base`` (mappings merge key by key; ``None`` deletes a nested key).

    At the top level a ``None`` is kept: for :func:`resolve_inputs` it means "use the default".
    To apply ``--set`` edits to a blueprint's inputs, use :func:`apply_sets`, which also starts
    from the defaults.
    """
    out = dict(merge(base, {k: v for k, v in override.items() if v is not None}))
    for k, v in override.items():
        if v is None:
            out[k] = None
    return out


def _split_key(text: str, item: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    parts.append("".join(current))
    if any(not p.strip() for p in parts):
        raise BlueprintError(f"--set {item!r}: empty key (use KEY=VALUE, dotted for nested keys: "
                             "teams.research.gpu_quota=4)", key=text)
    return parts


def _parse_value(text: str, key: str) -> Any:
    if not text.startswith(("[", "{", '"', "'")) or text.startswith(("{{", "{%", "{#")):
        return resolve_plain(text)  # Jinja-looking text stays text, for resolve_inputs to refuse
    docs = list(read_documents(text))
    problems = [p for doc in docs for p in doc.problems]
    if problems or len(docs) != 1:
        why = problems[0].message if problems else "not a single YAML value"
        raise BlueprintError(f"--set {key}: invalid YAML value {text!r}: {why}", key=key)
    value = docs[0].data
    if text.startswith(("[", "{")) != isinstance(value, (list, dict)):
        raise BlueprintError(f"--set {key}: invalid YAML value {text!r}", key=key)
    return value


def _declared_type(schema: Mapping[str, Any], parts: Sequence[str]) -> Any:
    """The JSON Schema ``type`` declared for the input at ``parts`` (None when unknown)."""
    node: Any = schema
    for part in parts:
        node = _resolve_ref(schema, node)
        if not isinstance(node, Mapping):
            return None
        properties = node.get("properties") or {}
        node = properties[part] if part in properties else node.get("additionalProperties")
    node = _resolve_ref(schema, node)
    return node.get("type") if isinstance(node, Mapping) else None


def _resolve_ref(schema: Mapping[str, Any], node: Any) -> Any:
    for _ in range(8):  # $defs pointing at $defs, never a loop in a checked schema
        ref = node.get("$ref") if isinstance(node, Mapping) else None
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node
        node = schema
        for step in ref[2:].split("/"):
            node = node.get(step) if isinstance(node, Mapping) else None
    return node


def parse_set(items: Sequence[str], schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """``--set`` arguments as nested values; later items win.

    A plain value is read as YAML reads it (``4`` a number, ``true`` a boolean), except for an
    input ``schema`` declares a string: there the text stays text, so ``kubernetes_version=1.30``
    is "1.30" (not the number 1.3) and ``cluster_name=0644`` is not the octal 420.  Quote a value
    to force text anywhere.
    """
    out: dict[str, Any] = {}
    for item in items:
        raw_key, sep, raw_value = item.partition("=")
        if not sep:
            raise BlueprintError(f"--set {item!r}: expected KEY=VALUE", key=raw_key.strip() or None)
        parts = _split_key(raw_key.strip(), item)
        dotted = ".".join(parts)
        value = _parse_value(raw_value, dotted)
        if (schema is not None and raw_value and not isinstance(value, (str, list, dict))
                and _declared_type(schema, parts) == "string"):
            value = raw_value
        node = out
        for depth, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            elif not isinstance(child, dict):
                above = ".".join(parts[: depth + 1])
                raise BlueprintError(f"--set {dotted}: {above} was already set to a value that is not "
                                     "a mapping", key=dotted)
            node = child
        node[parts[-1]] = value
    return out


def load_values_file(path: Path) -> dict[str, Any]:
    """A YAML (or JSON) file of input values; :class:`BlueprintError` with file and line when bad."""
    where = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise BlueprintError(f"cannot read values file: {exc.strerror or exc}", file=where) from None
    limits = Limits()
    if len(raw) > limits.max_file_bytes:
        raise BlueprintError(f"values file is {len(raw)} bytes, over the {limits.max_file_bytes}-byte limit",
                             file=where)
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise BlueprintError("values file is not valid UTF-8", file=where, line=line) from None
    if where.endswith(".json"):
        data = _json(text, where)
    else:
        docs = list(read_documents(text, limits))
        for doc in docs:
            for problem in doc.problems:
                raise BlueprintError(problem.message, file=where, line=problem.line)
        if len(docs) > 1:
            raise BlueprintError("values file must hold one YAML document", file=where,
                                 line=docs[1].start_line)
        data = docs[0].data if docs else None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BlueprintError("values file must be a mapping of input names to values", file=where, line=1)
    return data


def _json(text: str, where: str) -> Any:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for k, v in pairs:
            if k in out:
                raise BlueprintError(f"duplicate key {k!r}", file=where)
            out[k] = v
        return out

    try:
        return json.loads(text, object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise BlueprintError(f"invalid JSON: {exc.msg}", file=where, line=exc.lineno) from None
