"""Commands whose code lives outside cli.py are registered (lazily) and reachable from `gitops-gen`."""

from __future__ import annotations

import json

from click.testing import CliRunner

from gitops_gen.cli import main


def test_schemas_lists_the_built_in_schemas_with_versions() -> None:
    result = CliRunner().invoke(main, ["schemas", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.output)
    text = json.dumps(listed)
    for kind in ("InferenceService", "PyTorchJob", "Experiment", "Notebook", "Workflow", "NodePool",
                 "ExternalSecret", "ScaledObject", "Certificate"):
        assert f'"{kind}"' in text, kind
    result = CliRunner().invoke(main, ["--help"])
    assert "schemas" in result.output and "new" in result.output and "blueprints" in result.output
