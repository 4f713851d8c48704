"""The Kubernetes CEL libraries on the examples of their documentation (the godoc of
k8s.io/apiserver/pkg/cel/library and the "CEL in Kubernetes" page), each with its documented
result; the libraries a target Kubernetes version does not have yet; and the receivers that
:func:`gitops_gen.cel.formats.rewrite` finds for ``validate``."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from cel_helpers import check, deployment, write

from gitops_gen.cel import PolicyError, load_policies
from gitops_gen.cel.formats import receiver_start, rewrite
from gitops_gen.cel.library import environment


def evaluate(expression: str, version: tuple[int, int] | None = None, **data: Any) -> Any:
    from cel_expr_python import cel

    env = environment(version)
    value = env.compile(rewrite(expression)).eval(env.Activation(data))
    if value.type() == cel.Type.ERROR:
        return ("error", str(value.value()))
    return value.plain_value()


DATA = {"object": {"names": ["a", "should-be-first", "z"], "items": [{"weight": 0.25}, {"weight": 0.75}],
                   "low": [{"priority": 1}, {"priority": 3}], "high": [{"priority": 5}, {"priority": 9}]}}

EXAMPLES: list[tuple[str, Any]] = [
    # lists (godoc and the CEL page)
    ("[1, 2, 3].isSorted()", True), ("['a', 'b', 'b', 'c'].isSorted()", True), ("[2.0, 1.0].isSorted()", False),
    ("[1].isSorted()", True), ("[].isSorted()", True), ("object.names.isSorted()", True),
    ("[1, 3].sum()", 4), ("[1.0, 3.0].sum()", 4.0), ("[].sum()", 0),
    ("object.items.map(x, x.weight).sum() == 1.0", True),
    ("[1, 3].min()", 1), ("[1, 3].max()", 3), ("[1].min()", 1), ("([0] + []).min()", 0),
    ("object.low.map(x, x.priority).max() < object.high.map(x, x.priority).min()", True),
    ("[1, 2, 2, 3].indexOf(2)", 1), ("['a', 'b', 'b', 'c'].lastIndexOf('b')", 2), ("[1.0].indexOf(1.1)", -1),
    ("[].indexOf('string')", -1), ("object.names.indexOf('should-be-first') == 1", True), ("[true].indexOf(1)", -1),
    # the strings extension's indexOf/lastIndexOf still answer for strings
    ("'hello mellow'.indexOf('ello')", 1), ("'hello mellow'.lastIndexOf('ello')", 7),
    ("'hello mellow'.indexOf('ello', 6)", 7), ("'hello'.indexOf('x')", -1),
    # regex
    ("'abc 123'.find('[0-9]+')", "123"), ("'1, 2, 3, 4'.findAll('[0-9]+').map(x, int(x)).sum() < 100", True),
    # quantity (the CEL page)
    ("quantity('500000G').isInteger()", True), ("quantity('50k').asInteger()", 50000),
    ("quantity('9999999999999999999999999999999999999G').asApproximateFloat() > 9.9e45", True),
    ("quantity('50k').add(quantity('20k')) == quantity('70k')", True),
    ("quantity('50k').sub(20000) == quantity('30k')", True),
    ("quantity('50k').add(20).sub(quantity('100k')).sub(-50000) == quantity('20')", True),
    ("quantity('200M').compareTo(quantity('0.2G'))", 0),
    ("quantity('150Mi').isGreaterThan(quantity('100Mi'))", True),
    ("quantity('50M').isLessThan(quantity('100M'))", True),
    # ip
    ("isIP('127.0.0.1')", True), ("isIP('::1')", True), ("isIP('127.0.0.256')", False), ("isIP(':::1')", False),
    ("ip.isCanonical('127.0.0.1')", True), ("ip.isCanonical('2001:db8::abcd')", True),
    ("ip.isCanonical('2001:DB8::ABCD')", False), ("ip.isCanonical('2001:db8::0:0:0:abcd')", False),
    ("ip('127.0.0.1').family()", 4), ("ip('::1').family()", 6),
    ("ip('0.0.0.0').isUnspecified()", True), ("ip('127.0.0.1').isUnspecified()", False),
    ("ip('::').isUnspecified()", True), ("ip('::1').isUnspecified()", False),
    ("ip('127.0.0.1').isLoopback()", True), ("ip('192.168.0.1').isLoopback()", False),
    ("ip('::1').isLoopback()", True), ("ip('2001:db8::abcd').isLoopback()", False),
    ("ip('224.0.0.1').isLinkLocalMulticast()", True), ("ip('224.0.1.1').isLinkLocalMulticast()", False),
    ("ip('ff02::1').isLinkLocalMulticast()", True), ("ip('fd00::1').isLinkLocalMulticast()", False),
    ("ip('169.254.169.254').isLinkLocalUnicast()", True), ("ip('192.168.0.1').isLinkLocalUnicast()", False),
    ("ip('fe80::1').isLinkLocalUnicast()", True), ("ip('fd80::1').isLinkLocalUnicast()", False),
    ("ip('192.168.0.1').isGlobalUnicast()", True), ("ip('255.255.255.255').isGlobalUnicast()", False),
    ("ip('2001:db8::abcd').isGlobalUnicast()", True), ("ip('ff00::1').isGlobalUnicast()", False),
    ("string(ip('127.0.0.1'))", "127.0.0.1"), ("string(ip('2001:DB8::0:0:0:ABCD'))", "2001:db8::abcd"),
    # cidr
    ("isCIDR('192.168.0.0/16')", True), ("isCIDR('::1/128')", True), ("isCIDR('192.168.0.0/33')", False),
    ("isCIDR('::1/129')", False),
    ("cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", True),
    ("cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))", False),
    ("cidr('192.168.0.0/24').containsIP('192.168.0.1')", True),
    ("cidr('192.168.0.0/24').containsIP('192.168.1.1')", False),
    ("cidr('192.168.0.0/16').containsCIDR(cidr('192.168.10.0/24'))", True),
    ("cidr('192.168.1.0/24').containsCIDR(cidr('192.168.2.0/24'))", False),
    ("cidr('192.168.0.0/16').containsCIDR('192.168.10.0/24')", True),
    ("cidr('192.168.1.0/24').containsCIDR('192.168.2.0/24')", False),
    ("cidr('192.168.0.1/24').ip() == ip('192.168.0.1')", True), ("cidr('192.168.0.1/24').ip().family()", 4),
    ("cidr('::1/128').ip() == ip('::1')", True), ("cidr('::1/128').ip().family()", 6),
    ("cidr('192.168.0.0/24').masked() == cidr('192.168.0.0/24')", True),
    ("cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')", True),
    ("cidr('192.168.0.0/24') == cidr('192.168.0.0/24').masked()", True),
    ("cidr('192.168.0.1/24') == cidr('192.168.0.1/24').masked()", False),
    ("cidr('192.168.0.0/16').prefixLength()", 16), ("cidr('::1/128').prefixLength()", 128),
    ("string(cidr('192.168.0.1/24'))", "192.168.0.1/24"), ("string(cidr('192.168.0.1/24').masked())", "192.168.0.0/24"),
    ("string(cidr('2001:DB8::/32'))", "2001:db8::/32"),
    # format: format.named and validate on any format value
    ("format.named('dns1123Label').hasValue()", True), ("format.named('no-such-format').hasValue()", False),
    ("format.named('dns1123Label').value() == format.dns1123Label()", True),
    ("format.named('dns1123Label').value().validate('my-label-name').hasValue()", False),
    ("format.named('dns1123Label').value().validate('Bad_Name').value().size()", 1),
    ("format.named('uuid').value().validate('nope').value()", ["does not match the UUID format"]),
    ("cel.bind(f, format.named('labelValue'), f.value().validate('-x').hasValue())", True),
    ("[format.dns1035Label(), format.uri()].all(f, !f.validate('abc').hasValue())", False),
    ("format.dns1123Label().validate('a.b').value().join('\\n').contains('RFC 1123 label')", True),
    ("format.dns1123Label().validate(object.names[1]).orValue(['ok'])", ["ok"]),
    # semver (1.33+)
    ("semver('1.0.0') == semver('1.0.0')", True), ("semver('0.1.0-alpha.1').minor()", 1),
    ("semver('v1.0.0', true) == semver('1.0.0')", True), ("semver('1.0', true) == semver('1.0.0')", True),
    ("semver('01.01.01', true) == semver('1.1.1')", True),
    ("isSemver('1.0.0')", True), ("isSemver('hello')", False), ("isSemver('v1.0')", False),
    ("isSemver('v1.0', true)", True), ("isSemver('1.0', true)", True), ("isSemver('01.01.01', true)", True),
    ("isSemver('01.01.01')", False), ("isSemver('1.0-rc.1', true)", False),
    ("semver('1.2.3').major()", 1), ("semver('1.2.3').minor()", 2), ("semver('1.2.3').patch()", 3),
    ("semver('1.2.3').compareTo(semver('1.2.3'))", 0), ("semver('1.2.3').compareTo(semver('2.0.0'))", -1),
    ("semver('1.2.3').compareTo(semver('0.1.2'))", 1),
    ("semver('1.2.3').isGreaterThan(semver('1.2.2'))", True), ("semver('1.2.3').isLessThan(semver('1.2.2'))", False),
    ("semver('1.0.0+build.1').compareTo(semver('1.0.0+build.2'))", 0),
    ("['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', "
     "'1.0.0-rc.1', '1.0.0'].map(v, semver(v)).all(v, true) && semver('1.0.0-alpha').isLessThan(semver("
     "'1.0.0-alpha.1')) && semver('1.0.0-alpha.1').isLessThan(semver('1.0.0-alpha.beta')) && semver("
     "'1.0.0-beta.2').isLessThan(semver('1.0.0-beta.11')) && semver('1.0.0-rc.1').isLessThan(semver('1.0.0'))",
     True),
]


@pytest.mark.parametrize(("expression", "expected"), EXAMPLES)
def test_documented_examples(expression: str, expected: Any) -> None:
    assert evaluate(expression, **DATA) == expected


@pytest.mark.parametrize(("expression", "words"), [
    ("ip('invalid')", "parse error"), ("ip('127.0.0.256')", "parse error"), ("ip(':::1')", "parse error"),
    ("ip('fe80::1%eth0')", "zone"), ("ip('::ffff:1.2.3.4')", "IPv4-mapped"),
    ("ip.isCanonical('invalid')", "parse error"),
    ("cidr('192.168.0.0/33')", "parse error"), ("cidr('::1/129')", "parse error"),
    ("cidr('192.168.0.0/24').containsIP('not-an-ip')", "parse error"),
    ("cidr('192.168.0.0/24').containsCIDR('192.168.0.0')", "parse error"),
    ("string(quantity('1'))", "no such overload"),
    ("[].min()", "min called on empty list"), ("[].max()", "max called on empty list"),
    ("format.named('nope').value().validate('x')", "optional.none"),
    ("semver('200K')", "major, minor and patch"), ("semver('Three')", "major, minor and patch"),
    ("semver('Mi')", "major, minor and patch"), ("semver('1.0')", "major, minor and patch"),
    ("semver('01.1.1')", "leading zeroes"), ("semver('1.0.0-01')", "leading zeroes"),
    ("semver('1.0-rc', true)", "short version"), ("semver('1.2.3').compareTo(quantity('1'))", "no such overload"),
    # documented, not supported offline: an evaluation error (a policy-error finding), not a crash
    ("[duration('1m'), duration('1s')].sum()", "not supported offline"),
    ("[duration('1m'), duration('1s')].min()", "not supported offline"),
])
def test_documented_errors(expression: str, words: str) -> None:
    result = evaluate(expression)
    assert isinstance(result, tuple) and result[0] == "error" and words in result[1], result


@pytest.mark.parametrize(("version", "expression", "available"), [
    ((1, 30), "isIP('1.2.3.4')", True), ((1, 30), "format.dns1123Label().validate('a').hasValue()", False),
    ((1, 30), "format.named('uuid').hasValue()", False), ((1, 31), "format.named('uuid').hasValue()", True),
    ((1, 32), "isSemver('1.0.0')", False), ((1, 32), "semver('1.0.0').major() == 1", False),
    ((1, 33), "isSemver('1.0.0')", True), ((1, 33), "semver('v1', true).major() == 1", True),
    ((1, 32), "quantity('1').compareTo(quantity('1')) == 0", True),
])
def test_libraries_follow_the_target_kubernetes_version(version: tuple[int, int], expression: str,
                                                       available: bool) -> None:
    if available:
        assert evaluate(expression, version) is True
    else:
        with pytest.raises(RuntimeError, match=r"undeclared reference|no matching overload"):
            evaluate(expression, version)


SEMVER_POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: semver-label}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], resources: [deployments], operations: [CREATE]}
  validations:
  - expression: isSemver(object.metadata.?labels[?'version'].orValue(''), true)
"""


def test_a_policy_using_semver_is_refused_below_kubernetes_1_33(tmp_path: Path) -> None:
    (tmp_path / "policy.yaml").write_text(textwrap.dedent(SEMVER_POLICY))
    assert [p.name for p in load_policies([str(tmp_path)], kubernetes_version="1.33").policies] == ["semver-label"]
    with pytest.raises(PolicyError, match="isSemver") as caught:
        load_policies([str(tmp_path)], kubernetes_version="1.32")
    assert caught.value.line == 9 and "later Kubernetes version than the target 1.32" in str(caught.value)


@pytest.mark.parametrize(("text", "receiver"), [
    ("format.dns1123Label().validate(x)", "format.dns1123Label()"),
    ("a || format.named('x').value().validate(x)", "format.named('x').value()"),
    ("!variables.fmt.validate(x)", "variables.fmt"),
    ("c ? f.validate(x) : g", "f"), ("c?f.validate(x):g", "f"),
    ("x in [format.uri()][0].validate(y)", "[format.uri()][0]"),
    ("x in (a ? format.uri() : format.uuid()).validate(y)", "(a ? format.uri() : format.uuid())"),
    ("m['a.validate('].validate(y)", "m['a.validate(']"),
    ("obj.?fmt.validate(y)", "obj.?fmt"),
])
def test_the_receiver_of_validate(text: str, receiver: str) -> None:
    dot = text.rindex(".validate(") if text.startswith("m[") else text.index(".validate(")
    start = receiver_start(text, dot)
    assert start is not None and text[start:dot] == receiver


FORMAT_POLICY = """\
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata: {name: name-format}
spec:
  matchConstraints:
    resourceRules:
    - {apiGroups: [apps], apiVersions: [v1], resources: [deployments], operations: [CREATE]}
  variables:
  - name: fmt
    expression: format.named(object.metadata.?annotations[?'name-format'].orValue('dns1035Label'))
  validations:
  - expression: "!variables.fmt.value().validate(object.metadata.name).hasValue()"
    messageExpression: "variables.fmt.value().validate(object.metadata.name).value().join('; ')"
"""


def test_a_policy_reading_a_format_by_name(tmp_path: Path) -> None:
    write(tmp_path, {"policies/name-format.yaml": FORMAT_POLICY, "tree/ok.yaml": deployment(name="web"),
                     "tree/bad.yaml": deployment(name="9web")})
    _, findings, output = check(str(tmp_path / "tree"), "--policies", str(tmp_path / "policies"))
    found = [(Path(f["file"]).name, f["message"]) for f in findings if f["rule"] in ("name-format", "policy-error")]
    assert found == [("bad.yaml", "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
                      "with an alphabetic character, and end with an alphanumeric character (regex used for "
                      "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')")], output
