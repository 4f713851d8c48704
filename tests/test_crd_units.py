"""Which resources a CRD among the inputs validates: its install unit (index phase + validator)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gitops_gen.config import load_config
from gitops_gen.index import crd_units
from gitops_gen.pipeline import RunOptions, run

CrdYaml = Callable[..., str]
TRAINING = "apiVersion: ml.example.com/v1\nkind: Training\nmetadata: {{name: t, namespace: ml}}\nspec: {{{field}: 1}}\n"
DEPLOY = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: ml}\n"


def layout(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def verdicts(root: Path, *targets: str) -> dict[str, list[str]]:
    report = run([str(root)], RunOptions(config=load_config(), rules=False))
    return {t: [f.rule for f in report.findings if f.file.endswith(t) and f.rule in ("schema", "no-schema")]
            for t in targets}


def test_a_crds_folder_covers_the_repository(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    layout(tmp_path, {"crds/training.yaml": crd_yaml("ml.example.com", "Training", "size"),
                      "apps/team-a/ok.yaml": TRAINING.format(field="size"),
                      "apps/team-a/typo.yaml": TRAINING.format(field="sise"), "apps/cm.yaml": DEPLOY})
    assert verdicts(tmp_path, "ok.yaml", "typo.yaml") == {"ok.yaml": [], "typo.yaml": ["schema"]}


def test_versioned_crd_folders_cover_their_project(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    layout(tmp_path, {"install/v1/crd.yaml": crd_yaml("ml.example.com", "Training", "size"),
                      "install/v2/crd.yaml": crd_yaml("ml.example.com", "Training", "count"),
                      "examples/a.yaml": TRAINING.format(field="count"),
                      "examples/b.yaml": TRAINING.format(field="gpus")})
    assert verdicts(tmp_path, "a.yaml", "b.yaml") == {"a.yaml": [], "b.yaml": ["schema"]}


def test_a_samples_crd_is_not_installed_for_a_sibling_sample(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    # a quickstart bundles an old CRD with its deployment; the sibling sample expects a newer one
    layout(tmp_path, {"samples/quickstart/bundle.yaml": crd_yaml("ml.example.com", "Training", "size")
                      + "---\n" + DEPLOY,
                      "samples/quickstart/use.yaml": TRAINING.format(field="sise"),
                      "samples/federation/use.yaml": TRAINING.format(field="className")})
    found = verdicts(tmp_path, "quickstart/use.yaml", "federation/use.yaml")
    assert found == {"quickstart/use.yaml": ["schema"], "federation/use.yaml": ["no-schema"]}


def test_config_crds_beside_other_config_do_not_cover_examples(tmp_path: Path, crd_yaml: CrdYaml) -> None:
    layout(tmp_path, {"config/300-crds/training.yaml": crd_yaml("ml.example.com", "Training", "size"),
                      "config/controller.yaml": DEPLOY,
                      "config/default.yaml": TRAINING.format(field="sise"),
                      "examples/use.yaml": TRAINING.format(field="count")})
    assert verdicts(tmp_path, "default.yaml", "use.yaml") == {"default.yaml": ["schema"], "use.yaml": ["no-schema"]}


@pytest.mark.parametrize(("crd", "expected"), [
    ("/r/crds/a.yaml", "/r"), ("/r/p/install/v1/a.yaml", "/r/p"), ("/r/s/q/bundle.yaml", "/r/s/q"),
    ("/r/config/300-crds/a.yaml", "/r/config"), ("<stdin>", "/"),
])
def test_units(crd: str, expected: str) -> None:
    files = {"/r/crds/a.yaml": True, "/r/apps/x.yaml": False, "/r/p/install/v1/a.yaml": True,
             "/r/p/install/v2/a.yaml": True, "/r/p/examples/e.yaml": False, "/r/s/q/bundle.yaml": False,
             "/r/config/300-crds/a.yaml": True, "/r/config/c.yaml": False, "<stdin>": True}
    assert crd_units(files)(crd) == expected
