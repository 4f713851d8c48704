"""Small trees of manifests written in ``tmp_path``, shared by the engine and kustomize tests.

Importable from every test folder (like ``expect_markers``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


#: A Deployment to format with ``i`` (its number), ``ns`` (team-<ns>), ``tag`` (":1.27.0" or "")
#: and ``priv`` ("true"/"false"): trees of many similar workloads for pipeline and cache tests.
DEPLOY_TEMPLATE = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-{i}
  namespace: team-{ns}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: nginx{tag}
          securityContext:
            privileged: {priv}
"""


def commit_all(root: Path, message: str = "base") -> Any:
    """Make ``root`` a git repository on branch main with everything in it committed (gitpython)."""
    import git

    repo = git.Repo.init(root, initial_branch="main")
    with repo.config_writer() as config:
        config.set_value("user", "name", "test")
        config.set_value("user", "email", "test@example.com")
    repo.git.add(A=True)
    repo.index.commit(message)
    return repo
