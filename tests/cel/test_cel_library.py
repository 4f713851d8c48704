"""The Kubernetes CEL libraries written here (no Python package has them), one test per
function, on the examples of the Kubernetes CEL documentation; and the cel-cpp parts policies
rely on (optionals, strings extension, macros)."""

from __future__ import annotations

from typing import Any

import pytest

from gitops_gen.cel.library import environment


def evaluate(expression: str, **data: Any) -> Any:
    from cel_expr_python import cel

    value = environment().compile(expression).eval(environment().Activation(data))
    if value.type() == cel.Type.ERROR:
        return ("error", str(value.value()))
    return value.plain_value()


TRUE = [
    # quantity
    "quantity('1Gi').isGreaterThan(quantity('500Mi'))",
    "!quantity('50M').isGreaterThan(quantity('100M'))",
    "quantity('50M').isLessThan(quantity('100M'))",
    "isQuantity('1.3G') && !isQuantity('1.3GB')",
    "quantity('1') == quantity('1000m')",
    "quantity('1.5G').isInteger() && !quantity('1.5').isInteger()",
    "quantity('50k').asInteger() == 50000",
    "quantity('1.5G').asApproximateFloat() == 1.5e9",
    "quantity('50m').sign() == 1 && quantity('-1').sign() == -1 && quantity('0').sign() == 0",
    "quantity('5k').add(quantity('3k')) == quantity('8k')",
    "quantity('5k').add(3) == quantity('5003')",
    "quantity('5k').sub(quantity('2k')) == quantity('3k')",
    "quantity('5k').sub(2000) == quantity('3k')",
    "quantity('1Gi').compareTo(quantity('1024Mi')) == 0",
    "quantity('1e3') == quantity('1k')",
    # url
    "url('https://example.com:80/').getHost() == 'example.com:80'",
    "url('https://example.com/path').getScheme() == 'https'",
    "url('https://[::1]:80/').getHostname() == '::1'",
    "url('https://[::1]:80/').getHost() == '[::1]:80'",
    "url('https://example.com:80/').getPort() == '80' && url('https://example.com/').getPort() == ''",
    "url('https://example.com/path with spaces/').getEscapedPath() == '/path%20with%20spaces/'",
    "url('https://example.com/path?k1=a&k2=b&k2=c').getQuery() == {'k1': ['a'], 'k2': ['b', 'c']}",
    "isURL('https://example.com:80/') && isURL('/absolute-path') && !isURL('../relative-path')",
    # ip
    "isIP('127.0.0.1') && isIP('::1') && !isIP('1.2.3') && !isIP('fe80::1%eth0')",
    "!isIP('::ffff:1.2.3.4')",
    "ip('127.0.0.1').family() == 4 && ip('::1').family() == 6",
    "ip.isCanonical('127.0.0.1') && !ip.isCanonical('2001:DB8::1')",
    "ip('127.0.0.1').isLoopback() && ip('::1').isLoopback()",
    "ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified()",
    "ip('224.0.0.1').isLinkLocalMulticast() && ip('ff02::1').isLinkLocalMulticast()",
    "ip('169.254.169.254').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()",
    "ip('192.168.0.1').isGlobalUnicast() && !ip('255.255.255.255').isGlobalUnicast()",
    "ip('192.168.0.1') == ip('192.168.0.1')",
    # cidr
    "isCIDR('192.168.0.0/24') && !isCIDR('192.168.0.0') && !isCIDR('192.168.0.0/33')",
    "cidr('192.168.0.0/24').containsIP(ip('192.168.0.1')) && cidr('192.168.0.0/24').containsIP('192.168.0.1')",
    "!cidr('192.168.0.0/24').containsIP('192.168.1.1')",
    "cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25'))",
    "cidr('192.168.0.0/24').containsCIDR('192.168.0.0/24') && !cidr('192.168.0.0/24').containsCIDR('192.168.0.0/23')",
    "cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')",
    "cidr('192.168.0.0/24').prefixLength() == 24",
    "cidr('192.168.0.0/24').ip() == ip('192.168.0.0')",
    "cidr('::1/128').ip().family() == 6",
    # lists
    "[1, 2, 3].isSorted() && !['b', 'a'].isSorted() && [].isSorted()",
    "[1, 2, 3].sum() == 6 && [1.5, 2.5].sum() == 4.0",
    "[1, 2, 3].min() == 1 && ['b', 'a'].min() == 'a'",
    "[1, 2, 3].max() == 3",
    # regex
    "'abc 123'.find('[0-9]+') == '123' && 'abc'.find('[0-9]+') == ''",
    "'123 abc 456'.findAll('[0-9]+') == ['123', '456']",
    "'123 abc 456'.findAll('[0-9]+', 1) == ['123']",
    # sets
    "sets.contains([1, 2, 3, 4], [2, 3]) && !sets.contains([1], [2])",
    "sets.equivalent([1, 2, 3], [3, 2, 1])",
    "sets.intersects([1, 2], [2, 3]) && !sets.intersects([1], [2])",
    # cel-cpp: optionals, strings extension, macros, math, bind
    "object.?spec.?missing.orValue('d') == 'd' && object.metadata.labels[?'team'].hasValue()",
    "'a,b'.split(',') == ['a', 'b'] && ['a', 'b'].join('-') == 'a-b' && 'Ab'.lowerAscii() == 'ab'",
    "'hello'.indexOf('l') == 2 && ' x '.trim() == 'x' && 'aXa'.replace('a', 'b') == 'bXb'",
    "'%s/%d'.format(['a', 1]) == 'a/1'",
    "object.metadata.labels.all(k, k.startsWith('t')) && [1, 2].exists_one(x, x > 1)",
    "math.greatest(1, 2) == 2 && cel.bind(x, 2, x * x) == 4",
    "duration('1h') > duration('30m') && timestamp('2024-01-01T00:00:00Z') < timestamp('2025-01-01T00:00:00Z')",
]


@pytest.mark.parametrize("expression", TRUE)
def test_kubernetes_cel_library_examples(expression: str) -> None:
    assert evaluate(expression, object={"metadata": {"labels": {"team": "a"}}}) is True


@pytest.mark.parametrize(("expression", "words"), [
    ("quantity('1.3GB')", "quantities must match"),
    ("quantity('1.5').asInteger()", "cannot convert"),
    ("url('../relative')", "URL parse error"),
    ("ip('1.2.3')", "parse error"),
    ("cidr('10.0.0.0')", "parse error"),
    ("[].min()", "empty list"),
    ("object.spec.replicas", "Key not found"),
])
def test_errors_are_cel_errors(expression: str, words: str) -> None:
    result = evaluate(expression, object={})
    assert isinstance(result, tuple) and result[0] == "error" and words in result[1]


FORMATS = [
    "!format.dns1123Label().validate('my-label-name').hasValue()",
    "format.dns1123Label().validate('Bad_Name').value()[0].contains('RFC 1123 label')",
    "!format.dns1123Subdomain().validate('apiextensions.k8s.io').hasValue()",
    "format.dns1123Subdomain().validate('a..b').hasValue()",
    "!format.dns1035Label().validate('my-name').hasValue() && format.dns1035Label().validate('1abc').hasValue()",
    "!format.qualifiedName().validate('apiextensions.k8s.io/v1beta1').hasValue()",
    "format.qualifiedName().validate('/name').hasValue()",
    "!format.dns1123LabelPrefix().validate('my-label-prefix-').hasValue()",
    "!format.dns1123SubdomainPrefix().validate('mysubdomain.prefix.-').hasValue()",
    "!format.dns1035LabelPrefix().validate('my-label-prefix-').hasValue()",
    "!format.labelValue().validate('').hasValue() && format.labelValue().validate('-x').hasValue()",
    "!format.uri().validate('http://example.com').hasValue() && format.uri().validate('relative').hasValue()",
    "!format.uuid().validate('123e4567-e89b-12d3-a456-426614174000').hasValue()",
    "!format.byte().validate('aGVsbG8=').hasValue() && format.byte().validate('@@').hasValue()",
    "!format.date().validate('2021-01-01').hasValue() && format.date().validate('2021-13-01').hasValue()",
    "!format.datetime().validate('2021-01-01T00:00:00Z').hasValue()",
    "format.datetime().validate('2021-01-01').hasValue()",
    "format.dns1123Label().validate(object.metadata.labels.team + ')').value().size() == 1",
]


@pytest.mark.parametrize("expression", FORMATS)
def test_the_format_library_on_the_documentation_examples(expression: str) -> None:
    from gitops_gen.cel.formats import rewrite

    assert evaluate(rewrite(expression), object={"metadata": {"labels": {"team": "a"}}}) is True
