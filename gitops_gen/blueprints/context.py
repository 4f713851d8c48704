"""The template context, built the way ``cookiecutter --no-input`` builds it, minus its one hazard.

cookiecutter merges the user's values into ``cookiecutter.json`` and then renders *every* value
as a Jinja template (its prompt step), so a value such as ``{{ cycler.__init__... }}`` given on
the command line would be evaluated.  Here only the template author's defaults are rendered,
exactly as cookiecutter renders them (in file order, simple variables first, then mappings, each
seeing the variables before it); the user's values are laid over them as data and never rendered.

cookiecutter hands templates every scalar as a string (it renders ``8`` to ``"8"``) while keeping
booleans and ``None``; user values are presented the same way, so a template sees the same types
whether a value came from the defaults or from the user, and renders the same bytes as
cookiecutter would for the same answers.  The typed answers (``8`` stays ``8``) are what is
validated and what the answers file records.

One deliberate difference: cookiecutter merges a mapping given for a mapping input into the
default mapping; here a given input replaces its default whole (see :func:`build`), and partial
edits are ``--set`` paths (:func:`gitops_gen.blueprints.inputs.apply_sets`).

One deliberate addition: a few defaults belong to the running gitops-gen, not to the template
(:func:`running_defaults`): ``gitops_gen_requirement``, what the generated CI and pre-commit install
to run the gate, defaults to this very version (``gitops-gen==<version>``), so a repository is
checked in CI by the gitops-gen that rendered it.  ``cookiecutter.json`` states the same pin for
plain cookiecutter, and a test keeps the two equal.
"""

from __future__ import annotations

import contextlib
import copy
import sys
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from cookiecutter.environment import StrictEnvironment
from cookiecutter.utils import create_env_with_context

PROMPTS_KEY = "__prompts__"
#: cookiecutter changes the working directory (and, for local extensions, ``sys.path``) while it
#: renders: both belong to the whole process, so renders in one process take turns.
RENDER_LOCK = threading.RLock()


@contextlib.contextmanager
def template_imports(path: str, options: Mapping[str, Any]) -> Iterator[None]:
    """Let a template's local Jinja extensions (``_extensions``) import from its folder, as
    cookiecutter does, and put ``sys.path`` back afterwards."""
    if not options.get("_extensions"):
        yield
        return
    with RENDER_LOCK:
        saved = list(sys.path)
        sys.path.append(path)
        try:
            yield
        finally:
            sys.path[:] = saved


@dataclass(slots=True)
class Built:
    #: Public inputs, typed, in cookiecutter.json order: what is validated and recorded.
    answers: dict[str, Any]
    #: ``context["cookiecutter"]`` as templates see it.
    cookiecutter: OrderedDict[str, Any]
    #: ``context["_cookiecutter"]`` as cookiecutter's main() sets it (the unrendered options).
    raw: dict[str, Any]
    #: The rendered choices of each choice variable.
    choices: dict[str, list[Any]] = field(default_factory=dict)


def environment(options: Mapping[str, Any]) -> StrictEnvironment:
    """cookiecutter's own Jinja environment for a template (StrictUndefined, its extensions)."""
    env: StrictEnvironment = create_env_with_context({"cookiecutter": dict(options)})
    return env


def markers(env: StrictEnvironment) -> tuple[str, ...]:
    """The Jinja delimiters of ``env``: text containing one of them is refused in user values."""
    found = {env.variable_start_string, env.block_start_string, env.comment_start_string,
             env.line_statement_prefix, env.line_comment_prefix}
    return tuple(sorted(m for m in found if m))


def present(value: Any) -> Any:
    """A typed value as cookiecutter's rendering would hand it to templates."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Mapping):
        return {str(k): present(v) for k, v in value.items()}
    if isinstance(value, list):
        return [present(v) for v in value]
    return str(value)


def merge(base: Any, override: Any) -> Any:
    """``override`` laid over ``base``: mappings merge key by key, a ``None`` value deletes the key
    (as in Helm values), anything else replaces.  Neither argument is modified."""
    if not isinstance(base, Mapping) or not isinstance(override, Mapping):
        return copy.deepcopy(override)
    out = {k: copy.deepcopy(v) for k, v in base.items()}
    for key, value in override.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(out.get(key), Mapping) and isinstance(value, Mapping):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def running_defaults(version: str | None = None) -> dict[str, str]:
    """Defaults the running gitops-gen supplies itself, whatever ``cookiecutter.json`` says: the
    requirement that installs this version of gitops-gen (the version that renders; ``version``:
    what another version supplied)."""
    from gitops_gen import __version__  # the package's root imports the blueprints

    return {"gitops_gen_requirement": f"gitops-gen=={version or __version__}"}


def _render(env: StrictEnvironment, raw: Any, ctx: Mapping[str, Any]) -> Any:
    """A template author's default, rendered as cookiecutter does, but keeping non-string types."""
    if isinstance(raw, str):
        return env.from_string(raw).render(cookiecutter=ctx)
    if isinstance(raw, Mapping):
        return {str(_render(env, k, ctx)): _render(env, v, ctx) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_render(env, v, ctx) for v in raw]
    return raw


class DefaultError(Exception):
    """A default of ``cookiecutter.json`` failed to render (wraps the Jinja error)."""

    def __init__(self, key: str, error: Exception) -> None:
        super().__init__(f"{key}: {error}")
        self.key = key
        self.error = error


def build(options: Mapping[str, Any], given: Mapping[str, Any],
          env: StrictEnvironment | None = None) -> Built:
    """Defaults rendered, ``given`` (already checked for Jinja and unknown keys) laid over them.

    A given input replaces its default whole, mappings included (an answer is a value: three teams
    given means three teams, and recorded answers render the same repository again); ``None``
    means "use the default".  Raises :class:`DefaultError`.
    """
    env = env or environment(options)
    ctx: OrderedDict[str, Any] = OrderedDict()
    answers: dict[str, Any] = {}
    choices: dict[str, list[Any]] = {}
    mappings: list[str] = []
    running = {key: value for key, value in running_defaults().items()
               if isinstance(options.get(key), str)}  # only a declared plain-text input
    for key, raw in options.items():
        if key == PROMPTS_KEY:
            continue
        if key.startswith("_") and not key.startswith("__"):
            ctx[key] = raw
            continue
        try:
            if key.startswith("__"):
                ctx[key] = present(_render(env, raw, ctx))
                continue
            if isinstance(raw, Mapping):
                mappings.append(key)
                continue
            if isinstance(raw, list):
                rendered = [_render(env, present(choice), ctx) for choice in raw]
                choices[key] = rendered
                typed_choice = bool(raw) and not isinstance(raw[0], str)
                default = raw[0] if typed_choice else (rendered[0] if rendered else None)
            elif key in running:
                default = running[key]
            else:
                default = _render(env, raw, ctx)
        except Exception as exc:  # jinja2 raises many kinds; all are the template author's
            raise DefaultError(key, exc) from exc
        value = given[key] if given.get(key) is not None else default
        answers[key] = value
        ctx[key] = present(value)
    for key in mappings:
        try:
            default = _render(env, options[key], ctx)
        except Exception as exc:
            raise DefaultError(key, exc) from exc
        value = copy.deepcopy(given[key]) if given.get(key) is not None else default
        answers[key] = value
        ctx[key] = present(value)
    ordered = {key: answers[key] for key in options if key in answers}
    # cookiecutter's main() updates its context in place, so templates see cookiecutter.json's order
    ctx = OrderedDict((key, ctx[key]) for key in options if key in ctx)
    raw_view: dict[str, Any] = {}
    for key, raw in options.items():
        if key.startswith("_"):
            continue
        if given.get(key) is not None:
            if isinstance(raw, list) and present(given[key]) in choices[key]:
                chosen = choices[key].index(present(given[key]))
                raw_view[key] = [raw[chosen], *raw[:chosen], *raw[chosen + 1:]]
            else:
                raw_view[key] = copy.deepcopy(ordered[key])
        else:
            raw_view[key] = running.get(key, copy.deepcopy(raw))
    return Built(ordered, ctx, raw_view, choices)
