"""image-tag-unpinned: a container image has no tag, the ``latest`` tag, or comes from a registry
that is not allowed.

An image without a tag means ``:latest``, and ``latest`` means "whatever was pushed last": two
nodes pulling minutes apart can run different code, a rollback re-pulls the same moving tag,
and nobody can tell from Git what is running.  Pin a version tag, or better a digest
(``image@sha256:...``), which cannot move at all.  kube-linter ``latest-tag``, Polaris
``tagNotSpecified``, checkov CKV_K8S_14/CKV_K8S_43 report the same.

How references are read: ``[registry[:port]/]path[:tag][@digest]``.  A digest pins the image
whatever the tag says.  A colon in the first component is a registry port, not a tag, so
``registry.local:5000/team/app`` has no tag.  Values holding template placeholders
(``{{inputs.parameters.image}}``, ``${IMAGE}``, Tekton's ``$(params.image)``) are not judged.

Every container the pod-spec walker finds is checked (containers, init and ephemeral
containers, KServe custom predictors and ServingRuntimes, Seldon components, Notebooks,
training-job replicas, Argo Workflow templates...).  KServe ``model:`` shortcuts without an
``image`` use the ServingRuntime's image, which is checked where the runtime is defined.

Sub-checks and locations (on the ``image:`` value):

- ``no-tag`` / ``latest-tag``: the image is not pinned;
- ``registry-not-allowed``: with ``allowed-registries`` set, the image comes from elsewhere.

Options:

``allowed-registries`` (list, default ``[]`` = any registry)
    Registries (``ghcr.io``, ``123456789012.dkr.ecr.us-east-1.amazonaws.com``) or registry
    paths (``ghcr.io/acme``) images must come from.  Images without a registry are Docker Hub
    images (``docker.io``); list ``docker.io`` (or ``docker.io/library``) to allow them.

PASS::

    containers:
    - name: server
      image: nvcr.io/nvidia/tritonserver:24.08-py3
    - name: sidecar
      image: ghcr.io/acme/proxy@sha256:7c8f1e2d3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d

FAIL::

    containers:
    - name: notebook
      image: jupyter/scipy-notebook            # <- no tag: latest
    - name: server
      image: registry.local:5000/team/app      # <- the :5000 is a port, still no tag
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import lru_cache

from gitops_gen.model import Resource, Severity
from gitops_gen.records import record
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._util import string_items, templated
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import Container, all_containers

ID = "image-tag-unpinned"
SEVERITY = Severity.MEDIUM
CATEGORY = "images"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Container image without a tag or digest, tagged 'latest', or from a registry not allowed."
OPTIONS: dict[str, Option] = {
    "allowed-registries": Option(list[str], []),
}

DOCKER_HUB = "docker.io"


@record
class ImageRef:
    """A container image reference split into its parts."""

    registry: str
    path: str
    tag: str | None
    digest: str | None

    @property
    def repository(self) -> str:
        return f"{self.registry}/{self.path}"


@lru_cache(maxsize=4096)
def parse_image(image: str) -> ImageRef:
    """Split ``image`` as the container runtime does (Docker Hub when no registry is named).  A
    tree names the same images again and again, and three rules ask: each is split once."""
    rest, _, digest = image.strip().partition("@")
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, name = first.lower(), remainder
    else:
        registry, name = DOCKER_HUB, rest
    if registry == "index.docker.io":
        registry = DOCKER_HUB
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    tag = None
    if colon > last_slash:
        name, tag = name[:colon], name[colon + 1:]
    if registry == DOCKER_HUB and "/" not in name:
        name = f"library/{name}"
    return ImageRef(registry, name, tag, digest or None)


def literal_images(resource: Resource) -> Iterator[tuple[Container, str, ImageRef]]:
    """(container, image, its reference) of every container whose image is a literal reference:
    not templated, and not a placeholder such as ``FILLED BY THE OPERATOR``."""
    for container in all_containers(resource):
        image = container.container.get("image")
        if not isinstance(image, str) or len(image.split(maxsplit=1)) != 1 or templated(image) or "$(" in image:
            continue
        yield container, image, parse_image(image)


def _allowed(ref: ImageRef, allowed: Sequence[str]) -> bool:
    for entry in allowed:
        prefix = entry.strip().rstrip("/").lower()
        if prefix.startswith("index.docker.io"):
            prefix = DOCKER_HUB + prefix[len("index.docker.io"):]
        if prefix and (ref.repository.lower() == prefix or ref.repository.lower().startswith(prefix + "/")):
            return True
    return False


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    allowed = string_items(ctx.options.get("allowed-registries"))
    for container in all_containers(resource):
        image = container.container.get("image")
        if not isinstance(image, str) or not image.strip() or templated(image) or "$(" in image:
            continue
        ref = parse_image(image)
        label = container_label(container)
        at = (*container.path, "image")
        pin = "pin a version tag or a digest"
        if ref.digest is None and not ref.tag:
            yield Violation(f"{label} uses image {image!r} without a tag, which means 'latest'; {pin}",
                            at, True, "no-tag")
        elif ref.digest is None and ref.tag == "latest":
            yield Violation(f"{label} uses image {image!r} with the moving 'latest' tag; {pin}",
                            at, True, "latest-tag")
        if allowed and not _allowed(ref, allowed):
            yield Violation(f"{label} pulls image {image!r} from {ref.registry}, which is not an allowed "
                            f"registry ({', '.join(allowed)})", at, True, "registry-not-allowed")
