"""The answers file: what a rendered repository records about how it was made.

gitops-gen itself (never the template) writes ``.gitops-gen/answers.yaml`` into every render,
bundled blueprint or not::

    # Written by gitops-gen: ...
    blueprint: ml-platform
    version: 0.1.0
    source:
      kind: bundled            # bundled | path | git (a folder inside a git checkout, with its commit)
    gitops-gen: 0.1.0
    inputs:                    # every public input, typed; no private keys, no writeOnly (secret) input
      project_name: "ML Platform"
      ...

The policy configuration stays in ``.gitops-gen.yaml``.  ``render(find_blueprint(a.name), parent,
a.inputs)`` renders the same repository again, which ``gitops-gen update`` builds on.  Every text
value is written double-quoted, so the file reads back with the same types under any YAML rules
(go-yaml's, PyYAML's, Kubernetes').
"""

from __future__ import annotations

from gitops_gen.records import record

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_gen.errors import BlueprintError
from gitops_gen.manifests.yamlread import NodePositions, read_documents

ANSWERS_FILE = ".gitops-gen/answers.yaml"
SOURCE_KINDS = ("bundled", "path", "git")
_HEADER = """\
# Written by gitops-gen: the blueprint this repository was rendered from, and the answers.
# `gitops-gen update` reads it to render the blueprint again and merge what changed into your
# work; change inputs with `gitops-gen update . --set KEY=VALUE`, not by editing this file.
"""
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
#: plain words YAML 1.1 (go-yaml v2) reads as something other than text
_YAML11_WORDS = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})


@record
class Source:
    """Where the blueprint came from: ``bundled`` with gitops-gen, a folder (``path``), or a folder
    of a git checkout (``git``: its remote ``url`` when it has one, the ``commit``, the folder's
    ``subdirectory`` in the checkout)."""

    kind: str = "bundled"
    path: str | None = None
    url: str | None = None
    commit: str | None = None
    subdirectory: str | None = None

    def as_dict(self) -> dict[str, str]:
        fields = {"kind": self.kind, "path": self.path, "url": self.url, "commit": self.commit,
                  "subdirectory": self.subdirectory}
        return {k: v for k, v in fields.items() if v is not None}

    def describe(self) -> str:
        if self.kind == "bundled":
            return "bundled with gitops-gen"
        if self.kind == "git":
            where = self.url or self.path or "?"
            sub = f" ({self.subdirectory})" if self.subdirectory else ""
            return f"{where}{sub} at {(self.commit or '?')[:12]}"
        return self.path or "?"


@record
class Answers:
    name: str
    version: str
    inputs: dict[str, Any]
    source: Source = field(default_factory=Source)
    #: the gitops-gen version that rendered the repository
    generator: str = ""
    #: where the answers were read from (empty for answers not read from a file)
    file: str = ""


def recorded_inputs(schema: Mapping[str, Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers an answers file records: every public input except those the blueprint's
    schema marks ``writeOnly`` (secrets: give them again with ``--set`` when updating)."""
    props = schema.get("properties") if isinstance(schema.get("properties"), Mapping) else {}
    assert isinstance(props, Mapping)
    secret = {k for k, v in props.items() if isinstance(v, Mapping) and v.get("writeOnly") is True}
    return {k: v for k, v in answers.items() if not k.startswith("_") and k not in secret}


def answers_text(answers: Answers) -> str:
    """The answers file's text (deterministic; types survive any YAML reader)."""
    lines = [_HEADER.rstrip("\n"), f"blueprint: {_scalar(answers.name)}", f"version: {_scalar(answers.version)}"]
    lines.append("source:")
    lines.extend(f"  {k}: {_scalar(v)}" for k, v in answers.source.as_dict().items())
    if answers.generator:
        lines.append(f"gitops-gen: {_scalar(answers.generator)}")
    lines.append("inputs:" + ("" if answers.inputs else " {}"))
    _emit(answers.inputs, 1, lines)
    return "\n".join(lines) + "\n"


def write_answers(repo: Path, answers: Answers) -> Path:
    path = Path(repo) / ANSWERS_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(answers_text(answers), encoding="utf-8")
    return path


def _key(name: Any) -> str:
    text = str(name)
    return text if _PLAIN_KEY.match(text) and text.lower() not in _YAML11_WORDS else json.dumps(text)


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _emit(value: Mapping[str, Any] | list[Any], depth: int, lines: list[str]) -> None:
    pad = "  " * depth
    items = value.items() if isinstance(value, Mapping) else ((None, v) for v in value)
    for name, item in items:
        lead = f"{pad}{_key(name)}:" if name is not None else f"{pad}-"
        if isinstance(item, (Mapping, list)) and item:
            lines.append(lead)
            _emit(item, depth + 1, lines)
        elif isinstance(item, Mapping):
            lines.append(f"{lead} {{}}")
        elif isinstance(item, list):
            lines.append(f"{lead} []")
        else:
            lines.append(f"{lead} {_scalar(item)}")


def read_answers(repo: Path) -> Answers:
    """``repo/.gitops-gen/answers.yaml``; :class:`BlueprintError` with file and line."""
    path = Path(repo) / ANSWERS_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BlueprintError(f"no answers file ({ANSWERS_FILE}): this repository does not say which blueprint "
                             "rendered it (gitops-gen new writes it)", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BlueprintError(f"cannot read the answers file: {exc}", file=str(path)) from None
    return parse_answers(text, str(path))


def parse_answers(text: str, where: str) -> Answers:
    """The answers file's ``text`` (``where`` names it in errors)."""
    docs = list(read_documents(text))
    for doc in docs:
        for problem in doc.problems:
            raise BlueprintError(problem.message, file=where, line=problem.line)
    data = docs[0].data if docs else None
    if not isinstance(data, dict):
        raise BlueprintError("the answers file must be a mapping (blueprint, version, source, inputs)",
                             file=where, line=1)
    positions = NodePositions(docs[0].root)

    def fail(message: str, *at: str) -> BlueprintError:
        return BlueprintError(message, file=where, line=positions.locate(at)[0] if at else 1)

    name, version, inputs = data.get("blueprint"), data.get("version"), data.get("inputs")
    for key, value, kind in (("blueprint", name, str), ("version", version, str), ("inputs", inputs, dict)):
        if not isinstance(value, kind):
            raise fail(f"{key} must be {'a mapping' if kind is dict else 'text'}", *((key,) if key in data else ()))
    raw_source = data.get("source", {"kind": "bundled"})
    if not isinstance(raw_source, dict) or raw_source.get("kind") not in SOURCE_KINDS:
        raise fail(f"source.kind must be one of {', '.join(SOURCE_KINDS)}", *(("source",) if "source" in data else ()))
    unknown = sorted(set(raw_source) - {"kind", "path", "url", "commit", "subdirectory"})
    if unknown or not all(isinstance(v, str) for v in raw_source.values()):
        raise fail(f"source: unknown key {unknown[0]!r}" if unknown else "source: values must be text", "source")
    generator = data.get("gitops-gen", "")
    assert isinstance(name, str) and isinstance(version, str) and isinstance(inputs, dict)
    return Answers(name, version, inputs, Source(**raw_source), str(generator), where)
