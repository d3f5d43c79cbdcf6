"""Forward mode in the app: the graph in reverse or forward mode with a seed, the passes panel
filling one row per forward pass beside the backward pass's partials, the forward-mode
step-through, sessions and lessons that open in forward mode, and the forward-mode PyTorch code.

Oracle: the closed-form partials of a x² + b x + c (2ax + b, x², x, 1) and of every node of its
graph, written here."""

from __future__ import annotations

import json

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QLabel

import gradexplorer.autograd as ag
from gradexplorer.lessons.presets import load_preset
from gradexplorer.lessons.session import GraphSettings, session_from_json, to_json

from .helpers import make_window, set_x, type_function

A, B, C, X = 1.5, -1.0, 3.0, 2.0
PARTIALS = {"x": 2 * A * X + B, "a": X * X, "b": X, "c": 1.0}


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot, expression="a x^2 + b x + c", x=X, params={"a": A, "b": B, "c": C})
    w.model.set_graph_collapsed(frozenset())  # every box open (the panel is small here)
    return w


def shown(window) -> dict[str, str]:
    """The second line of each input and of the output box, by label."""
    return {
        ("f" if n["kind"] == "output" else n["label"]): n["grad"]
        for n in window.graph_view.node_summary()
        if n["kind"] in ("input", "output")
    }


def test_the_graph_switches_to_forward_mode_and_shows_tangents(window):
    assert window.model.graph == GraphSettings("reverse", "x")
    window.commands["graph.forward"].trigger()
    assert window.model.state.graph.mode == "forward"
    assert shown(window) == {
        "a": "tangent  0",
        "b": "tangent  0",
        "c": "tangent  0",
        "x": "tangent  1",
        "f": "tangent  5",
    }
    ops = {n["label"]: n["grad"] for n in window.graph_view.node_summary() if n["kind"] == "op"}
    assert ops["^"] == "tangent  4"  # d(x²)/dx = 2x
    badges = {n["label"]: n["badge"] for n in window.graph_view.node_summary()}
    assert badges["x"] == "seed" and badges["a"] == ""
    # edges: local × the input's tangent (x² ← x: 4 × 1; a·x² ← a: 4 × 0)
    labels = window.graph_view.edge_labels()
    assert "4 × 1" in labels and "4 × 0" in labels and "∂ 4" not in labels
    assert window.findChild(QComboBox, "graphSeedCombo").isEnabled()
    window.commands["graph.reverse"].trigger()
    assert shown(window)["x"] == "grad  5" and window.graph_view.edge_labels()[0].startswith("∂")
    assert not window.findChild(QComboBox, "graphSeedCombo").isEnabled()


def test_seeding_each_input_in_turn_fills_the_table_beside_the_reverse_pass(window):
    window.commands["graph.forward"].trigger()
    panel = window.forward_mode.passes
    counter = window.findChild(QLabel, "passCounterLabel")
    assert counter.isVisible() and panel.isVisible()
    text = counter.text().replace("\u2060", "")
    assert "Reverse mode: 1 pass gave ∂f/∂x, ∂f/∂a, ∂f/∂b, ∂f/∂c." in text
    assert "Forward mode: 4 passes, one per input (1 done here)." in text
    assert [r[0].replace("\u2060", "") for r in panel.rows()] == [
        "∂f/∂x",
        "∂f/∂a",
        "∂f/∂b",
        "∂f/∂c",
    ]
    assert panel.rows()[1][2] == "not yet"
    combo = window.findChild(QComboBox, "graphSeedCombo")
    for name in ("a", "b", "c"):
        combo.setCurrentIndex(combo.findData(name))
        assert window.model.graph.seed == name
        assert shown(window)["f"] == f"tangent  {PARTIALS[name]:g}"
    assert window.model.forward_passes == PARTIALS
    assert "(4 done here)" in counter.text()
    for (_, reverse, forward, agree), name in zip(panel.rows(), PARTIALS, strict=True):
        assert float(reverse) == float(forward) == PARTIALS[name] and agree == "✓"
    # another point: the passes say nothing about it; the live one is done again at once
    set_x(window, 1.0)
    assert window.model.forward_passes == {"c": 1.0}
    window.commands["graph.next_seed"].trigger()  # c → x
    assert window.model.graph.seed == "x" and window.model.forward_passes["x"] == 2 * A + B


def test_the_forward_mode_step_through_fills_its_row_only_at_its_end(window):
    window.commands["step.tangent"].trigger()
    assert window.model.graph.mode == "forward"  # the graph shows the mode being stepped
    frame = window.model.step
    assert frame.mode == "tangent" and frame.second_caption == "tangent"
    assert window.model.forward_passes == {}  # about to be stepped: not done
    summary = {n["label"]: n for n in window.graph_view.node_summary()}
    assert summary["x"]["grad"] == "tangent  not computed yet"
    # the arrows show an input's tangent only once it is computed (x² ← x: local 4)
    assert "4 × ?" in window.graph_view.edge_labels()
    window.commands["step.next"].trigger()  # ẋ = 1, the seed
    assert window.findChild(QLabel, "stepperFormula").text() == "ẋ = 1.000"
    assert "4 × 1" in window.graph_view.edge_labels()
    summary = {n["label"]: n for n in window.graph_view.node_summary()}
    assert summary["x"]["grad"] == "tangent  1" and summary["x"]["current"] == "yes"
    window.commands["step.end"].trigger()
    assert window.model.forward_passes == {"x": PARTIALS["x"]}
    formula = window.findChild(QLabel, "stepperFormula").text()
    assert formula.startswith("ẏ = ") and formula.endswith("= 5.000")
    # another seed is another pass: the step-through starts again before its first step
    window.commands["graph.next_seed"].trigger()
    assert window.model.graph.seed == "a" and window.model.step.position == -1
    window.commands["step.end"].trigger()
    assert window.model.forward_passes == {"x": PARTIALS["x"], "a": PARTIALS["a"]}


def test_the_graph_shows_the_pass_being_stepped(window):
    window.commands["step.tangent"].trigger()
    window.commands["graph.reverse"].trigger()  # the reverse graph: forward stepping ends
    assert window.model.step is None
    window.commands["graph.forward"].trigger()
    window.commands["step.backward"].trigger()  # the backward pass: the graph turns reverse
    assert window.model.graph.mode == "reverse" and window.model.step.mode == "backward"
    assert window.stepper_panel.mode == "backward"
    window.commands["step.tangent"].trigger()
    assert window.stepper_panel.mode_combo.currentData() == "tangent"


def test_a_seed_that_is_typed_away_goes_back_to_x(qtbot, window):
    window.commands["graph.forward"].trigger()
    window.model.set_graph_seed("b")
    type_function(qtbot, window, "a x^2 + c")
    window.model.set_graph_collapsed(frozenset())  # another function: boxes chosen afresh
    assert window.model.graph == GraphSettings("forward", "x")
    combo = window.findChild(QComboBox, "graphSeedCombo")
    assert [combo.itemData(i) for i in range(combo.count())] == ["x", "a", "c"]
    assert shown(window)["x"] == "tangent  1"
    with pytest.raises(ValueError, match="cannot seed on 'b'"):
        window.model.set_graph_seed("b")
    assert window.model.graph.seed == "x"  # nothing changed


def test_the_graph_mode_is_saved_and_lessons_open_in_forward_mode(window):
    window.commands["graph.forward"].trigger()
    window.model.set_graph_seed("c")
    state = session_from_json(to_json(window.model.state))
    assert json.loads(to_json(state))["graph"] == {"mode": "forward", "seed": "c"}
    window.model.set_graph_mode("reverse")
    window.model.set_state(state)
    assert window.model.graph == GraphSettings("forward", "c")
    assert shown(window)["f"] == "tangent  1"
    lesson = load_preset("dual-numbers")
    window.sessions.open_preset(lesson)
    assert window.model.graph == GraphSettings("forward", "x")
    assert shown(window)["f"] == "tangent  7"  # v̇ = 7 at x = 2, as the lesson promises
    assert window.model.forward_passes == {"x": 7.0}


def test_copy_as_pytorch_forward_mode_code(window):
    window.commands["graph.forward"].trigger()
    window.model.set_graph_seed("b")
    window.commands["file.export.copy_forward_code"].trigger()
    code = QGuiApplication.clipboard().text()
    expected = window.model.expression.to_pytorch(
        X, {"a": A, "b": B, "c": C}, mode="forward", seed="b"
    )
    assert code == expected
    assert "from torch.func import jvp" in code and "fwAD.make_dual(b," in code
    assert "4 jvp passes" in window.statusBar().currentMessage()


def test_forward_mode_where_f_is_undefined_and_for_an_op_without_tangent_rules(qtbot, window):
    window.commands["graph.forward"].trigger()
    type_function(qtbot, window, "ln(x)")
    set_x(window, -1.0)
    assert shown(window)["f"] == "tangent  undefined"
    op = ag.define_op(
        "cubed",
        "cubed",
        lambda a: a**3,
        lambda F, g, out, a: g * 3 * a * a,
        function="cubed",
        words=("cubed",),
    )
    try:
        type_function(qtbot, window, "cubed(x) + x")
        set_x(window, 2.0)
        assert window.model.forward_trace is None
        assert window.graph_view.node_count() == 0  # a message instead of a wrong graph
        window.commands["graph.reverse"].trigger()
        assert window.graph_view.node_count() > 0 and shown(window)["x"] == "grad  13"
    finally:
        ag.remove_op(op.name)


def test_presentation_mode_keeps_the_table_readable(window):
    window.commands["graph.forward"].trigger()
    table = window.forward_mode.passes.table
    before = table.width()
    window.presentation.set_presentation(True)
    assert table.width() > before  # the columns were measured again at the larger font
    assert table.horizontalScrollBar().maximum() == 0
    window.presentation.set_presentation(False)


def test_the_seed_keeps_its_box_when_the_graph_is_collapsed_to_fit(qtbot):
    w = make_window(qtbot, expression="a x^2 + b x + c", x=X, params={"a": A, "b": B, "c": C})
    w.commands["graph.forward"].trigger()
    for seed in ("x", "a", "b"):
        w.model.set_graph_seed(seed)
        summary = w.graph_view.node_summary()
        assert any(n["kind"] == "group" for n in summary)  # the panel is small: collapsed
        (box,) = [n for n in summary if n["badge"] == "seed"]
        assert (box["label"], box["grad"]) == (seed, "tangent  1")
        out = next(n for n in summary if n["kind"] == "output")
        assert out["grad"] == f"tangent  {PARTIALS[seed]:g}"


def test_forward_mode_is_for_one_input_and_a_landscape_goes_back_to_reverse(qtbot, window) -> None:
    window.commands["graph.forward"].trigger()
    assert window.model.graph.mode == "forward"
    type_function(qtbot, window, "f(x, y) = x^2 + 3y^2", debounce=False)
    assert window.model.two_inputs and window.model.graph.mode == "reverse"
    assert window.model.forward_trace is None
    for cid in ("graph.forward", "graph.next_seed", "file.export.copy_forward_code"):
        assert not window.commands[cid].isEnabled(), cid
    assert not window.findChild(QComboBox, "graphModeCombo").isEnabled()
    window.model.set_graph_mode("forward")  # refused quietly: the state keeps reverse mode
    assert window.model.state.graph.mode == "reverse"
    type_function(qtbot, window, "a x^2 + b x + c", debounce=False)
    assert window.commands["graph.forward"].isEnabled()
