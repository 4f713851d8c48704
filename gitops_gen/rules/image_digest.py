"""image-digest: a container image is not pinned by digest.

Only a digest (``image@sha256:...``) names fixed content: every tag, ``1.4.2`` included, can be
pushed again, by the vendor or by anyone who gets write access to the repository.  A digest also
makes what runs reviewable in the pull request (what was signed and scanned is what is pulled)
and lets Argo CD notice an image change as a manifest change.  Kyverno
``require-image-checksum`` reports the same.

Every container the walker finds is read; templated images, and placeholders that are no
image reference at all (a space in them), are skipped.  One finding per image,
on its ``image:`` line.  Tools like Renovate keep digests current beside the readable tag
(``ghcr.io/acme/server:1.4.2@sha256:...``, which this rule accepts).

Sub-check ``not-digest``.  Severity ``low``, and **off in the default preset, on in
``strict``**: most teams pin tags and let ``image-tag-unpinned`` refuse ``latest``; digests
everywhere are the supply-chain-hardened setting.

Options: none.

PASS::

    containers:
    - name: server
      image: ghcr.io/acme/server:1.4.2@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08

FAIL::

    containers:
    - name: server
      image: ghcr.io/acme/server:1.4.2     # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.image_tag_unpinned import literal_images
from gitops_gen.rules.podspec import WORKLOAD_KINDS

ID = "image-digest"
SEVERITY = Severity.LOW
CATEGORY = "images"
DESCRIPTION = "Container image not pinned by digest (strict preset)."
OPTIONS: dict[str, Option] = {}
KINDS = WORKLOAD_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for container, image, ref in literal_images(resource):
        if ref.digest is None:
            yield Violation(f"{container.label} ({container.pod.owner}) uses {image!r}, which is not pinned by "
                            "digest: the tag can be pushed again; pin it as image:tag@sha256:...",
                            (*container.path, "image"), at_value=True, check="not-digest")
