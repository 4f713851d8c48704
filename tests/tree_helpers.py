"""Small trees of manifests written in ``tmp_path``, shared by the engine and kustomize tests.

Importable from every test folder (like ``expect_markers``).
"""

from __future__ import annotations

from pathlib import Path

#: A Deployment as a kustomize base holds it: no selector (the overlay's labels add one) and an
#: explicit ``namespace: default`` (the overlay's namespace replaces it).
BASE_DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: ghcr.io/acme/web:1.0.0}]
"""


def write(path: Path, text: str) -> Path:
    """Write ``text`` at ``path``, making its folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path
