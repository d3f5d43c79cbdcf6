"""Wrong backward passes in the app: the algorithm choice in the step-through, badges, red
gradients, the side-by-side table; backward run again; the four lessons; copying the PyTorch
program.

Oracles: closed forms (x² + 3x at 2: 7 from calculus, 16 and 5 from the notebook's code;
u = x + x; u² + 3u: 22 and 38; k runs with retain_graph accumulate 7k) and PyTorch's own error
text (torch/csrc/autograd/saved_variable.cpp).
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QComboBox, QDockWidget, QLabel

from gradexplorer.lessons.replay import NOTEBOOK, RECURSIVE, TOPOLOGICAL, replay
from gradexplorer.lessons.replay_stepper import ReplayFrame

from .helpers import make_window, set_x, type_function

ERR_BACKWARD_TWICE = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values "
    "of the graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)


@pytest.fixture
def window(qtbot):
    return make_window(qtbot, expression="x^2 + 3x", x=2.0)


def boxes(window) -> dict[str, dict[str, str]]:
    """Graph boxes by their step name (x, u, y, ...)."""
    return {n["name"] or n["label"].split()[0]: n for n in window.graph_view.node_summary()}


def text(window, name: str) -> str:
    return window.findChild(QLabel, name).text()


def to_end(window) -> None:
    window.commands["step.end"].trigger()


def test_choosing_the_notebooks_algorithm_steps_through_it(window):
    window.commands["step.algorithm.notebook"].trigger()
    model, panel = window.model, window.stepper_panel
    assert model.backward_algorithm == NOTEBOOK and panel.active
    assert isinstance(model.step, ReplayFrame) and model.step.count == 7
    assert window.findChild(QComboBox, "stepperAlgorithm").currentData() == NOTEBOOK
    assert window.commands["step.algorithm.notebook"].isChecked()
    assert not window.commands["step.algorithm.topological"].isChecked()
    seen = []
    for _ in range(7):
        panel.step_forward()
        seen.append(text(window, "stepperExplanation"))
        current = [n for n in window.graph_view.node_summary() if n["current"]]
        assert len(current) == 1  # the node being visited is highlighted
    assert all("+1 re-seeded here" in words for words in seen[1:])
    x = boxes(window)["x"]
    assert x["grad"] == "grad  16" and x["wrong"] == "yes" and x["badge"] == "×2"
    assert boxes(window)["y"]["wrong"] == ""  # its 1 is right
    table = panel.comparison
    assert table.isVisible()
    rows = {r[0]: r for r in table.row_texts()}
    assert rows["x"][1:] == ["16", "7", "2 / 1"]
    assert rows["3"][1:3] == ["5", "— (none needed)"]
    assert table.caption.text().startswith("At the end")


def test_recursion_without_waiting_on_the_reused_intermediate(qtbot, window):
    type_function(qtbot, window, "u = x + x; u^2 + 3u")
    window.stepper_panel.use_algorithm(RECURSIVE)
    panel = window.stepper_panel
    assert window.model.step.count == 11
    pushed_again = None
    for _ in range(11):
        panel.step_forward()
        if "Pushed again" in text(window, "stepperExplanation"):
            pushed_again = boxes(window)["u"]
            assert "u was visited before all its uses arrived" in text(window, "stepperExplanation")
    assert pushed_again is not None and pushed_again["badge"] == "×2"
    x = boxes(window)["x"]
    assert (x["grad"], x["badge"], x["wrong"]) == ("grad  38", "×4", "yes")
    assert boxes(window)["u"]["wrong"] == ""  # 11 in the end: right, but pushed twice
    assert {r[0]: r for r in panel.comparison.row_texts()}["x"][1:3] == ["38", "22"]


def test_switching_algorithm_restarts_and_forward_mode_has_none(window):
    panel = window.stepper_panel
    panel.use_algorithm(NOTEBOOK)
    panel.step_forward()
    panel.step_forward()
    window.commands["step.algorithm.topological"].trigger()
    assert window.model.step.position == -1 and not isinstance(window.model.step, ReplayFrame)
    assert not panel.comparison.isVisible()
    window.commands["step.forward"].trigger()
    assert not window.findChild(QComboBox, "stepperAlgorithm").isEnabled()
    window.commands["step.backward"].trigger()
    assert window.findChild(QComboBox, "stepperAlgorithm").isEnabled()


def test_moving_x_keeps_the_visit_and_updates_the_numbers(window):
    panel = window.stepper_panel
    panel.use_algorithm(NOTEBOOK)
    to_end(window)
    set_x(window, 1.0)
    assert window.model.step.position == 6  # same graph: same visit
    trace = window.model.point.trace
    x_id = next(n.id for n in trace.nodes if n.label == "x")
    expected = replay(trace, NOTEBOOK).final[x_id]  # checked against the notebook's own code
    assert boxes(window)["x"]["grad"] == f"grad  {expected:g}"
    # the correct value there is 2x + 3 = 5
    assert {r[0]: r for r in panel.comparison.row_texts()}["x"][2] == "5"


def test_too_many_visits_are_a_message_not_a_hang(qtbot, window):
    chain = "; ".join(["b_1 = x + x", *(f"b_{k} = b_{k - 1} + b_{k - 1}" for k in range(2, 18))])
    type_function(qtbot, window, chain + "; b_17")
    window.stepper_panel.use_algorithm(RECURSIVE)
    assert window.model.step.count == 0
    assert "too much work" in text(window, "stepperFormula")
    assert "262,143" in text(window, "stepperExplanation")


# ------------------------------------------------------------------------- backward again


def test_backward_again_without_retain_graph_shows_pytorchs_message(window):
    window.commands["step.run_again"].trigger()
    dock = window.findChild(QDockWidget, "backwardRunsDock")
    assert dock.isVisible()
    assert text(window, "runsHeadline") == f"RuntimeError: {ERR_BACKWARD_TWICE}"
    words = text(window, "runsExplanation")
    assert "Why PyTorch frees them" in words and "retain graph" in words
    shown = boxes(window)
    assert shown["x"]["grad"] == "grad  7"
    assert shown["y"]["badge"] == "" and shown["u₁"]["badge"] == "freed"  # x² saved x


def test_with_retain_graph_the_leaf_gradient_accumulates_then_zero_grad(window):
    window.commands["step.retain_graph"].trigger()
    assert window.model.retain_graph and window.commands["step.retain_graph"].isChecked()
    for k in (2, 3, 4):
        window.commands["step.run_again"].trigger()
        assert boxes(window)["x"]["grad"] == f"grad  {7 * k}"
        assert boxes(window)["x"]["badge"] == f"{k} runs"
        assert window.model.backward_runs.grads == {"x": 7.0 * k}
    assert "7 → 14 → 21 → 28" in text(window, "runsHeadline")
    assert "Why .grad accumulates" in text(window, "runsExplanation")
    window.commands["step.zero_grad"].trigger()
    assert boxes(window)["x"]["grad"] == "grad  not computed yet"
    window.commands["step.run_again"].trigger()
    assert boxes(window)["x"]["grad"] == "grad  7"
    window.commands["step.one_backward"].trigger()
    assert window.model.backward_runs is None and boxes(window)["x"]["grad"] == "grad  7"
    assert not window.graph_view.showing_runs and boxes(window)["x"]["badge"] == ""


def test_a_new_point_is_a_new_graph(window):
    window.commands["step.retain_graph"].trigger()
    window.commands["step.run_again"].trigger()
    set_x(window, 1.0)
    assert window.model.backward_runs is None
    assert boxes(window)["x"]["grad"] == "grad  5"  # 2x + 3, one pass, live again


def test_closing_the_dock_forgets_the_runs(window):
    window.commands["step.run_again"].trigger()
    window.findChild(QDockWidget, "backwardRunsDock").close()
    assert window.model.backward_runs is None


def test_copy_as_pytorch_code_repeats_the_runs(window):
    window.commands["step.retain_graph"].trigger()
    window.commands["step.run_again"].trigger()
    window.commands["step.run_again"].trigger()
    window.commands["file.export.copy_code"].trigger()
    code = QGuiApplication.clipboard().text()
    assert code.count("y.backward(retain_graph=True)") == 3
    assert re.findall(r"# x\.grad = (\d+)", code) == ["7", "14", "21"]
    window.commands["step.retain_graph"].trigger()  # off: a new graph, one pass
    window.commands["step.run_again"].trigger()
    window.commands["file.export.copy_code"].trigger()
    assert "except RuntimeError as err:" in QGuiApplication.clipboard().text()


def test_copy_as_pytorch_code_after_a_wrong_algorithm(qtbot, window):
    type_function(qtbot, window, "u = x + x; u^2 + 3u")
    window.stepper_panel.use_algorithm(RECURSIVE)
    window.commands["file.export.copy_code"].trigger()
    code = QGuiApplication.clipboard().text()
    assert "    u = x + x\n" in code and "#   df/dx = 38   (PyTorch: 22)" in code


# ------------------------------------------------------------------------- the lessons


def open_lesson(window, words: str):
    preset = next(p for p in window.sessions.presets if words in p.title)
    window.sessions.open_preset(preset)
    return preset


def test_the_four_lessons_are_in_the_menu_and_set_the_algorithm(window):
    titles = [a.text() for a in window.sessions.preset_actions]
    for words in ("notebook's 16", "reused intermediate", "Exponential revisits", "twice"):
        assert any(words in t for t in titles), words
    open_lesson(window, "notebook's 16")
    assert window.model.backward_algorithm == NOTEBOOK
    window.commands["step.backward"].trigger()
    to_end(window)
    assert boxes(window)["x"]["grad"] == "grad  16"
    open_lesson(window, "reused intermediate")
    assert window.model.backward_algorithm == RECURSIVE
    assert window.model.step.count == 11  # the step-through follows the new graph
    open_lesson(window, "seed example")
    assert window.model.backward_algorithm == TOPOLOGICAL


def test_the_exponential_lesson_steps_through_2047_visits(window):
    open_lesson(window, "Exponential revisits")
    window.commands["step.backward"].trigger()
    assert window.model.step.count == 2047
    to_end(window)
    # (the graph may fold the start of the chain into one box to stay legible; the table lists
    # every node)
    rows = {r[0]: r for r in window.stepper_panel.comparison.row_texts()}
    assert rows["x"][1:] == ["2,345,233,639,424", "1,024", "1,024 / 1"]


def test_a_lesson_file_opened_by_hand_selects_its_algorithm(window):
    preset = next(p for p in window.sessions.presets if "Exponential" in p.title)
    assert window.sessions.open_file(preset.path)
    assert window.model.backward_algorithm == RECURSIVE
    plain = next(p for p in window.sessions.presets if "seed example" in p.title)
    assert window.sessions.open_file(plain.path)
    assert window.model.backward_algorithm == TOPOLOGICAL


def test_28_doublings_fit_in_500_characters_and_stay_cheap(qtbot, window):
    """Every use of a name is one node, but a formula written out doubles per level: the graph's
    titles are cut, the recursive replay refuses, nothing hangs."""
    import itertools
    import string
    import time

    greek = ["alpha", "beta", "gamma", "delta", "zeta", "eta"]
    names = ([c for c in string.ascii_lowercase if c not in "xe"] + greek)[:28]
    lines = [f"{names[0]} = x + x"] + [f"{b} = {a} + {a}" for a, b in itertools.pairwise(names)]
    start = time.perf_counter()
    type_function(qtbot, window, "; ".join([*lines, names[-1]]), debounce=False)
    assert window.model.point.derivative == 2.0**28
    window.stepper_panel.use_algorithm(RECURSIVE)
    assert "too much work" in text(window, "stepperFormula")
    assert "536,870,911" in text(window, "stepperExplanation")
    window.stepper_panel.use_algorithm(NOTEBOOK)  # a set: one visit per node
    assert window.model.step.count == 29
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("size", [(1280, 800), (1024, 600)])
def test_a_long_side_by_side_table_scrolls_and_the_graph_stays_the_biggest(qtbot, size):
    """A 16-node function has a row per node: the table scrolls inside the step dock instead
    of making the dock taller than the window (the review found the graph squeezed to nothing
    and the dock cut off at 1024×600)."""
    window = make_window(qtbot, expression="sin(a x) * exp(-x^2/4) + b x^3", x=1.0)
    window.resize(*size)
    window.commands["step.algorithm.notebook"].trigger()
    qtbot.wait(250)
    panel, table = window.stepper_panel, window.stepper_panel.comparison.table
    assert table.rowCount() >= 10
    graph, dock = window.graph_view.height(), panel.dock.height()
    assert dock + graph <= window.height(), (dock, graph)
    assert graph >= 0.95 * dock, (graph, dock)
    assert table.verticalScrollBar().maximum() > 0  # the rows that do not fit scroll
    # the text still reads whole at the longest step
    label = panel.explanation_label
    window.model.step_to(panel.step_count - 1)
    qtbot.wait(5)
    assert label.height() >= label.heightForWidth(label.width())
    assert table.height() >= 3 * table.verticalHeader().defaultSectionSize()


def test_the_tables_rows_follow_the_font_in_presentation_mode(qtbot):
    window = make_window(qtbot, expression="x^2 + 3x", x=2.0)
    window.commands["step.algorithm.notebook"].trigger()
    table = window.stepper_panel.comparison.table
    before = table.verticalHeader().defaultSectionSize()
    window.commands["view.presentation"].trigger()
    qtbot.wait(50)
    after = table.verticalHeader().defaultSectionSize()
    assert after > before
    assert after >= table.fontMetrics().height()


def test_the_backward_again_introduction_follows_the_function_and_x(qtbot, window):
    """It always said "7, 14, 21 for x² + 3x at 2" (the review found it after x^3 at 3)."""
    window.commands["step.run_again"].trigger()
    window.commands["step.one_backward"].trigger()  # one pass again: the introduction shows
    assert window.model.backward_runs is None
    assert "x.grad = 7, 14, 21 for x² + 3x at x = 2." in text(window, "runsExplanation")
    type_function(qtbot, window, "x^3", debounce=False)
    set_x(window, 3.0)
    words = text(window, "runsExplanation")
    assert "x.grad = 27, 54, 81 for x³ at x = 3." in words  # f′ = 3x² = 27, from calculus
    type_function(qtbot, window, "ln(x)", debounce=False)
    set_x(window, -1.0)  # no value, no derivative: no sums are promised
    assert text(window, "runsExplanation").endswith("every leaf's .grad adds up.")


def test_shrinking_the_window_while_stepping_wraps_the_controls_instead_of_cutting_them(qtbot):
    """A walk-through resized a stepping window from 1280×800 to 1024×600: the one-row
    controls held the window at 1115 px, the slider and Exit off screen."""
    window = make_window(qtbot, expression="a x^3 - b", x=1.0)
    window.commands["step.algorithm.notebook"].trigger()
    qtbot.wait(100)
    window.resize(1024, 600)
    qtbot.waitUntil(lambda: window.width() == 1024, timeout=2000)
    qtbot.wait(100)
    panel = window.stepper_panel
    for button in (panel.exit_button, panel.end_button):
        assert button.visibleRegion().boundingRect().size() == button.size(), button.text()
    slider = panel.seek_slider
    assert slider.visibleRegion().boundingRect().width() >= 100


def test_the_backward_twice_lesson_opens_with_pytorchs_default_and_raises(qtbot, window):
    """A walk-through ticked retain graph earlier, opened the lesson and got 7 → 14 at once:
    the PyTorch error the lesson's note promises never showed."""
    from gradexplorer.lessons.presets import list_presets

    window.commands["step.retain_graph"].trigger()
    assert window.model.retain_graph
    (lesson,) = [p for p in list_presets() if p.name.endswith("backward-twice")]
    window.sessions.open_preset(lesson)
    assert not window.model.retain_graph
    window.commands["step.run_again"].trigger()
    assert text(window, "runsHeadline") == f"RuntimeError: {ERR_BACKWARD_TWICE}"


def test_a_new_session_starts_parameters_from_their_defaults(qtbot, window):
    """File ▸ New after a lesson that set a = 1.5 (range −3..3) brought that a back when
    a x^3 - b was typed (a walk-through)."""
    from gradexplorer.lessons.presets import list_presets
    from gradexplorer.lessons.session import ParamState

    (lesson,) = [p for p in list_presets() if p.name.endswith("forward-passes")]
    assert lesson.state.params["a"].value != 1.0
    window.sessions.open_preset(lesson)
    window.commands["file.new"].trigger()
    type_function(qtbot, window, "a x^3 - b", debounce=False)
    fresh = ParamState.around(1.0)
    assert window.model.params["a"] == window.model.params["b"]
    assert window.model.params["a"].value == fresh.value == 1.0


def test_the_step_panel_follows_the_window_height(qtbot):
    """The cap on the step panel's height depends on the window's height, but was measured
    again only when the width changed (the review: still 200 px, scrolling, at 1000 px tall)."""
    # x used eight times: the longest step sums eight contributions
    window = make_window(qtbot, expression="x*x*x*x + x*x*x + x*x + x", x=1.0)
    window.commands["step.backward"].trigger()
    panel = window.stepper_panel
    qtbot.wait(100)
    small = panel.height()
    assert panel._needed_height() > small  # capped at 800 px: the longest step scrolls
    window.resize(1280, 1060)
    qtbot.waitUntil(lambda: panel.height() > small, timeout=2000)
    assert panel.height() >= min(panel._needed_height(), 1060 - 600) - 2
