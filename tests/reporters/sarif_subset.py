"""The part of the SARIF 2.1.0 schema our output uses, written down from the OASIS standard.

Every object we emit is closed (``additionalProperties: false``) over the property names the
standard defines for it, so a misspelt property name fails the test, and the required
properties, enumerations and minimums are those of the standard.  This is a structural check
kept in the repository; the full schema is not downloaded.
"""

from __future__ import annotations

from typing import Any


def _closed(properties: dict[str, Any], *names: str, required: tuple[str, ...] = ()) -> dict[str, Any]:
    """An object schema allowing ``properties`` (checked) and ``names`` (allowed, unchecked)."""
    allowed: dict[str, Any] = {name: {} for name in names}
    allowed.update(properties)
    allowed["properties"] = {"$ref": "#/definitions/propertyBag"}
    schema: dict[str, Any] = {"type": "object", "properties": allowed, "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return schema


_STRING = {"type": "string"}
_INDEX = {"type": "integer", "minimum": -1}
_LEVEL = {"enum": ["none", "note", "warning", "error"]}

SARIF_SUBSET: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "$ref": "#/definitions/sarifLog",
    "definitions": {
        "propertyBag": {
            "type": "object",
            "properties": {"tags": {"type": "array", "items": _STRING, "uniqueItems": True}},
        },
        "sarifLog": _closed(
            {"$schema": {"type": "string", "format": "uri"}, "version": {"enum": ["2.1.0"]},
             "runs": {"type": ["array", "null"], "items": {"$ref": "#/definitions/run"}}},
            "inlineExternalProperties", required=("version", "runs")),
        "run": _closed(
            {"tool": {"$ref": "#/definitions/tool"},
             "results": {"type": ["array", "null"], "items": {"$ref": "#/definitions/result"}},
             "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
             "originalUriBaseIds": {"type": "object",
                                    "additionalProperties": {"$ref": "#/definitions/artifactLocation"}}},
            "invocations", "conversion", "language", "versionControlProvenance",
            "artifacts", "logicalLocations", "graphs", "automationDetails", "runAggregates",
            "baselineGuid", "redactionTokens", "defaultEncoding", "defaultSourceLanguage",
            "newlineSequences", "externalPropertyFileReferences", "threadFlowLocations", "taxonomies",
            "addresses", "translations", "policies", "webRequests", "webResponses", "specialLocations",
            required=("tool",)),
        "tool": _closed({"driver": {"$ref": "#/definitions/toolComponent"}}, "extensions",
                        required=("driver",)),
        "toolComponent": _closed(
            {"name": _STRING, "version": _STRING, "semanticVersion": _STRING,
             "informationUri": {"type": "string", "format": "uri"},
             "rules": {"type": "array", "items": {"$ref": "#/definitions/reportingDescriptor"},
                       "uniqueItems": True}},
            "guid", "organization", "product", "productSuite", "shortDescription", "fullDescription",
            "fullName", "dottedQuadFileVersion", "releaseDateUtc", "downloadUri", "globalMessageStrings",
            "notifications", "taxa", "locations", "language", "contents", "isComprehensive",
            "localizedDataSemanticVersion", "minimumRequiredLocalizedDataSemanticVersion",
            "associatedComponent", "translationMetadata", "supportedTaxonomies",
            required=("name",)),
        "reportingDescriptor": _closed(
            {"id": _STRING, "name": _STRING,
             "shortDescription": {"$ref": "#/definitions/multiformatMessageString"},
             "fullDescription": {"$ref": "#/definitions/multiformatMessageString"},
             "help": {"$ref": "#/definitions/multiformatMessageString"},
             "helpUri": {"type": "string", "format": "uri"},
             "defaultConfiguration": _closed({"enabled": {"type": "boolean"}, "level": _LEVEL,
                                              "rank": {"type": "number", "minimum": -1, "maximum": 100}},
                                             "parameters")},
            "deprecatedIds", "guid", "deprecatedGuids", "deprecatedNames", "messageStrings",
            "relationships", required=("id",)),
        "multiformatMessageString": _closed({"text": _STRING, "markdown": _STRING}, required=("text",)),
        "message": {
            **_closed({"text": _STRING, "markdown": _STRING, "id": _STRING,
                       "arguments": {"type": "array", "items": _STRING}}),
            "anyOf": [{"required": ["text"]}, {"required": ["id"]}],
        },
        "result": _closed(
            {"ruleId": _STRING, "ruleIndex": _INDEX, "level": _LEVEL,
             "kind": {"enum": ["notApplicable", "pass", "fail", "review", "open", "informational"]},
             "message": {"$ref": "#/definitions/message"},
             "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
             "partialFingerprints": {"type": "object", "additionalProperties": _STRING},
             "fingerprints": {"type": "object", "additionalProperties": _STRING},
             "suppressions": {"type": "array", "items": {"$ref": "#/definitions/suppression"},
                              "uniqueItems": True}},
            "rule", "analysisTarget", "guid", "correlationGuid", "occurrenceCount", "stacks",
            "codeFlows", "graphs", "graphTraversals", "relatedLocations", "baselineState", "rank",
            "attachments", "hostedViewerUri", "workItemUris", "provenance", "fixes", "taxa",
            "webRequest", "webResponse", required=("message",)),
        "location": _closed(
            {"id": _INDEX, "physicalLocation": {"$ref": "#/definitions/physicalLocation"},
             "logicalLocations": {"type": "array", "items": {"$ref": "#/definitions/logicalLocation"}},
             "message": {"$ref": "#/definitions/message"}},
            "annotations", "relationships"),
        "physicalLocation": {
            **_closed({"artifactLocation": {"$ref": "#/definitions/artifactLocation"},
                       "region": {"$ref": "#/definitions/region"}},
                      "address", "contextRegion"),
            "anyOf": [{"required": ["address"]}, {"required": ["artifactLocation"]}],
        },
        "artifactLocation": _closed({"uri": {"type": "string", "format": "uri-reference"},
                                     "uriBaseId": _STRING, "index": _INDEX,
                                     "description": {"$ref": "#/definitions/message"}}),
        "region": _closed(
            {"startLine": {"type": "integer", "minimum": 1}, "startColumn": {"type": "integer", "minimum": 1},
             "endLine": {"type": "integer", "minimum": 1}, "endColumn": {"type": "integer", "minimum": 1}},
            "charOffset", "charLength", "byteOffset", "byteLength", "snippet", "message", "sourceLanguage"),
        "logicalLocation": _closed(
            {"name": _STRING, "index": _INDEX, "fullyQualifiedName": _STRING, "decoratedName": _STRING,
             "parentIndex": _INDEX, "kind": _STRING}),
        "suppression": _closed(
            {"kind": {"enum": ["inSource", "external"]},
             "status": {"enum": ["accepted", "underReview", "rejected"]},
             "justification": _STRING},
            "guid", "location", required=("kind",)),
    },
}
