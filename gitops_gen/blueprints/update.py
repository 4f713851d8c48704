"""Updating a rendered repository: the blueprint's changes merged into the user's work by git.

:func:`plan_update` reads the answers file of the user's ``HEAD``, finds the pristine render those
answers made (:mod:`~gitops_gen.blueprints.pristine`; on a fresh clone, renders the recorded
version again), renders the blueprint with the merged inputs, and computes the three-way merge
(base: the old pristine render; yours: ``HEAD``; theirs: the new render) with ``git merge-tree
--write-tree``.  Nothing in the repository changes.  :func:`apply_update` then makes it real:

* no conflict: one commit on a new branch (``gitops-gen/update-<version or date>``; your branch
  and work tree untouched), or on the current branch with ``in_place``;
* conflicts: the new branch is checked out (the current branch with ``in_place``) and the merge
  left there as git leaves any merge, conflicted files with markers and stages
  (``git cherry-pick --continue`` after resolving).

No ``-X ours/theirs``: git decides.  A file the blueprint removed and you edited is a modify/delete
conflict, a binary changed on both sides a conflict, a file you renamed receives the blueprint's
change (rename detection).  A file you deleted stays deleted, even when the blueprint changed it
(listed as ``kept_deleted``).  Any failure restores the branch, the work tree and the pristine ref.
"""

from __future__ import annotations

from gitops_gen.records import record

import datetime
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_gen.blueprints import pristine
from gitops_gen.blueprints.answers import ANSWERS_FILE, Answers, parse_answers
from gitops_gen.blueprints.catalog import BlueprintInfo, find_blueprint, load_blueprint
from gitops_gen.blueprints.changes import ComponentChange, commit_message, input_changes, summarise
from gitops_gen.blueprints.context import running_defaults
from gitops_gen.blueprints.inputs import apply_sets, resolve_inputs
from gitops_gen.blueprints.render import render
from gitops_gen.blueprints.source import recorded_blueprint
from gitops_gen.blueprints.values import parse_set
from gitops_gen.blueprints.vcs import Git, TreeMerge
from gitops_gen.errors import BlueprintError, RepositoryError

BRANCH_PREFIX = "gitops-gen/update-"


@record
class Conflict:
    """A path git could not merge; ``lines`` are the conflict markers' lines (none for a file
    deleted on one side)."""

    path: str
    kind: str
    message: str
    lines: tuple[int, ...] = ()

    def __str__(self) -> str:
        where = f"{self.path}:{self.lines[0]}" if self.lines else self.path
        more = f" (conflict markers at lines {', '.join(map(str, self.lines))})" if len(self.lines) > 1 else ""
        return f"{where}: {self.kind} conflict{': ' + self.message if self.message else ''}{more}"


@record
class UpdatePlan:
    repo: Path
    old: Answers
    new_version: str
    new_inputs: dict[str, Any]
    #: pristine render of the old answers, and how it was found ("pristine ref" or "rendered again")
    base: str
    base_origin: str
    #: the new pristine render (its parents: the old one, and the pristine ref's tip)
    pristine: str
    #: the same render with ``base`` as its only parent: what a conflicted update cherry-picks
    pick: str
    head: str
    changes: tuple[ComponentChange, ...]
    inputs_changed: tuple[str, ...]
    conflicts: tuple[Conflict, ...]
    kept_deleted: tuple[str, ...]
    result_tree: str
    message: str
    up_to_date: bool

    @property
    def behind(self) -> bool:
        """The blueprint at hand has another version than the one recorded."""
        return self.old.version != self.new_version


@record
class UpdateResult:
    plan: UpdatePlan
    #: the branch that received the update ("HEAD" when detached; None when already up to date)
    branch: str | None
    #: the update commit (None when conflicts wait to be resolved, or nothing to do)
    commit: str | None
    conflicts: tuple[Conflict, ...]
    in_place: bool


def plan_update(repo: Path, *, values: Mapping[str, Any] | None = None, sets: Sequence[str] = (),
                blueprint: BlueprintInfo | None = None, require_clean: bool = True) -> UpdatePlan:
    """Everything an update would do, computed without changing the repository (objects aside).

    Raises :class:`RepositoryError` (not a repository's root, uncommitted changes, no answers
    file, the old render cannot be reproduced) or :class:`BlueprintError` (bad inputs).
    """
    repo = Path(repo).resolve()
    git = _open(repo)
    head = git.rev("HEAD^{commit}")
    if head is None:
        raise RepositoryError("the repository has no commit yet", file=str(repo))
    if require_clean:
        check_clean(git)
    answers_blob, answers_bytes, old = _head_answers(git)
    bp = blueprint or recorded_blueprint_at_hand(old)
    if bp.name != old.name:
        raise BlueprintError(f"this repository was rendered from blueprint {old.name!r}, not {bp.name!r}")
    new_values = _new_values(bp, old, values or {}, sets)
    new_inputs = resolve_inputs(bp, new_values)  # bad values stop here, before any render
    with tempfile.TemporaryDirectory(prefix="gitops-gen-update.") as scratch_dir:
        scratch = Path(scratch_dir)
        base = pristine.find(git, answers_blob)
        origin = "pristine ref"
        if base is None:
            base, origin = _render_base(git, bp, old, answers_bytes, scratch), "rendered again"
        new_tree = git.folder_tree(render(bp, scratch / "new", new_values, git_init=False))
    base_tree = git.out("rev-parse", f"{base}^{{tree}}")
    components = tuple(summarise(git, base_tree, new_tree))
    changed_inputs = tuple(input_changes(old.inputs, new_inputs))
    message = commit_message(_title(old, bp), components, changed_inputs)
    tip = pristine.tip(git)
    pick = git.commit_tree(new_tree, message, [base])
    new_pristine = git.commit_tree(new_tree, message, [base] + ([tip] if tip not in (None, base) else []))
    head_tree = git.out("rev-parse", "HEAD^{tree}")
    merge = git.merge(base_tree, head_tree, new_tree)
    conflicts, kept_deleted = _classify(git, merge)
    result = git.tree_without(merge.tree, list(kept_deleted)) if kept_deleted else merge.tree
    _verify_nothing_dropped(git, base_tree, head_tree, new_tree, result, {c.path for c in conflicts})
    return UpdatePlan(repo, old, bp.version, new_inputs, base, origin, new_pristine, pick, head, components,
                      changed_inputs, conflicts, kept_deleted, result, message, base_tree == new_tree)


def apply_update(plan: UpdatePlan, *, branch: str | None = None, in_place: bool = False) -> UpdateResult:
    """Make ``plan`` real (see the module's documentation); the repository must not have moved
    since it was planned.  Raises :class:`RepositoryError` and then leaves everything as it was."""
    git = _open(plan.repo)
    if git.rev("HEAD^{commit}") != plan.head:
        raise RepositoryError("HEAD moved since the update was planned; run the update again", file=str(plan.repo))
    check_clean(git)
    if plan.up_to_date:
        return UpdateResult(plan, None, None, (), in_place)
    target = (git.current_branch() or "HEAD") if in_place else _branch_name(git, plan, branch)
    previous_tip = pristine.tip(git)
    original = git.current_branch() or plan.head
    commit = None
    try:
        if not plan.conflicts:
            commit = git.commit_tree(plan.result_tree, plan.message, [plan.head])
            if in_place:
                git.run("merge", "--ff-only", "--quiet", commit)
            else:
                assert target is not None
                git.run("branch", target, commit)
        else:
            if not in_place:
                assert target is not None
                git.run("checkout", "--quiet", "-b", target)
            git.run("cherry-pick", "--no-rerere-autoupdate", plan.pick, ok=(0, 1))
            if not git.git_path("CHERRY_PICK_HEAD").exists():
                raise RepositoryError("git merged without the conflicts it had computed; nothing was changed")
            if plan.kept_deleted:
                git.run("rm", "--quiet", "-f", "--ignore-unmatch", "--", *plan.kept_deleted)
        pristine.advance(git, plan.pristine, previous_tip)
    except BaseException:
        _roll_back(git, original, None if in_place else target, previous_tip, plan.head)
        raise
    conflicts = tuple(_with_lines(c, plan.repo) for c in plan.conflicts)
    return UpdateResult(plan, target, commit, conflicts, in_place)


def check_clean(git: Git) -> None:
    """Refuse a repository with a git operation under way or uncommitted changes."""
    doing = git.operation_in_progress()
    if doing:
        raise RepositoryError(f"{doing} is in progress; finish or abort it first", file=str(git.root))
    dirty = git.status()
    if dirty:
        shown = ", ".join(line[3:] for line in dirty[:5]) + (", ..." if len(dirty) > 5 else "")
        raise RepositoryError(f"the work tree has uncommitted changes ({len(dirty)} file(s): {shown}); commit or "
                              "stash them first: an update merges into committed work only", file=str(git.root))


def _open(repo: Path) -> Git:
    if not repo.is_dir():
        raise RepositoryError("no such folder", file=str(repo))
    git = Git(repo)
    top = git.toplevel()
    if top is None:
        raise RepositoryError("not a git repository (gitops-gen new makes one; update merges with git)",
                              file=str(repo))
    if top.resolve() != repo.resolve():
        raise RepositoryError(f"give the repository's root folder ({top})", file=str(repo))
    return git


def head_answers(repo: Path) -> Answers:
    """The answers file of ``repo``'s ``HEAD`` (:class:`RepositoryError` when there is none)."""
    return _head_answers(_open(Path(repo).resolve()))[2]


def _head_answers(git: Git) -> tuple[str, bytes, Answers]:
    answers_blob = git.rev(f"HEAD:{ANSWERS_FILE}")
    if answers_blob is None:
        legacy = b"\nblueprint:" in (git.blob("HEAD", ".gitops-gen.yaml") or b"")
        hint = (f"; an older gitops-gen recorded them under blueprint: in .gitops-gen.yaml: write its name, version "
                f"and inputs to {ANSWERS_FILE} as blueprint:, version: and inputs:" if legacy
                else " (gitops-gen new writes it)")
        raise RepositoryError(f"no answers file {ANSWERS_FILE} in HEAD: gitops-gen does not know which blueprint "
                              f"rendered this repository{hint}", file=str(git.root))
    answers_bytes = git.run("cat-file", "blob", answers_blob).stdout
    return answers_blob, answers_bytes, parse_answers(answers_bytes.decode("utf-8", "replace"),
                                                      f"{ANSWERS_FILE} (HEAD)")


def recorded_blueprint_at_hand(old: Answers) -> BlueprintInfo:
    """The blueprint the answers name, where they say it is (bundled, or its folder)."""
    if old.source.kind == "bundled":
        return find_blueprint(old.name)
    if old.source.path and Path(old.source.path).is_dir():
        return load_blueprint(Path(old.source.path))
    raise RepositoryError(f"the blueprint this repository was rendered from ({old.source.describe()}) is not here; "
                          "give its folder with --blueprint PATH")


def _new_values(bp: BlueprintInfo, old: Answers, values: Mapping[str, Any], sets: Sequence[str]) -> dict[str, Any]:
    """The recorded inputs the blueprint still has, a values file's inputs over them (whole), then
    ``--set`` edits.  A pin of gitops-gen that is the recording gitops-gen's own default follows
    the running gitops-gen, as in a new render."""
    known = {item.name for item in bp.inputs}
    inputs = {k: v for k, v in old.inputs.items() if k in known}
    if old.generator:
        for key, value in running_defaults(old.generator).items():
            if inputs.get(key) == value:
                del inputs[key]
    inputs.update(values)
    return apply_sets(bp, inputs, parse_set(list(sets), bp.schema))


def _render_base(git: Git, bp: BlueprintInfo, old: Answers, answers_bytes: bytes, scratch: Path) -> str:
    """The old answers rendered again by the recorded version of the blueprint, as a commit."""
    base_bp: BlueprintInfo | None = bp if bp.version == old.version else None
    if base_bp is None:
        base_bp = recorded_blueprint(old.source, scratch / "recorded-blueprint")
    if base_bp is None or base_bp.version != old.version or base_bp.name != old.name:
        raise RepositoryError(
            f"cannot reproduce the render this repository started from ({old.name} {old.version}): its pristine "
            f"render is not in this clone ({pristine.PRISTINE_REF}; `git fetch origin "
            f"{pristine.PRISTINE_REF}:{pristine.PRISTINE_REF}` if it was pushed), and the blueprint at hand is "
            f"version {bp.version}; give the {old.version} blueprint's folder with --blueprint to update to it "
            "first", file=str(git.root))
    folder = render(base_bp, scratch / "old", old.inputs, git_init=False, source=old.source)
    (folder / ANSWERS_FILE).write_bytes(answers_bytes)  # the answers as they were written then
    commit = git.commit_tree(git.folder_tree(folder), f"Pristine render of {old.name} {old.version} (rendered "
                             "again)", [])
    shutil.rmtree(folder, ignore_errors=True)
    return commit


def _title(old: Answers, bp: BlueprintInfo) -> str:
    versions = f"{old.version} -> {bp.version}" if old.version != bp.version else bp.version
    return f"gitops-gen update: {bp.name} {versions}"


def _classify(git: Git, merge: TreeMerge) -> tuple[tuple[Conflict, ...], tuple[str, ...]]:
    kinds: dict[str, list[tuple[str, str]]] = {}
    for kind, paths, text in merge.messages:
        if kind.startswith("CONFLICT") or "binary" in kind.lower():
            for path in paths:
                kinds.setdefault(path, []).append((kind, text))
    conflicts: list[Conflict] = []
    kept: list[str] = []
    for entry in merge.conflicts:
        found = kinds.get(entry.path, [])
        labels = {k for k, _ in found}
        if entry.stages == (1, 3) and any("modify/delete" in k for k in labels):
            kept.append(entry.path)  # you deleted it, the blueprint changed it: it stays deleted
            continue
        kind = _kind(entry.stages, labels)
        text = "; ".join(dict.fromkeys(t.partition("): ")[2] or t for _, t in found if t.startswith("CONFLICT")))
        lines = _marker_lines(git.blob(merge.tree, entry.path) or b"") if kind == "content" else ()
        conflicts.append(Conflict(entry.path, kind, text, lines))
    return tuple(conflicts), tuple(kept)


def _verify_nothing_dropped(git: Git, base: str, head: str, new: str, result: str, conflicted: set[str]) -> None:
    """A safety net under git: every file you changed, added or deleted that the blueprint did not
    touch is in the result exactly as in your ``HEAD`` (renames aside, which carry the blueprint's
    changes).  An update never reports success while dropping a change."""
    yours = git.changed_paths(base, head, renames=True)
    blueprints = git.changed_paths(base, new)
    differs = git.changed_paths(head, result)
    dropped = sorted(path for path, status in yours.items() if status in "ADMT" and path not in blueprints
                     and path in differs and path not in conflicted)
    if dropped:
        raise RepositoryError(f"the merge would lose your change to {', '.join(dropped[:5])}; nothing was changed "
                              "(please report this)")


def _kind(stages: tuple[int, ...], labels: set[str]) -> str:
    text = " ".join(labels).lower()
    if "binary" in text:
        return "binary"
    if stages == (1, 2):
        return "modify/delete (the blueprint removed it; you changed it)"
    if "add/add" in text or stages == (2, 3):
        return "add/add (you and the blueprint both added it)"
    if "rename" in text:
        return "rename"
    return "content"


def _marker_lines(data: bytes) -> tuple[int, ...]:
    if b"\0" in data[:8000]:
        return ()
    return tuple(n for n, line in enumerate(data.splitlines(), start=1) if line.startswith(b"<<<<<<< "))


def _with_lines(conflict: Conflict, repo: Path) -> Conflict:
    """The markers' lines as the work tree holds them (your merge.conflictStyle may add lines)."""
    path = repo / conflict.path
    if conflict.kind != "content" or not path.is_file():
        return conflict
    return Conflict(conflict.path, conflict.kind, conflict.message, _marker_lines(path.read_bytes()))


def _branch_name(git: Git, plan: UpdatePlan, wanted: str | None) -> str:
    if wanted is not None:
        if not git.valid_branch_name(wanted):
            raise RepositoryError(f"{wanted!r} is not a valid branch name")
        if git.rev(f"refs/heads/{wanted}") is not None:
            raise RepositoryError(f"branch {wanted} exists already; choose another with --branch")
        return wanted
    stem = BRANCH_PREFIX + (plan.new_version if plan.behind else datetime.date.today().isoformat())
    name, n = stem, 1
    while git.rev(f"refs/heads/{name}") is not None:
        n += 1
        name = f"{stem}-{n}"
    return name


def _roll_back(git: Git, original: str, created: str | None, previous_tip: str | None, head: str) -> None:
    """Undo an update that failed half way: abort the cherry-pick, return to the original branch
    (whose work tree was clean), delete the branch made for the update, put the pristine ref back."""
    if git.git_path("CHERRY_PICK_HEAD").exists():
        git.run("cherry-pick", "--abort", ok=(0, 1, 128))
    if created is not None:
        if git.current_branch() == created:
            git.run("checkout", "--quiet", "-f", original, ok=(0, 1, 128))
        if git.rev(f"refs/heads/{created}") is not None:
            git.run("branch", "-D", created, ok=(0, 1))
    elif git.rev("HEAD") != head:
        git.run("reset", "--quiet", "--hard", head, ok=(0, 1, 128))
    pristine.restore(git, previous_tip)
