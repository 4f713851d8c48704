"""The name and label syntax the Kubernetes API server enforces, as JSON Schema patterns.

The OpenAPI documents Kubernetes publishes say only "string" for names, namespaces, label keys
and label values, yet the API server rejects ``name: MyApp``, a 64-character label value or a
label key with a space.  These patterns let the schema check catch that before the apply does.
Each pattern carries its own length limit (as a look-ahead) so one broken value gives one
finding, and :data:`DESCRIPTIONS` turns a pattern back into words for the message.
"""

from __future__ import annotations

from typing import Any

_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_NAME_PART = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?"

#: RFC 1123 label: namespaces, container names, service port names.
DNS_LABEL = rf"^(?=.{{1,63}}$){_LABEL}$"
#: RFC 1035 label: Service names (must start with a letter).
DNS_1035_LABEL = r"^(?=.{1,63}$)[a-z](?:[-a-z0-9]*[a-z0-9])?$"
#: RFC 1123 subdomain: most object names.
DNS_SUBDOMAIN = rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$"
#: CronJob names: a subdomain of at most 52 characters (the controller appends a suffix).
CRONJOB_NAME = rf"^(?=.{{1,52}}$){_LABEL}(?:\.{_LABEL})*$"
#: Any object name: one URL path segment.
PATH_SEGMENT = r"^(?!\.\.?$)[^/%]+$"
#: Label and annotation keys: an optional DNS-subdomain prefix and a name of up to 63 characters.
QUALIFIED_NAME = rf"^(?:(?=[^/]{{1,253}}/){_LABEL}(?:\.{_LABEL})*/)?(?=[^/]{{1,63}}$){_NAME_PART}$"
#: Label values: empty, or up to 63 characters of the name alphabet.
LABEL_VALUE = rf"^(?=.{{0,63}}$)(?:{_NAME_PART})?$"
#: Named container ports (IANA service names): at most 15 characters, a letter, no "--".
PORT_NAME = r"^(?=.{1,15}$)(?=.*[a-z])(?!.*--)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?$"

DESCRIPTIONS: dict[str, str] = {
    DNS_LABEL: "is not a valid DNS label (at most 63 lowercase letters, digits and '-', "
               "starting and ending with a letter or digit)",
    DNS_1035_LABEL: "is not a valid DNS-1035 label (at most 63 lowercase letters, digits and '-', "
                    "starting with a letter and ending with a letter or digit)",
    DNS_SUBDOMAIN: "is not a valid DNS subdomain name (at most 253 lowercase letters, digits, '-' "
                   "and '.', each part starting and ending with a letter or digit)",
    CRONJOB_NAME: "is not a valid CronJob name (a DNS subdomain name of at most 52 characters: "
                  "lowercase letters, digits, '-' and '.')",
    PATH_SEGMENT: "is not a valid name (it may not be '.' or '..' or contain '/' or '%')",
    QUALIFIED_NAME: "is not a valid key (an optional DNS subdomain prefix and '/', then at most 63 "
                    "letters, digits, '-', '_' and '.', starting and ending with a letter or digit)",
    LABEL_VALUE: "is not a valid label value (at most 63 letters, digits, '-', '_' and '.', "
                 "starting and ending with a letter or digit)",
    PORT_NAME: "is not a valid port name (at most 15 lowercase letters, digits and '-', with at "
               "least one letter and no '--')",
}

#: Name syntax of core kinds whose rule is known; every other kind gets :data:`PATH_SEGMENT`.
CORE_NAME_RULES: dict[str, str] = {
    "Namespace": DNS_LABEL,
    "Service": DNS_1035_LABEL,
    "CronJob": CRONJOB_NAME,
    **{kind: DNS_SUBDOMAIN for kind in (
        "ConfigMap", "Secret", "Pod", "PodTemplate", "ServiceAccount", "PersistentVolume",
        "PersistentVolumeClaim", "ReplicationController", "Deployment", "StatefulSet", "DaemonSet",
        "ReplicaSet", "Job", "Ingress", "IngressClass", "NetworkPolicy", "StorageClass",
        "PriorityClass", "ResourceQuota", "LimitRange", "CustomResourceDefinition")},
}


def labels_schema(base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A ``labels`` map: qualified-name keys and label values (``base`` keeps other keywords)."""
    schema = dict(base or {"type": "object"})
    schema["propertyNames"] = {"pattern": QUALIFIED_NAME}
    value = dict(schema.get("additionalProperties") or {"type": "string"})
    value["pattern"] = LABEL_VALUE
    schema["additionalProperties"] = value
    return schema


def annotations_schema(base: dict[str, Any] | None = None) -> dict[str, Any]:
    schema = dict(base or {"type": "object", "additionalProperties": {"type": "string"}})
    schema["propertyNames"] = {"pattern": QUALIFIED_NAME}
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "type": [schema["type"], "null"]}


def object_meta_schema(name_pattern: str | None) -> dict[str, Any]:
    """``metadata`` of a custom resource (or an embedded object), checked as the API server does.

    Unknown metadata fields are rejected, like every unknown field under strict validation.
    """
    string = {"type": ["string", "null"]}
    integer = {"type": ["integer", "null"]}
    name: dict[str, Any] = {"type": ["string", "null"]}
    if name_pattern:
        name["pattern"] = name_pattern
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name": name,
            "generateName": string,
            "namespace": {"type": ["string", "null"], "pattern": DNS_LABEL},
            "labels": _nullable(labels_schema()),
            "annotations": _nullable(annotations_schema()),
            "finalizers": {"type": ["array", "null"], "items": {"type": "string"}},
            "ownerReferences": {"type": ["array", "null"], "items": {
                "type": "object",
                "required": ["apiVersion", "kind", "name", "uid"],
                "additionalProperties": False,
                "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
                               "name": {"type": "string"}, "uid": {"type": "string"},
                               "controller": {"type": ["boolean", "null"]},
                               "blockOwnerDeletion": {"type": ["boolean", "null"]}}}},
            "uid": string,
            "resourceVersion": string,
            "generation": integer,
            "selfLink": string,
            "creationTimestamp": string,
            "deletionTimestamp": string,
            "deletionGracePeriodSeconds": integer,
            "managedFields": {"type": ["array", "null"], "items": {"type": "object"}},
        },
    }
