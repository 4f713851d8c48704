"""Blueprints: cookiecutter templates plus metadata, rendered into new Argo CD repositories.

The library API behind ``gitops-gen blueprints`` and ``gitops-gen new``::

    bp = find_blueprint("ml-platform")                # or a folder path
    values = apply_sets(bp, load_values_file(path), parse_set(["teams.research.gpu_quota=4"]))
    answers = resolve_inputs(bp, values)               # validated before anything is written
    repo = render(bp, Path("."), values)               # -> ./<repo_name>, a git repo with one commit
    a = read_answers(repo)                             # what .gitops-gen/answers.yaml records
    render(find_blueprint(a.name), elsewhere, a.inputs)    # the same repository again

Updating a rendered repository (``gitops-gen update``)::

    plan = plan_update(repo, sets=["teams.nlp.group=nlp-team"])   # computed; nothing changes
    result = apply_update(plan)                        # a branch gitops-gen/update-..., or conflicts

A given input replaces its default whole; ``--set`` paths edit it (see :func:`apply_sets`).

Errors are :class:`~gitops_gen.errors.BlueprintError` (bad values: its subclass
:class:`InputsError`, with every problem and its key path).
"""

from gitops_gen.blueprints.answers import ANSWERS_FILE, Answers, Source, read_answers
from gitops_gen.blueprints.catalog import (
    BlueprintInfo,
    InputInfo,
    find_blueprint,
    list_blueprints,
    load_blueprint,
)
from gitops_gen.blueprints.inputs import InputProblem, InputsError, apply_sets, resolve_inputs
from gitops_gen.blueprints.render import render
from gitops_gen.blueprints.update import Conflict, UpdatePlan, UpdateResult, apply_update, plan_update
from gitops_gen.blueprints.values import load_values_file, merge_values, parse_set

__all__ = [
    "ANSWERS_FILE",
    "Answers",
    "BlueprintInfo",
    "Conflict",
    "InputInfo",
    "InputProblem",
    "InputsError",
    "Source",
    "UpdatePlan",
    "UpdateResult",
    "apply_update",
    "apply_sets",
    "find_blueprint",
    "list_blueprints",
    "load_blueprint",
    "load_values_file",
    "merge_values",
    "parse_set",
    "plan_update",
    "read_answers",
    "render",
    "resolve_inputs",
]
