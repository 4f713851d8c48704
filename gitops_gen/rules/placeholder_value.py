"""placeholder-value: a value someone was meant to replace is still the placeholder.

Templates, samples and generated repositories ship values for the user to fill in:
``REPLACE-WITH-KUBESEAL-OUTPUT``, ``CHANGEME``, ``<your-domain>``, ``YOUR_API_KEY``.  Kubernetes
accepts them all - they are valid strings - so the mistake surfaces only at run time: a
SealedSecret the controller cannot open (and the pods that mount its Secret wait forever), a
database with the password everyone knows, a certificate ARN of ``XXXXXXXX``.  The gate is the
last place where the placeholder is still obvious.

Two checks, both on the line of the value (a mapping key that is a placeholder is reported on
the key):

**Placeholder text** (sub-check ``placeholder``), in every string value and key of every
resource.  The default patterns (the ``patterns`` option, case-insensitive; a pattern may use
``(?-i:...)`` for a case-sensitive part) match whole tokens, never a substring of a word:

- ``REPLACE-WITH-...`` / ``REPLACE_WITH_...`` / ``REPLACE-YOUR-...``, ``REPLACEME`` /
  ``REPLACE-ME`` / ``REPLACE_ME``, ``CHANGEME`` / ``CHANGE-ME`` / ``CHANGE_ME``, ``TODO-REPLACE``;
- ``<replace ...>``, ``<change ...>``, ``<your-...>``, ``<YOUR_...>`` (angle brackets);
- ``YOUR_API_KEY``, ``your-domain``, ``your-bucket-name``: ``your`` joined to a word naming
  what goes there (key, token, secret, password, domain, name, id, email, bucket, project,
  account, region, url, host, ...), with at most eight words between them;
- ``xxx-placeholder``, ``{repo-placeholder}``, ``<placeholder>`` (a bare ``placeholder``
  value is not reported: operators such as OLM fill those in);
- masks of capital X (``XXXXXXXX``, ``XXX.XXX.XXX/XX``): three or more, as a whole word.

Not reported, because it is documentation rather than configuration: CustomResourceDefinitions
(their OpenAPI schemas and descriptions; the ``skip-kinds`` option), the
``kubectl.kubernetes.io/last-applied-configuration`` annotation and ``metadata.managedFields``
(copies of the object), the reasons of ``gitops-gen.io/ignore.*`` waivers, comment lines
(``#``, ``//``) of a multi-line value such as an embedded configuration file or script, and any
line of prose: a line holding four or more words in a row, other than the placeholder itself
(``A quick way to restart all deployments: kubectl -n <your-namespace> ...`` is an
instruction, not a value; of a longer line, the 512 characters on each side of the placeholder
are read).  In a multi-line value the finding is on the value, and the message
names the line of the text that holds the placeholder.  The values of a v1 Secret's ``data``
are decoded from base64 first, so ``Q0hBTkdFTUU=`` (``CHANGEME``) is found too.

**SealedSecret ciphertext** (sub-check ``not-ciphertext``): every value of a ``bitnami.com``
SealedSecret's ``spec.encryptedData`` must be what kubeseal writes: standard base64 of a 2-byte
big-endian length, the RSA-OAEP-wrapped session key of that length (256 bytes for a 2048-bit
key, 512 for the default 4096-bit key) and the AES-GCM-sealed value with its 16-byte tag - at
least 274 bytes, 368 base64 characters.  Reported, with the key's name, because the controller
cannot unseal them: an empty value, text that is not base64 (a folded ``>`` block joins its
lines with spaces, which no decoder accepts; line breaks are ignored, as Go's decoder does),
base64 too short to hold a sealed value, and a length header no controller key makes.  Values
holding a template placeholder (``{{ }}``, ``${ }``) are left to the templating step.
``spec.template`` (the plain metadata and data of the Secret to create) is searched for
placeholder text only.

Options:

``patterns`` (list of regular expressions, default: the set above)
    What counts as a placeholder; replacing the list drops the defaults.
``extra-patterns`` (list of regular expressions, default ``[]``)
    More placeholders, in addition to ``patterns`` (e.g. your own ``@@FILL-IN@@`` convention).
``skip-kinds`` (list, default ``["CustomResourceDefinition"]``)
    Kinds whose bodies are not searched for placeholder text.
``check-sealed-secrets`` (bool, default ``true``)
    Check that SealedSecret values are kubeseal ciphertext.

PASS::

    apiVersion: bitnami.com/v1alpha1
    kind: SealedSecret
    metadata: {name: mysql-secret, namespace: kubeflow}
    spec:
      encryptedData:
        password: AgBvA8n0...(the 700 characters kubeseal printed)...Q==
      template:
        metadata: {name: mysql-secret, namespace: kubeflow}
        data: {username: root}

FAIL::

    apiVersion: bitnami.com/v1alpha1
    kind: SealedSecret
    metadata: {name: mysql-secret, namespace: kubeflow}
    spec:
      encryptedData:
        password: REPLACE-WITH-KUBESEAL-OUTPUT      # <- not kubeseal ciphertext
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: tracking, namespace: research}
    data:
      MLFLOW_TRACKING_URI: https://mlflow.<your-domain>    # <- placeholder
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

from gitops_gen.manifests.objects import ALL_TEXT
from gitops_gen.model import FieldPath, Resource, Severity, format_path
from gitops_gen.rules._secret_names import credential_name
from gitops_gen.rules._util import mapping, string_items, templated
from gitops_gen.rules.base import Option, RuleContext, Violation

ID = "placeholder-value"
SEVERITY = Severity.HIGH
CATEGORY = "secrets"
DESCRIPTION = "Unreplaced placeholder (REPLACE-WITH-..., CHANGEME, <your-...>) or SealedSecret value not ciphertext."

_B = r"(?<![A-Za-z0-9])"  # a token starts here
_E = r"(?![A-Za-z0-9])"  # and ends here
_WHAT = (r"(?:api[-_]?key|key|token|secret|password|passwd|pass|domain|name|id|email|bucket|project|account"
         r"|region|url|host|hostname|user|username|org|tenant|subscription|cluster|repo|registry|image|ip|cert)")

#: The default placeholder patterns (searched case-insensitively, as whole tokens).
DEFAULT_PATTERNS: list[str] = [
    _B + r"replace[-_](?:with|your)[-_][A-Za-z0-9][\w-]*",
    _B + r"(?:replace|change)[-_]?me" + _E,
    _B + r"todo[-_]replace(?:[-_][\w-]*)?" + _E,
    r"<\s*(?:replace|change)[-_ ][^<>\n]*>",
    r"<\s*your[-_ ]?[^<>\s][^<>\n]*>",
    _B + r"your[-_](?:[A-Za-z0-9]+[-_]){0,8}" + _WHAT + _E,
    _B + r"(?:x{3,}|dummy|fake|your|some)[-_]placeholder" + _E,
    r"(?:(?<!\{)\{|<)\s*[\w.-]*placeholder[\w.-]*\s*(?:\}(?!\})|>)",
    r"(?-i:" + _B + r"X{3,}(?:[-.:/]X+)*" + _E + r")",
]


def _patterns_problem(value: list[str]) -> str | None:
    for pattern in value:
        try:
            re.compile(f"(?:{pattern})", re.IGNORECASE)  # as it is joined with the others
        except re.error as exc:
            return f"{pattern!r} is not a regular expression: {exc}"
    return None


OPTIONS: dict[str, Option] = {
    "patterns": Option(list[str], DEFAULT_PATTERNS, "regular expressions of placeholder text", _patterns_problem),
    "extra-patterns": Option(list[str], [], "more placeholder regular expressions", _patterns_problem),
    "skip-kinds": Option(list[str], ["CustomResourceDefinition"], "kinds not searched for placeholder text"),
    "check-sealed-secrets": Option(bool, True, "check that SealedSecret values are kubeseal ciphertext"),
}

#: A line of prose: four words in a row (a sentence, not a value).  Tried only where a word
#: starts, and done at the fourth word: each search costs the length of the text, not its square.
_PROSE = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,}[,.;:!?)'\"`]?(?:[ \t]+[(\"'`]?[A-Za-z]+[,.;:!?)'\"`]?){3}")
#: How far on each side of a placeholder a long line is read for prose.
_AROUND = 512
_COMMENTS = ("#", "//")
_SKIP_ANNOTATIONS = frozenset({"kubectl.kubernetes.io/last-applied-configuration"})
_WAIVER_PREFIX = "gitops-gen.io/ignore."
_SEALED_GROUP = "bitnami.com"
_SECRET_KINDS = frozenset({"Secret", "SealedSecret", "ExternalSecret"})
#: The smallest RSA-OAEP ciphertext of a real controller key (2048 bits), and AES-GCM's tag.
_MIN_RSA_BYTES, _MAX_RSA_BYTES, _GCM_TAG_BYTES = 256, 2048, 16
_MIN_SEALED_BYTES = 2 + _MIN_RSA_BYTES + _GCM_TAG_BYTES
_B64_SPACES = re.compile(r"(?<=[A-Za-z0-9+/]) (?=[A-Za-z0-9+/])")


_SKIPPED = ["CustomResourceDefinition"]


@lru_cache(maxsize=16)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One regular expression for the whole set (checked when the configuration was read)."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _matcher(ctx: RuleContext) -> tuple[re.Pattern[str] | None, Callable[[str], bool]]:
    """The placeholder expression, and the cheap test a string must pass to be searched."""
    return _matcher_of(string_items(ctx.options.get("patterns", DEFAULT_PATTERNS)),
                       string_items(ctx.options.get("extra-patterns")))


@lru_cache(maxsize=16)
def _matcher_of(chosen: tuple[str, ...], extra: tuple[str, ...]) -> tuple[re.Pattern[str] | None,
                                                                          Callable[[str], bool]]:
    try:
        compiled = _compiled(chosen + extra)
    except re.error:  # options given in code, bypassing the configuration's check
        return None, _any
    return compiled, _may_hold_default if list(chosen) == DEFAULT_PATTERNS and not extra else _any


#: A value longer than this, searched with the default patterns, is searched only in its lines
#: holding a word each of them needs (one search of the whole of an embedded dashboard or
#: script with the expression costs several times more).
_LONG = 4096


def _placeholder(value: str, matcher: re.Pattern[str], defaults: bool = False) -> tuple[str, int] | None:
    """The first placeholder of ``value`` outside prose, and the line of the value it is on
    (1-based); ``defaults``: ``matcher`` is made of the default patterns only."""
    sifted = defaults and len(value) > _LONG
    if not sifted and matcher.search(value) is None:  # the common case: one search, nothing found
        return None
    lines = value.splitlines() or [value]
    for number, line in enumerate(lines, start=1):
        if sifted and not _may_hold_default(line):
            continue  # no default pattern matches in this line
        if len(lines) > 1 and line.lstrip().startswith(_COMMENTS):
            continue  # a comment of an embedded file or script: documentation
        for found in matcher.finditer(line):
            start, end = found.span()
            if start < end and not _PROSE.search(line[max(0, start - _AROUND):start] + " " + line[end:end + _AROUND]):
                return found.group(0), number
    return None


def _shown(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _decoded(value: str) -> str | None:
    """A Secret ``data`` value decoded from base64 to text, or None when it is not both."""
    try:
        return base64.b64decode(value.replace("\n", "").replace("\r", ""), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None


def _walk(node: Any, at: FieldPath, wanted: Callable[[str], bool]) -> Iterator[tuple[FieldPath, str, bool]]:
    """Every (path, text, is_key) of the ``wanted`` strings under ``node``: keys and string values."""
    if isinstance(node, dict):
        for key, value in node.items():
            if not isinstance(key, str):
                continue
            if wanted(key):
                yield (*at, key), key, True
            if isinstance(value, str):
                if wanted(value):
                    yield (*at, key), value, False
            elif isinstance(value, (dict, list)):
                yield from _walk(value, (*at, key), wanted)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            if isinstance(value, str):
                if wanted(value):
                    yield (*at, i), value, False
            elif isinstance(value, (dict, list)):
                yield from _walk(value, (*at, i), wanted)
    elif isinstance(node, str) and wanted(node):
        yield at, node, False


def _may_hold_default(text: str) -> bool:
    """False when none of the default patterns can match: the words they all contain are absent
    (substring tests are far cheaper than the regular expressions, over megabytes of text)."""
    if "XXX" in text:
        return True
    low = text.lower()
    return "replace" in low or "change" in low or "your" in low or "placeholder" in low


def _any(text: str) -> bool:
    return True


def _skipped(path: FieldPath, is_key: bool, sealed_paths: bool) -> bool:
    """Fields that are documentation, copies of the object, or judged by the ciphertext check."""
    if len(path) >= 2 and path[0] == "metadata":
        if path[1] == "managedFields":
            return True
        if path[1] == "annotations" and len(path) >= 3 and isinstance(path[2], str):
            return path[2] in _SKIP_ANNOTATIONS or path[2].startswith(_WAIVER_PREFIX)
    return sealed_paths and not is_key and len(path) == 3 and path[:2] == ("spec", "encryptedData")


def _is_sealed(resource: Resource) -> bool:
    return resource.kind == "SealedSecret" and resource.group == _SEALED_GROUP


def _is_secret(resource: Resource) -> bool:
    return resource.kind == "Secret" and resource.api_version == "v1"


def _candidates(resource: Resource, wanted: Callable[[str], bool]) -> Iterator[tuple[FieldPath, str, bool, bool]]:
    """(path, text, is_key, decoded) of every string worth searching; a v1 Secret's data values
    are decoded from base64 first."""
    secret_data = mapping(resource.data.get("data")) if _is_secret(resource) else None
    if secret_data is not None:
        for key, value in secret_data.items():
            decoded = _decoded(value) if isinstance(key, str) and isinstance(value, str) else None
            if decoded is not None and wanted(decoded):
                yield ("data", key), decoded, False, True
    if wanted is _may_hold_default and not _may_hold_default(_all_text(resource)):
        return  # no key or string of the object holds a word every default pattern needs
    for path, text, is_key in _walk(resource.data, (), wanted):
        yield path, text, is_key, False


def _all_text(resource: Resource) -> str:
    """Every key and string of the resource in one text (escaping never splits a word): the JSON
    the fast path read it from, else written by the JSON encoder in C (one substring test of it
    is cheaper than walking the object)."""
    text = resource.memo.get(ALL_TEXT)
    if isinstance(text, str):
        return text
    try:
        return json.dumps(resource.data, ensure_ascii=False, check_circular=False)
    except (TypeError, ValueError, RecursionError):
        return "XXX"  # not JSON-shaped: walk it


def _placeholders(resource: Resource, matcher: re.Pattern[str], wanted: Callable[[str], bool],
                  sealed_paths: bool) -> Iterator[Violation]:
    label = f"{resource.kind} {resource.name or '<unnamed>'}"
    for path, text, is_key, encoded in _candidates(resource, wanted):
        if _skipped(path, is_key, sealed_paths):
            continue
        found = _placeholder(text, matcher, wanted is _may_hold_default)
        if found is None:
            continue
        token, line = found
        where = f" (line {line} of the text)" if line > 1 else ""
        what = "key" if is_key else "value"
        how = " once decoded from base64" if encoded else ""
        yield Violation(f"{label}: {format_path(path)} {what} holds the placeholder {_shown(token)!r}{where}{how}; "
                        f"replace it with the real {_advice(resource, path)} before this is synced",
                        path, at_value=not is_key, check="placeholder")


def _advice(resource: Resource, path: FieldPath) -> str:
    """What to put instead: a credential goes through a SealedSecret or an ExternalSecret."""
    names = [p for p in path if isinstance(p, str)]
    if resource.kind in _SECRET_KINDS or any(credential_name(n) for n in names[-2:]):
        return ("value, and keep a credential out of Git: seal it with kubeseal (SealedSecret) or "
                "reference it from your secret store (ExternalSecret)")
    return "value"


def _ciphertext_problem(value: Any) -> str | None:
    """Why ``value`` is not what kubeseal writes into encryptedData (None when it could be)."""
    if value is None or value == "":
        return "it is empty"
    if not isinstance(value, str):
        return f"it is {type(value).__name__} {value!r}, not a base64 string"
    compact = value.replace("\n", "").replace("\r", "")
    try:
        raw = base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        if " " in compact.strip() and " " not in _B64_SPACES.sub("", compact.strip()):
            return "it is not base64: it holds spaces (a folded '>' block joins lines with them; use '|' or one line)"
        return "it is not base64"
    if len(raw) < _MIN_SEALED_BYTES:
        return (f"it decodes to {len(raw)} bytes; kubeseal output is at least {_MIN_SEALED_BYTES}: a 2-byte "
                "length, the RSA-wrapped session key and the AES-GCM-sealed value")
    wrapped = int.from_bytes(raw[:2], "big")
    if not _MIN_RSA_BYTES <= wrapped <= _MAX_RSA_BYTES:
        return (f"its 2-byte header announces a {wrapped}-byte RSA-wrapped session key; controller keys make "
                f"{_MIN_RSA_BYTES} to {_MAX_RSA_BYTES}")
    if len(raw) < 2 + wrapped + _GCM_TAG_BYTES:
        return (f"its header announces a {wrapped}-byte RSA-wrapped session key, but it decodes to only "
                f"{len(raw)} bytes: it is cut short")
    return None


def _sealed(resource: Resource, matcher: re.Pattern[str] | None) -> Iterator[Violation]:
    encrypted = mapping(resource.get(("spec", "encryptedData")))
    if encrypted is None:
        return
    name = resource.name or "<unnamed>"
    for key, value in encrypted.items():
        if not isinstance(key, str) or templated(value):
            continue
        why = _ciphertext_problem(value)
        if why is None:
            continue
        found = _placeholder(value, matcher) if isinstance(value, str) and matcher is not None else None
        held = f"holds the placeholder {_shown(found[0])!r}, " if found else "is "
        yield Violation(f"SealedSecret {name}: encryptedData {key!r} {held}not kubeseal ciphertext ({why}); "
                        f"seal the real value with kubeseal for this cluster (kubectl create secret generic {name} "
                        f"--from-literal={key}=... --dry-run=client -o yaml | kubeseal -o yaml) and paste its "
                        "encryptedData here", ("spec", "encryptedData", key), at_value=True, check="not-ciphertext")


def check(resource: Resource, ctx: RuleContext) -> Iterator[Violation]:
    matcher, wanted = _matcher(ctx)
    sealed = bool(ctx.options.get("check-sealed-secrets", True)) and _is_sealed(resource)
    if sealed:
        yield from _sealed(resource, matcher)
    if matcher is not None and resource.kind not in string_items(ctx.options.get("skip-kinds", _SKIPPED)):
        yield from _placeholders(resource, matcher, wanted, sealed)
