{% raw %}"""Post-generation step of the ml-platform blueprint (runs in the rendered repository's root).

1. Split bundles.  Cookiecutter cannot loop over file names, so per-team and per-environment
   files are rendered into ``*.bundle`` files, each section starting with a marker line
   ``#@file <path relative to the repository root>``.  Every section becomes its own file and
   the bundle is removed.
2. Remove files that rendered to nothing (the manifests of components switched off), then
   folders left empty.
3. Draw the app-of-apps graph (Mermaid) into README.md, with gitops-gen when it is installed.

Deterministic: bundles, sections and removals are processed in sorted order; nothing depends on
the time, the environment or the machine.  Exits non-zero (and cookiecutter then removes the
half-made output) if a bundle is malformed.
"""

from __future__ import annotations

import sys
from pathlib import Path, PurePosixPath

MARKER = "#@file "
BUNDLE_SUFFIX = ".bundle"


def _safe_relative(raw: str, bundle: Path) -> PurePosixPath:
    path = PurePosixPath(raw.strip())
    if not raw.strip() or path.is_absolute() or ".." in path.parts or "\\" in raw:
        raise SystemExit(f"{bundle}: unsafe or empty target path {raw!r} in a {MARKER!r} line")
    return path


def split_bundle(root: Path, bundle: Path) -> list[Path]:
    sections: list[tuple[PurePosixPath, list[str]]] = []
    for number, line in enumerate(bundle.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith(MARKER):
            sections.append((_safe_relative(line[len(MARKER):], bundle), []))
        elif sections:
            sections[-1][1].append(line)
        elif line.strip():
            raise SystemExit(f"{bundle}:{number}: text before the first {MARKER!r} line")
    written: list[Path] = []
    seen: set[PurePosixPath] = set()
    for rel, lines in sections:
        if rel in seen:
            raise SystemExit(f"{bundle}: {rel} is written twice")
        seen.add(rel)
        text = "\n".join(lines).strip("\n")
        target = root.joinpath(*rel.parts)
        if target.exists():
            raise SystemExit(f"{bundle}: {rel} already exists in the template")
        if not text.strip():
            continue  # a section switched off by its input
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
        written.append(target)
    bundle.unlink()
    return written


def remove_empty(root: Path) -> None:
    for path in sorted(root.rglob("*"), reverse=True):
        if path.is_symlink():
            continue
        if path.is_file() and not path.read_text(encoding="utf-8").strip():
            path.unlink()
    for path in sorted((p for p in root.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(path.iterdir()):
            path.rmdir()


GRAPH_BEGIN = "<!-- gitops-gen graph: begin -->"
GRAPH_END = "<!-- gitops-gen graph: end -->"


def draw_graph(root: Path) -> None:
    """Put the app-of-apps graph into README.md between its markers, drawn by gitops-gen itself
    when it is installed beside cookiecutter (plain cookiecutter without it keeps the hint)."""
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8") if readme.is_file() else ""
    if GRAPH_BEGIN not in text or GRAPH_END not in text:
        return
    try:
        from gitops_gen.argocd.render import render_graph
        from gitops_gen.argocd.resolve import build_graph
    except ImportError:
        return
    drawn = render_graph(build_graph(str(root), use_kubectl=False), "mermaid")
    head, _, rest = text.partition(GRAPH_BEGIN)
    _, _, tail = rest.partition(GRAPH_END)
    readme.write_text(f"{head}{GRAPH_BEGIN}\n```mermaid\n{drawn}```\n{GRAPH_END}{tail}", encoding="utf-8")


def main() -> None:
    root = Path.cwd()
    for bundle in sorted(root.rglob("*" + BUNDLE_SUFFIX)):
        split_bundle(root, bundle)
    remove_empty(root)
    draw_graph(root)


if __name__ == "__main__":
    try:
        main()
    except SystemExit as exc:
        if exc.code not in (None, 0):
            print(f"ml-platform blueprint: {exc.code}", file=sys.stderr)
            raise SystemExit(1) from None
        raise
{% endraw %}
