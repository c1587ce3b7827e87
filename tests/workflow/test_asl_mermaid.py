"""The Mermaid diagram: every state, every transition, stable text, safe labels."""

from __future__ import annotations

import re

import pytest
from hypothesis import given

from tests.workflow.asl_strategies import conditions
from tests.workflow.samples import build_sample
from workflow.asl import Choice, Condition, Pass, StateMachine, Succeed, Task
from workflow.asl.mermaid import END_ID, START_ID, escape, summarize, to_mermaid
from workflow.asl.validate_flow import is_terminal, sub_machines, transitions

pytestmark = pytest.mark.unit
NODE = re.compile(r"^\s+(\w+)(\[\[|\[/|\[|\{\{|\{|\(\[|\(\(\(|\(\(|>)\"(.*?)\"")
EDGE = re.compile(r"^\s+(\w+) -->(?:\|\"(.*?)\"\|)? (\w+)$")


def parse(diagram: str) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str | None, str]]]:
    """Node id -> (shape opening, label), and (source, label, target) edges."""
    nodes, edges = {}, []
    for line in diagram.splitlines()[1:]:
        if (edge := EDGE.match(line)) is not None:
            edges.append((edge[1], edge[2], edge[3]))
        elif (node := NODE.match(line)) is not None:
            nodes[node[1]] = (node[2], node[3])
    return nodes, edges


def all_states(machine: dict):
    for name, state in machine["States"].items():
        yield name, state
        for sub in sub_machines(state):
            yield from all_states(sub)


def test_every_state_is_a_node_and_every_transition_an_edge():
    machine = build_sample()
    diagram = machine.to_mermaid()
    assert diagram.startswith("flowchart TD\n")
    nodes, edges = parse(diagram)
    ids = {label: node_id for node_id, (_, label) in nodes.items()}
    document = machine.to_dict()
    states = dict(all_states(document))
    assert set(ids) == set(states) | {"start", "end"}
    edge_set = {(source, target) for source, _, target in edges}
    for name, state in states.items():
        for _, target in transitions(state):
            assert (ids[name], ids[target]) in edge_set, (name, target)
        for sub in sub_machines(state):
            assert (ids[name], ids[sub["StartAt"]]) in edge_set
    assert (START_ID, ids[document["StartAt"]]) in edge_set
    ends = {source for source, _, target in edges if target == END_ID}
    assert ends == {ids[n] for n, s in document["States"].items() if is_terminal(s)}
    # Retry is not drawn: Summarize retries but has no edge back to itself.
    assert (ids["Summarize"], ids["Summarize"]) not in edge_set


def test_node_shapes_follow_the_state_type():
    nodes, _ = parse(build_sample().to_mermaid())
    shape = {label: opening for opening, label in nodes.values()}
    assert shape["Summarize"] == "["  # Task
    assert shape["Start"] == "[/"  # Pass
    assert shape["Route"] == "{"  # Choice
    assert shape["Backoff"] == "{{"  # Wait
    assert shape["Done"] == "(["  # Succeed
    assert shape["Failed"] == ">"  # Fail
    assert shape["Enrich"] == shape["EachOrder"] == "[["  # Parallel, Map


def test_edges_are_labelled_with_what_decides_them():
    _, edges = parse(build_sample().to_mermaid())
    labels = {(s, t): label for s, label, t in edges}
    assert labels[("Route", "Backoff")] == "opensAt is absent"
    assert labels[("Route", "WaitUntilOpen")] == "opensAt #gt; #quot;2024-01-01T00:00:00Z#quot;"
    assert (
        labels[("Route", "Enrich")]
        == "mode == #quot;express#quot; or mode matches #quot;fast-*#quot;"
    )
    assert labels[("Route", "WaitForSlot")] == "not priority #gt; 5"
    assert labels[("Route", "Failed")] == "default"
    assert labels[("Summarize", "FailedWithInput")] == "catch States.ALL"
    assert labels[("EachOrder", "Failed")] == "catch States.TaskFailed"
    assert labels[("Enrich", "FetchProfile")] == "branch 1"
    assert labels[("EachOrder", "Prepare")] == "each item"
    assert labels[("Summarize", "Done")] is None


def test_subgraphs_hold_the_nested_states():
    diagram = build_sample().to_mermaid()
    block = diagram[diagram.index('subgraph sg_EachOrder_1 ["EachOrder: each item"]') :]
    block = block[: block.index("\n    end\n")]
    assert 'Prepare[/"Prepare"/]' in block and 'Charge["Charge"]' in block
    assert "Summarize" not in block


def test_the_diagram_is_deterministic():
    assert build_sample().to_mermaid() == build_sample().to_mermaid()


def test_ids_are_sanitized_unique_and_avoid_reserved_words():
    end = Pass("end")
    start = Pass("a b")
    start.next(Pass("a_b")).next(Pass("1st")).next(end).next(Succeed('say "hi" <b>&#'))
    nodes, edges = parse(StateMachine(start).to_mermaid())
    labels = {node_id: label for node_id, (_, label) in nodes.items()}
    assert labels["a_b"] == "a b"
    assert labels["a_b_2"] == "a_b"
    assert labels["s_1st"] == "1st"
    assert labels["s_end"] == "end"
    assert "say #quot;hi#quot; #lt;b#gt;#amp;#35;" in labels.values()
    assert all(re.fullmatch(r"\w+", node_id) for node_id in labels)
    assert len(edges) == 6


def test_escape_leaves_no_markup():
    text = escape('a "b" <c> d|e #f &g\nh')
    assert not set(text) & set('"<>|\n')
    assert text == "a #quot;b#quot; #lt;c#gt; d#124;e #35;f #amp;g h"


def test_guards_are_left_out_of_the_summary():
    status = "$.status.status"
    rule = Condition.and_(
        Condition.is_present(status),
        Condition.is_string(status),
        Condition.or_(
            Condition.string_equals(status, "Failed"), Condition.string_equals(status, "Stopped")
        ),
        Condition.is_numeric("$.n"),
    )
    assert summarize(rule.to_dict()) == 'status.status in ["Failed", "Stopped"] and n is a number'


@pytest.mark.parametrize(
    ("condition", "text"),
    [
        (Condition.is_present("$.x"), "x is present"),
        (Condition.is_null("$.x", False), "x is not null"),
        (Condition.is_timestamp("$.x"), "x is a timestamp"),
        (Condition.numeric_less_than_equals_path("$.a", "$.b"), "a <= b"),
        (Condition.boolean_equals("$.ok", False), "ok == false"),
        (Condition.string_matches("$", "a*"), '$ matches "a*"'),
        (
            Condition.not_(Condition.and_(Condition.is_null("$.a"), Condition.is_null("$.b"))),
            "not (a is null and b is null)",
        ),
        (
            Condition.or_(
                Condition.and_(Condition.is_null("$.a"), Condition.is_null("$.b")),
                Condition.is_null("$.c"),
            ),
            "(a is null and b is null) or c is null",
        ),
    ],
)
def test_summaries(condition, text):
    assert summarize(condition.to_dict()) == text


def test_long_labels_are_cut():
    rule = Condition.or_(*(Condition.string_equals(f"$.field{i}", "value") for i in range(12)))
    choice = Choice("Route").when(rule, Succeed("Yes")).otherwise(Succeed("No"))
    _, edges = parse(StateMachine(choice).to_mermaid(max_label_length=40))
    label = next(label for s, label, t in edges if t == "Yes")
    assert label is not None
    assert len(label.replace("#quot;", '"')) <= 40 and label.endswith("…")
    _, full = parse(StateMachine(choice).to_mermaid(max_label_length=None))
    assert "field11" in str(next(label for s, label, t in full if t == "Yes"))


@given(rule=conditions())
def test_any_rule_has_a_one_line_summary(rule):
    text = summarize(rule.to_dict())
    assert text and "\n" not in text
    choice = Choice("Route").when(rule, Task("Yes", "arn:x")).otherwise(Succeed("No"))
    nodes, edges = parse(to_mermaid(StateMachine(choice).to_dict()))
    assert len(nodes) == 5 and len(edges) == 5
