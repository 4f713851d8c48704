"""Repository URL normalisation and equality (Argo CD's util/git NormalizeGitURL/SameURL)."""

from __future__ import annotations

import pytest

from gitops_gen.argocd.repourl import normalize_repo_url, same_content, same_repo


@pytest.mark.parametrize(("url", "expected"), [
    ("https://github.com/Example-Org/ML-Platform-Gitops.git", "https://github.com/example-org/ml-platform-gitops"),
    ("  https://github.com/org/repo\n", "https://github.com/org/repo"),
    ("https://github.com/org/repo/", "https://github.com/org/repo/"),       # trailing "/" kept
    ("https://github.com/org/repo.git/", "https://github.com/org/repo.git/"),  # ".git" only at the very end
    ("git@github.com:org/repo.git", "git@github.com/org/repo"),
    ("ssh://git@github.com/org/repo.git", "git@github.com/org/repo"),
    ("ssh://git@GitHub.com:2222/org/repo", "git@github.com:2222/org/repo"),
    ("oci://ghcr.io/kserve/charts/kserve-crd", "oci://ghcr.io/kserve/charts/kserve-crd"),
    ("https://charts.jetstack.io", "https://charts.jetstack.io"),
    ("https://github.com:abc/org/repo", ""),   # Go's url.Parse refuses the port
    ("https://github.com/org/%zz", ""),        # and a bad escape
    ("", ""),
])
def test_normalize(url: str, expected: str) -> None:
    assert normalize_repo_url(url) == expected


def test_same_repo_is_argo_equality() -> None:
    assert same_repo("https://github.com/org/repo.git", "https://GITHUB.com/Org/Repo")
    assert same_repo("git@github.com:org/repo.git", "ssh://git@github.com/org/repo")
    # https and ssh are different repositories to Argo CD, and so is a trailing slash
    assert not same_repo("https://github.com/org/repo", "git@github.com:org/repo")
    assert not same_repo("https://github.com/org/repo", "https://github.com/org/repo/")
    assert not same_repo("https://github.com/org/repo", "http://github.com/org/repo")
    assert not same_repo("", "")
    # an unparsable URL still equals itself (NormalizeGitURLAllowInvalid)
    assert same_repo("https://github.com:abc/x", "https://github.com:abc/x")


@pytest.mark.parametrize("other", [
    "https://github.com/example-org/ml-platform-gitops",
    "https://GitHub.com/example-org/ml-platform-gitops/",
    "http://github.com/example-org/ml-platform-gitops.git",
    "ssh://git@github.com/example-org/ml-platform-gitops.git",
    "ssh://git@github.com:22/example-org/ml-platform-gitops",
    "git@github.com:example-org/ml-platform-gitops.git",
    "git@github.com:example-org/ml-platform-gitops.git/",
    "https://user:token@github.com/example-org/ml-platform-gitops.git",
])
def test_same_content_equates_forms(other: str) -> None:
    assert same_content("https://github.com/example-org/ml-platform-gitops.git", other)


@pytest.mark.parametrize("other", [
    "https://github.com/example-org/ml-platform-gitops-2",
    "https://gitlab.com/example-org/ml-platform-gitops",
    "git@github.com:example-org/other.git",
    "https://github.com/example-org",
    "oci://github.com/example-org/ml-platform-gitops",
    "example-org/ml-platform-gitops",
])
def test_same_content_keeps_different_repositories_apart(other: str) -> None:
    assert not same_content("https://github.com/example-org/ml-platform-gitops.git", other)


def test_same_content_falls_back_to_same_repo() -> None:
    assert same_content("oci://ghcr.io/kserve/charts/kserve-crd", "OCI://ghcr.io/kserve/charts/kserve-crd")
    assert not same_content("oci://ghcr.io/kserve/charts/a", "oci://ghcr.io/kserve/charts/b")
