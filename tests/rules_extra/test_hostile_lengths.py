"""Hostile input is normal input: a long value costs every rule its length, not its square.

A regular expression tried at every start of a long run of the characters it accepts (a URL's
scheme, a JWT's segments, ``your-...-key``, a line of prose) scans the rest of the run each time:
a 20 KB value once took secret-in-env 7.6 s and placeholder-value 19 s, and a gate can be made
to wait forever by one pull request.  Here every rule reads documents whose values are 64 KB
runs of what those expressions accept; a quadratic one takes minutes, a linear one well under
a second.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from gitops_gen.engine import Engine
from gitops_gen.manifests import SourceFile, load_file

SIZE = 64 * 1024
#: What once took a rule quadratic time, and neighbours of it.
SEEDS = ["a", "A", "aA1", "a.", "a-", "eyJ-", "AKIA", "XXX", "XXX-", "your-", "your-a-", "replace-with-",
         "changeme ", "<your ", "sk-", "xoxb-", "x:y@", "{{", "é"]
#: Seconds for one document pair with every rule on: generous, for a slow machine (a linear
#: run takes a tenth of it; the quadratic ones took minutes).
BOUND = 5.0


def _documents(value: str) -> str:
    text = json.dumps(value)
    lines = json.dumps((value[:len(value) // 2] + "\n") * 2)
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team
  annotations: {{note: {text}}}
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - name: app
        image: registry.example.com/app:1.0.0
        args: [{text}]
        env:
        - {{name: API_TOKEN, value: {text}}}
        - {{name: DATABASE_URL, value: {text}}}
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: settings, namespace: team}}
data:
  one: {text}
  many: {lines}
"""


@pytest.mark.parametrize("seed", SEEDS)
def test_a_long_value_costs_its_length(seed: str, tmp_path: Path) -> None:
    path = tmp_path / "long.yaml"
    path.write_text(_documents(seed * (SIZE // len(seed))))
    resources = load_file(SourceFile(str(path), path.name)).resources
    assert len(resources) == 2
    engine = Engine.for_rules(None)
    start = time.perf_counter()
    engine.check(resources)
    assert time.perf_counter() - start < BOUND, f"{seed!r} * {SIZE // len(seed)}: a rule is quadratic"
