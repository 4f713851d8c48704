"""Variables woven into the expressions that read them, as lazy bindings."""

from __future__ import annotations

from gitops_gen.cel.inline import rewrite, weave
from gitops_gen.cel.library import environment

VARIABLES = [("spec", "object.spec"), ("containers", "variables.spec.containers"), ("bad", "object.nothing")]


def test_references_are_rewritten_outside_string_literals_only() -> None:
    text = "variables.a.b + 'variables.x' + \"it's variables.y\" + r'\\' + variables.c + '''variables.z'''"
    assert rewrite(text) == ("__gg_var_a.b + 'variables.x' + \"it's variables.y\" + r'\\' + __gg_var_c"
                             " + '''variables.z'''", ["a", "c"])


def test_has_of_a_variable_itself_is_left_but_a_field_of_it_is_woven() -> None:
    assert rewrite("has(variables.a) && has(variables.b.c)") == ("has(variables.a) && has(__gg_var_b.c)", ["b"])


def test_only_the_variables_read_are_bound_in_declared_order_with_what_they_read() -> None:
    assert weave("variables.containers.size() > 0", VARIABLES) == (
        "cel.bind(__gg_var_spec, object.spec, cel.bind(__gg_var_containers, __gg_var_spec.containers, "
        "__gg_var_containers.size() > 0))")
    assert weave("object.kind == 'Pod'", VARIABLES) == "object.kind == 'Pod'"


def test_bindings_are_lazy_as_the_api_server_evaluates_variables() -> None:
    env = environment()
    activation = env.Activation({"object": {"spec": {"containers": [1]}}})
    for expression, expected in [("variables.containers.size() == 1", True),
                                 ("true || variables.bad", True), ("false && variables.bad == 1", False)]:
        assert env.compile(weave(expression, VARIABLES)).eval(activation).value() is expected
