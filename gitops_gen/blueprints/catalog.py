"""Finding blueprints and reading their metadata.

A blueprint is a folder holding a real cookiecutter template (``cookiecutter.json`` and one
``{{cookiecutter.<name>}}`` folder, optionally ``hooks/``) plus ``blueprint.yaml``::

    name: ml-platform
    version: 0.1.0
    description: Argo CD app-of-apps repository for an ML platform
    inputs:            # a JSON Schema (draft 2020-12) for the answers
      type: object
      additionalProperties: false
      properties: {...}

``cookiecutter.json`` gives the inputs, their order and their defaults (so plain ``cookiecutter``
renders the same tree); ``inputs`` says what a valid answer is.  The two must describe the same
public keys, which :func:`load_blueprint` checks so that a template author cannot add an input and
forget to validate it.
"""

from __future__ import annotations

from gitops_gen.records import record

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema_rs

from gitops_gen.errors import BlueprintError
from gitops_gen.manifests.yamlread import NodePositions, read_documents
from gitops_gen.model import FieldPath
from gitops_gen.resources import bundled_dir

CONTEXT_FILE = "cookiecutter.json"
METADATA_FILE = "blueprint.yaml"
_METADATA_KEYS = frozenset({"name", "version", "description", "inputs"})
#: cookiecutter features a blueprint may not use: they would prompt, or pick a template at run time.
_UNSUPPORTED_KEYS = frozenset({"template", "templates"})


@record
class InputInfo:
    """One input of a blueprint, as ``gitops-gen blueprints`` lists it and ``new`` prompts for it.

    ``default`` is typed (``8``, ``True``, a mapping) and already rendered when the template author
    wrote it as a Jinja expression; ``choices`` is empty unless the input is a cookiecutter choice
    variable (then ``default`` is the first choice).
    """

    name: str
    type: str
    default: Any
    description: str
    choices: tuple[Any, ...] = ()


@record
class BlueprintInfo:
    name: str
    version: str
    description: str
    path: Path
    inputs: list[InputInfo]
    #: The JSON Schema of the answers (``inputs`` in blueprint.yaml).
    schema: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: ``cookiecutter.json`` as written, key order kept.
    options: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)
    #: The ``{{cookiecutter.*}}`` folder that becomes the repository.
    template_dir: Path = field(default=Path(), repr=False, compare=False)

    def input(self, name: str) -> InputInfo:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(name)


def list_blueprints() -> list[BlueprintInfo]:
    """The blueprints shipped with gitops-gen, sorted by name."""
    return [load_blueprint(bundled_dir("blueprints") / name) for name in _bundled_names()]


def _bundled_names() -> list[str]:
    root = bundled_dir("blueprints")
    return sorted(p.name for p in root.iterdir() if (p / CONTEXT_FILE).is_file()) if root.is_dir() else []


def find_blueprint(name_or_path: str) -> BlueprintInfo:
    """A bundled blueprint by name (``ml-platform``) or a blueprint folder by path.

    Text that looks like a path (has a separator, or starts with ``.`` or ``~``) is always a path;
    a bare name is a bundled blueprint first and a folder in the current directory second.
    """
    text = name_or_path.strip()
    if not text:
        raise BlueprintError("no blueprint named (give a bundled name such as ml-platform, or a folder)")
    looks_like_path = "/" in text or os.sep in text or text.startswith((".", "~"))
    if not looks_like_path:
        bundled = bundled_dir("blueprints") / text
        if (bundled / CONTEXT_FILE).is_file():
            return load_blueprint(bundled)
    folder = Path(text).expanduser()
    if folder.is_dir():
        return load_blueprint(folder)
    known = ", ".join(_bundled_names()) or "none"
    if looks_like_path:
        raise BlueprintError(f"blueprint folder not found: {text}")
    raise BlueprintError(f"unknown blueprint {text!r} (bundled: {known}; or give the path of a blueprint "
                         "folder)")


def load_blueprint(path: Path) -> BlueprintInfo:
    """Read and cross-check one blueprint folder; :class:`BlueprintError` says what is wrong and where."""
    path = path.resolve()
    context_file = path / CONTEXT_FILE
    if not context_file.is_file():
        raise BlueprintError(f"not a blueprint: {path} has no {CONTEXT_FILE}")
    options = _read_options(context_file)
    meta, positions = _read_metadata(path / METADATA_FILE)
    where = str(path / METADATA_FILE)

    def fail(message: str, at: FieldPath = ()) -> BlueprintError:
        return BlueprintError(message, file=where, line=positions.locate(at)[0] if at else None)

    unknown = sorted(set(meta) - _METADATA_KEYS)
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} (known: {', '.join(sorted(_METADATA_KEYS))})", (unknown[0],))
    name = _metadata_text(meta, options, "name", "_blueprint", fail)
    version = _metadata_text(meta, options, "version", "_blueprint_version", fail)
    description = meta.get("description", "")
    if not isinstance(description, str):
        raise fail("description must be a string", ("description",))
    schema = meta.get("inputs")
    if not isinstance(schema, dict):
        raise fail("inputs must be a JSON Schema (a mapping with type: object and properties)",
                   ("inputs",) if "inputs" in meta else ())
    _check_schema(schema, options, fail)
    bad = sorted(_UNSUPPORTED_KEYS & set(options))
    if bad:
        raise BlueprintError(f"nested templates ({bad[0]!r}) are not supported in blueprints",
                             file=str(context_file))
    hooks = path / "hooks"
    if hooks.is_dir() and any(p.stem == "pre_prompt" for p in hooks.iterdir()):
        raise BlueprintError("pre_prompt hooks are not supported: a blueprint's inputs come from its "
                             "schema, not from a script", file=str(hooks))
    return BlueprintInfo(
        name=name, version=version, description=description.strip(), path=path,
        inputs=_inputs(options, schema, path), schema=schema, options=options,
        template_dir=_template_dir(path),
    )


def _read_options(context_file: Path) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            if key in out:
                raise BlueprintError(f"duplicate key {key!r}", file=str(context_file))
            out[key] = value
        return out

    try:
        data = json.loads(context_file.read_text(encoding="utf-8"), object_pairs_hook=no_duplicates)
    except json.JSONDecodeError as exc:
        raise BlueprintError(f"invalid JSON: {exc.msg}", file=str(context_file), line=exc.lineno) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BlueprintError(f"cannot read: {exc}", file=str(context_file)) from None
    if not isinstance(data, dict):
        raise BlueprintError("must be a JSON object of inputs and their defaults", file=str(context_file),
                             line=1)
    return data


def _read_metadata(path: Path) -> tuple[dict[str, Any], NodePositions]:
    if not path.is_file():
        raise BlueprintError(f"not a blueprint: {path.parent} has no {METADATA_FILE} (name, version, "
                             "description, inputs schema)")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BlueprintError(f"cannot read: {exc}", file=str(path)) from None
    docs = list(read_documents(text))
    for doc in docs:
        for problem in doc.problems:
            raise BlueprintError(problem.message, file=str(path), line=problem.line)
    if len(docs) != 1 or not isinstance(docs[0].data, dict):
        raise BlueprintError("must be one YAML mapping (name, version, description, inputs)", file=str(path),
                             line=1)
    return docs[0].data, NodePositions(docs[0].root)


def _metadata_text(meta: Mapping[str, Any], options: Mapping[str, Any], key: str, private: str,
                   fail: Any) -> str:
    value = meta.get(key)
    mirrored = options.get(private)
    if value is None and mirrored is None:
        raise fail(f"{key} is required (in {METADATA_FILE}, or as {private} in {CONTEXT_FILE})")
    if value is not None and not isinstance(value, str):
        raise fail(f"{key} must be a string (quote it)", (key,))
    if value is not None and mirrored is not None and value != mirrored:
        raise fail(f"{key} {value!r} differs from {private} {mirrored!r} in {CONTEXT_FILE}", (key,))
    text = value if value is not None else mirrored
    if not isinstance(text, str) or not text:
        raise fail(f"{key} must be a non-empty string")
    return text


def _check_schema(schema: dict[str, Any], options: Mapping[str, Any], fail: Any) -> None:
    try:
        jsonschema_rs.meta.validate(schema)
        jsonschema_rs.validator_for(schema, validate_formats=True)
    except (jsonschema_rs.ValidationError, ValueError) as exc:
        raise fail(f"inputs is not a valid JSON Schema: {exc}".split("\n")[0], ("inputs",)) from None
    if schema.get("type") != "object" or not isinstance(schema.get("properties"), dict):
        raise fail("inputs must have type: object and properties", ("inputs",))
    declared = set(schema["properties"])
    public = {k for k in options if not k.startswith("_")}
    for key in sorted(public - declared):
        raise fail(f"input {key!r} of {CONTEXT_FILE} is not described under inputs.properties", ("inputs",))
    for key in sorted(declared - public):
        raise fail(f"inputs.properties.{key} is not an input of {CONTEXT_FILE}",
                   ("inputs", "properties", key))
    for key in sorted(declared):
        prop = schema["properties"][key]
        if isinstance(prop, dict) and "default" in prop:
            raw = options[key]
            expected = raw[0] if isinstance(raw, list) and raw else raw
            if prop["default"] != expected:
                raise fail(f"default of {key} ({prop['default']!r}) differs from {CONTEXT_FILE} "
                           f"({expected!r})",
                           ("inputs", "properties", key, "default"))


def _template_dir(path: Path) -> Path:
    found = sorted(p for p in path.iterdir()
                   if p.is_dir() and "cookiecutter" in p.name and "{{" in p.name and "}}" in p.name)
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise BlueprintError(f"{what} template folder (named like {{{{cookiecutter.repo_name}}}}) in {path}; "
                             "a blueprint has exactly one")
    return found[0]


def _schema_type(prop: Mapping[str, Any], raw: Any) -> str:
    declared = prop.get("type")
    if isinstance(declared, str):
        return declared
    if isinstance(declared, list):
        return "|".join(str(t) for t in declared)
    if isinstance(raw, bool):
        return "boolean"
    if isinstance(raw, int):
        return "integer"
    if isinstance(raw, float):
        return "number"
    if isinstance(raw, dict):
        return "object"
    return "string"


def _inputs(options: Mapping[str, Any], schema: Mapping[str, Any], path: Path) -> list[InputInfo]:
    from gitops_gen.blueprints.context import Built, DefaultError, build  # a cycle otherwise

    try:
        built: Built = build(options, {})
    except DefaultError as exc:
        raise BlueprintError(f"the default of {exc.key!r} does not render: {exc.error}", key=exc.key,
                             file=str(path / CONTEXT_FILE)) from None
    defaults = built.answers
    prompts = options.get("__prompts__") if isinstance(options.get("__prompts__"), dict) else {}
    assert isinstance(prompts, dict)
    out = []
    for key, raw in options.items():
        if key.startswith("_"):
            continue
        prop = schema["properties"].get(key, {})
        description = prop.get("description") or prompts.get(key) or ""
        choices = tuple(built.choices.get(key, ()))
        out.append(InputInfo(key, _schema_type(prop, raw), defaults[key], " ".join(str(description).split()),
                             choices))
    return out


# -- the shape of structured inputs, for prompts ------------------------------------------------


@record
class FieldSpec:
    """One field of an entry of a mapping input (``teams.<name>.gpu_quota``), as a prompt asks it."""

    type: str
    required: bool
    choices: tuple[Any, ...] = ()


@record
class EntrySchema:
    """A mapping input whose values are entries with known fields (``teams``: name -> team)."""

    fields: dict[str, FieldSpec]


def _deref(schema: Mapping[str, Any], node: Any) -> Mapping[str, Any]:
    """``node`` with a local ``$ref`` (``#/$defs/x``) followed, a few levels deep at most."""
    for _ in range(8):
        if not isinstance(node, Mapping):
            return {}
        ref = node.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#/"):
            return node
        target: Any = schema
        for step in ref[2:].split("/"):
            target = target.get(step) if isinstance(target, Mapping) else None
        node = {**{k: v for k, v in node.items() if k != "$ref"}, **(target if isinstance(target, Mapping) else {})}
    return node if isinstance(node, Mapping) else {}


def entry_schema(schema: Mapping[str, Any], name: str) -> EntrySchema | None:
    """The fields of input ``name``'s entries when it is a mapping of entries, else None."""
    prop = _deref(schema, schema.get("properties", {}).get(name))
    entry = _deref(schema, prop.get("additionalProperties"))
    props = entry.get("properties")
    if prop.get("type") != "object" or not isinstance(props, Mapping) or not props:
        return None
    listed = entry.get("required")
    required: list[Any] = listed if isinstance(listed, list) else []
    fields = {}
    for field_name, raw in props.items():
        spec = _deref(schema, raw)
        declared = spec.get("type")
        kind = declared if isinstance(declared, str) else "string"
        choices = tuple(spec["enum"]) if isinstance(spec.get("enum"), list) else ()
        fields[str(field_name)] = FieldSpec(kind, field_name in required, choices)
    return EntrySchema(fields)


def implied_value(schema: Mapping[str, Any], answers: Mapping[str, Any], name: str) -> Any:
    """The value an ``allOf``/``if``-``then`` of ``schema`` fixes for ``name`` given ``answers`` so
    far (``cloud: generic`` fixes ``node_provisioner``), or None."""
    rules = schema.get("allOf")
    for rule in rules if isinstance(rules, list) else []:
        if not isinstance(rule, Mapping):
            continue
        test, then = rule.get("if"), rule.get("then")
        if not isinstance(test, Mapping) or not isinstance(then, Mapping):
            continue
        conditions = test.get("properties")
        if not isinstance(conditions, Mapping) or not conditions:
            continue
        if all(isinstance(c, Mapping) and "const" in c and answers.get(k) == c["const"]
               for k, c in conditions.items()):
            fixed = then.get("properties", {}).get(name) if isinstance(then.get("properties"), Mapping) else None
            if isinstance(fixed, Mapping) and "const" in fixed:
                return fixed["const"]
    return None
