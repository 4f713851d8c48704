"""Reading back the answers a rendered repository records about itself.

The template writes them into the repository's ``.gitops-gen.yaml`` (which is also its policy
configuration), under ``blueprint``::

    blueprint:
      name: ml-platform
      version: 0.1.0
      inputs: {project_name: ML Platform, ...}   # every public input, typed; no private keys

``render(find_blueprint(a.name), parent, a.inputs)`` renders the same repository again, which is
what a future ``gitops-gen update`` builds on (render old and new, merge as git does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_gen.errors import BlueprintError
from gitops_gen.manifests.yamlread import NodePositions, read_documents

ANSWERS_FILE = ".gitops-gen.yaml"
SECTION = "blueprint"


@dataclass(frozen=True, slots=True)
class Answers:
    name: str
    version: str
    inputs: dict[str, Any]
    file: str


def read_answers(repo: Path) -> Answers:
    """The ``blueprint`` section of ``repo/.gitops-gen.yaml``; :class:`BlueprintError` with file and line."""
    path = Path(repo) / ANSWERS_FILE
    where = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BlueprintError(f"cannot read the answers file: {exc}", file=where) from None
    docs = list(read_documents(text))
    for doc in docs:
        for problem in doc.problems:
            raise BlueprintError(problem.message, file=where, line=problem.line)
    data = docs[0].data if docs else None
    if not isinstance(data, dict) or not isinstance(data.get(SECTION), dict):
        raise BlueprintError(f"no {SECTION!r} section: this repository does not say which blueprint made it",
                             file=where, line=1)
    positions = NodePositions(docs[0].root)
    section = data[SECTION]
    name, version, inputs = section.get("name"), section.get("version"), section.get("inputs")
    for field, value, kind in (("name", name, str), ("version", version, str), ("inputs", inputs, dict)):
        if not isinstance(value, kind):
            raise BlueprintError(f"{SECTION}.{field} must be {'a mapping' if kind is dict else 'text'}",
                                 file=where, line=positions.locate((SECTION, field))[0])
    assert isinstance(name, str) and isinstance(version, str) and isinstance(inputs, dict)
    return Answers(name, version, inputs, where)
