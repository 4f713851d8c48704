"""secret-in-env: a container environment variable holds a literal credential.

A password or token written into ``env[].value`` is committed to Git with the manifest: it is
in every clone, fork and CI log, it survives in history after it is removed, and it is readable
by anyone who can ``get`` the Deployment (no Secret RBAC needed) and by ``kubectl describe``.
Put it in a Secret managed by External Secrets or Sealed Secrets and reference it with
``valueFrom.secretKeyRef``.  kube-linter (``env-var-secret``) and checkov report the same.

A variable is reported when its literal ``value``

- (sub-check ``credential-name``) is non-empty and the variable's *name* says credential,
  unless the value is plainly not a secret: a reference or placeholder (``$(VAR)``, ``${VAR}``,
  ``{{ .x }}``, ``<your-token>``, ``xxxx``, ``****``), a file path (``/var/run/secrets/...``), a
  plain URL without credentials, a number or a boolean;
- (sub-check ``token-format``) looks like a known credential *whatever the name*: AWS access
  key ids (``AKIA...``, ``ASIA...``), GitHub tokens (``ghp_``, ``gho_``, ``ghs_``,
  ``github_pat_``), Hugging Face (``hf_``), OpenAI (``sk-``), Slack (``xox.-``), Google API
  keys (``AIza``), Stripe live keys, JSON Web Tokens, PEM private keys, and URLs with a
  password (``postgres://user:pw@host/db``).

How a name is read: as words, split at ``_``, ``-``, ``.`` and case changes (``DB_PASSWORD``,
``dbPassword``, ``APIKey``), in any case, numbers dropped.  It says credential when

- a word is ``password``, ``passwd``, ``pass``, ``pwd``, ``passphrase``, ``secret``, ``token``,
  ``bearer`` (``BEARER_TOKEN``, ``API_BEARER``), ``credential(s)``, ``apikey``, ``privkey``, or
  a run-together word ending in one of them or in ``accesskey``, ``secretkey``, ``privatekey``,
  ``signingkey``... (``DBPASSWORD``, ``githubToken`` is two words anyway);
- a word is ``key`` and it is the last word (``API_KEY``, ``AZURE_STORAGE_ACCOUNT_KEY``,
  ``ENCRYPTION_KEY``, ``SIGNING_KEY``, ``COSMOS_PRIMARY_KEY``) or is followed by a word for the
  key's content (``OCI_CLI_KEY_CONTENT``, ``PRIVATE_KEY_PEM``, ``_DATA``, ``_VALUE``,
  ``_BASE64``) - but not a key that is no secret: ``PUBLIC_KEY``, and keys *into* something
  (``CACHE_KEY``, ``PARTITION_KEY``, ``SORT_KEY``, ``ROUTING_KEY``, ``IDEMPOTENCY_KEY``...);
  ``key`` elsewhere (``KEY_ALGORITHM``, ``KEYCLOAK_HOST``, ``MONKEY``) says nothing;

and its last word is not one saying the variable holds something *about* a credential: where
it is or what it is called (``_NAME``, ``_FILE``, ``_PATH``, ``_DIR``, ``_URL``, ``_URI``,
``_ENDPOINT``, ``_HOST``, ``_HEADER``, ``_REF``), an identifier (``_ID``: ``AWS_ACCESS_KEY_ID``,
``_ALIAS``, ``_ARN``; but a ``SECRET_ID``, Vault's AppRole secret, is a credential), or a
property (``_TYPE``, ``_MODE``, ``_ENABLED``, ``_TTL``, ``_TIMEOUT``, ``_LENGTH``, ``_SIZE``,
``_VERSION``, ``_FORMAT``, ``_ALGORITHM``, ``_PREFIX``...).  ``PWD`` and ``OLDPWD`` are the
shell's working directories.  Values taken with ``valueFrom`` (``secretKeyRef``,
``configMapKeyRef``, ``fieldRef``) have no literal and are never reported.

Every container the pod-spec walker finds is checked (an Argo ``templateDefaults.container``
and a Tekton ``stepTemplate`` once, where written), and the ``env`` of a Tekton run's
``podTemplate``, which Tekton adds to every container.  The finding is on the ``value`` line
and its message names the variable, never the value.

Options:

``ignore-names`` (list, default ``[]``)
    Variable names never reported by name (for example ``TOKENIZERS_PARALLELISM``-style
    false friends in your images).  Known token formats are still reported.

PASS::

    env:
    - name: HF_TOKEN
      valueFrom:
        secretKeyRef: {name: huggingface, key: token}
    - name: TOKEN_PATH
      value: /var/run/secrets/tokens/vault
    - name: DB_PASSWORD
      value: $(PASSWORD_FROM_INIT)
    - name: AWS_ACCESS_KEY_ID           # an identifier, not the secret
      value: AKIDEXAMPLE
    - name: CACHE_KEY
      value: model-v3

FAIL::

    env:
    - name: WANDB_API_KEY
      value: 3f1c0e9d7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e     # <- reported here
    - name: MODEL_REPO
      value: https://hf_AbCdEfGhIjKlMnOpQrStUvWxYz012345@huggingface.co/acme/model   # <- here
    - name: ENCRYPTION_KEY
      value: 8c1f4e2a9b7d3c6e5f0a1b2c3d4e5f60                 # <- here
    - name: API_BEARER
      value: c2VjcmV0LWJlYXJlci12YWx1ZQ                        # <- here
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from gitops_gen.model import FieldPath, Resource, Severity
from gitops_gen.rules._pss import container_label
from gitops_gen.rules._secret_names import credential_name
from gitops_gen.rules._secret_names import credential_name as _credential_name  # noqa: F401 (tests import it)
from gitops_gen.rules._util import items, string_items, text
from gitops_gen.rules.base import Option, RuleContext, Violation
from gitops_gen.rules.podspec import all_containers, pod_specs

ID = "secret-in-env"
SEVERITY = Severity.HIGH
CATEGORY = "workloads"
PODS = True  # looks at pod specs only: skipped for objects without one
DESCRIPTION = "Environment variable with a literal password, token or key (use a Secret reference)."
OPTIONS: dict[str, Option] = {
    "ignore-names": Option(list[str], []),
}

#: Each format: its name, its expression, and text it cannot match without (any one of them),
#: tested first, in C, so that most values are never searched (a search costs a fraction of a
#: microsecond a character).
_TOKEN_FORMATS: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("a PEM private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"), ("PRIVATE KEY-----",)),
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[0-9A-Z]{16}\b"),
     ("AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})"),
     ("gh", "github_pat_")),
    ("a Hugging Face token", re.compile(r"\bhf_[A-Za-z0-9]{30,}"), ("hf_",)),
    ("an OpenAI key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"), ("sk-",)),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"), ("xox",)),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}"), ("AIza",)),
    ("a Stripe live key", re.compile(r"\b(?:sk|rk)_live_[0-9A-Za-z]{20,}"), ("_live_",)),
    # (the first ``eyJ`` of a run of token characters decides for the whole run: its segment ends
    # where the run does, wherever in it the token starts, so no later start is tried)
    ("a JSON Web Token", re.compile(r"(?<![A-Za-z0-9_-])(?>[A-Za-z0-9_-]*?\beyJ)[A-Za-z0-9_-]{8,}+"
                                    r"\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"), (".eyJ",)),
    # (a scheme is read from the start of its run of scheme characters: its first letter onwards)
    ("a URL with a password", re.compile(r"(?<![a-z0-9+.-])[0-9+.-]*[a-z][a-z0-9+.-]*+://[^/\s:@]+:[^/\s@]+@",
                                         re.IGNORECASE), ("://",)),
)

_PLACEHOLDER = re.compile(
    r"\$\(.*\)|\$\{.*\}|\{\{.*\}\}|<[^<>]*>|x+|X+|\*+|\.\.\.|-+|"
    r"(?:todo|tbd|replace[-_ ]?me|fill[-_ ]?me[-_ ]?in|redacted|none|null|nil|unset|dummy)", re.IGNORECASE)
_NOT_SECRET = re.compile(
    r"(?:true|false|yes|no|on|off|enabled?|disabled?)|[-+]?\d{1,6}(?:\.\d+)?[a-zA-Z]{0,2}|"
    r"(?:/|\./|~/)\S*|[a-z][a-z0-9+.-]*://[^@\s]*", re.IGNORECASE)


def _format(value: str) -> str | None:
    for label, pattern, needles in _TOKEN_FORMATS:
        if (needles[0] in value or any(n in value for n in needles[1:])) and pattern.search(value):
            return label
    return None


def _literal_secret(value: str) -> bool:
    stripped = value.strip()
    return bool(stripped) and not _PLACEHOLDER.fullmatch(stripped) and not _NOT_SECRET.fullmatch(stripped)


def _env_lists(resource: Resource) -> Iterator[tuple[Any, FieldPath, str]]:
    """Every ``env`` list: of each container, and of pod-level defaults (a Tekton podTemplate)."""
    for pod in pod_specs(resource):
        if pod.defaults_only:
            yield pod.spec.get("env"), pod.path, pod.owner
    for container in all_containers(resource):
        yield container.container.get("env"), container.path, container_label(container)


_FIX = "store it in a Secret (ExternalSecret or SealedSecret) and use valueFrom.secretKeyRef"


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    ignored = string_items(ctx.options.get("ignore-names"))
    for env, path, label in _env_lists(resource):
        for i, variable in items(env):
            name, value = text(variable.get("name")), variable.get("value")
            if name is None or not isinstance(value, str):
                continue
            found = _format(value)
            if found:
                yield Violation(f"{label} env {name} holds what looks like {found} in plain text; {_FIX}, and "
                                "rotate it", (*path, "env", i, "value"), True, "token-format")
            elif name not in ignored and credential_name(name) and _literal_secret(value):
                yield Violation(f"{label} env {name} has a literal value, and its name says it is a credential; "
                                f"{_FIX}", (*path, "env", i, "value"), True, "credential-name")
