"""image-pull-policy: an image that can move (any tag, not a digest) is not pulled ``Always``.

A tag is a pointer: ``1.4.2`` can be pushed again as easily as ``latest``.  With
``imagePullPolicy: IfNotPresent`` each node keeps whatever it pulled first, so two replicas of one
Deployment can run different code, and a re-pushed fix never reaches nodes that have the old
image.  Either pin the image by digest (``image-digest``; the better fix) or pull ``Always``.
Polaris ``pullPolicyNotAlways``, Kyverno ``imagepullpolicy-always`` / ``always-pull-images`` and
kube-score "Container Image Pull Policy" report the same.

Every container the walker finds is read, looking through what it inherits (an Argo
``templateDefaults.container``, a Tekton ``stepTemplate``).  Not reported: images pinned by
digest (``@sha256:...``), templated images, and images without a tag or tagged ``latest`` with no
``imagePullPolicy`` (Kubernetes pulls those ``Always`` by default; ``image-tag-unpinned`` reports
the tag).  The finding is on ``imagePullPolicy:`` when it is written, else on ``image:``.

Sub-check ``not-always``.  Severity ``low``, and **off in the default preset, on in
``strict``**: ``Always`` puts the registry on the path of every restart and every scale-up (a
new GPU node pulling a 15 GB serving image), which many platforms rightly refuse; the fix most
teams want is the digest, which ``image-digest`` asks for.

Options: none.

PASS::

    containers:
    - name: server
      image: ghcr.io/acme/server:1.4.2
      imagePullPolicy: Always
    - name: sidecar
      image: ghcr.io/acme/proxy@sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08

FAIL::

    containers:
    - name: server
      image: ghcr.io/acme/server:1.4.2
      imagePullPolicy: IfNotPresent   # <- reported
"""

from __future__ import annotations

from collections.abc import Iterator

from gitops_gen.model import Resource, Severity
from gitops_gen.rules._util import templated
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.image_tag_unpinned import literal_images
from gitops_gen.rules.podspec import WORKLOAD_KINDS

ID = "image-pull-policy"
SEVERITY = Severity.LOW
CATEGORY = "images"
DESCRIPTION = "Image not pinned by digest and not pulled with imagePullPolicy: Always (strict preset)."
OPTIONS: dict[str, Option] = {}
KINDS = WORKLOAD_KINDS


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    for container, image, ref in literal_images(resource):
        if ref.digest is not None:
            continue
        policy = container.container.get("imagePullPolicy")
        where = (*container.path, "imagePullPolicy")
        for layer in container.inherits:
            if policy is None:
                policy, where = layer.data.get("imagePullPolicy"), (*layer.path, "imagePullPolicy")
        if policy == "Always" or templated(policy):
            continue
        if policy is None and ref.tag in (None, "latest"):
            continue  # Kubernetes pulls these Always
        at = where if policy is not None else (*container.path, "image")
        shown = f"imagePullPolicy {policy}" if policy is not None else "the default imagePullPolicy IfNotPresent"
        yield Violation(f"{container.label} ({container.pod.owner}) runs {image!r} with {shown}: a tag can be "
                        "pushed again, and each node keeps the image it pulled first; pin the image by digest or "
                        "pull it Always", at, at_value=True, check="not-always")
