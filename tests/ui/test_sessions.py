"""Lessons menu, Save/Open, copy/paste of the state line, corrupt files and remembered sessions,
driven through the window's own actions."""

from __future__ import annotations

import html
import json
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QMessageBox

from gradexplorer.lessons import session as session_module
from gradexplorer.lessons.presets import list_presets
from gradexplorer.lessons.session import (
    MAX_BYTES,
    SessionState,
    Toggles,
    load_session,
    session_from_state_string,
)
from gradexplorer.ui.model import DEFAULT_EXPRESSION

from .helpers import make_window, set_x, type_function

PRESETS = list_presets()


def close_enough(got: float, want: float) -> bool:
    return abs(got - want) <= 1e-9 * max(1.0, abs(want))


def custom_state(window) -> dict:
    """A state with everything the format holds set away from its default."""
    m = window.model
    m.set_text("a x^2 + b sin(x)")
    m.set_param_range("a", -3.0, 7.0)
    m.set_param("a", 2.5)
    m.set_param("b", -0.75)
    m.set_x_range(-6.0, 6.0)
    m.set_x(1.25)
    m.set_show_derivative(True)
    m.set_show_second_derivative(True)
    m.set_show_edge_labels(False)
    m.set_view_range(-2.0, 3.0, -1.0, 10.0)
    return m.state


def error_text(panel) -> str:
    box = panel.error_box
    assert isinstance(box, QMessageBox) and box.isVisible(), "no error shown"
    return box.text()


# ------------------------------------------------------------------------------------ lessons
def test_there_are_at_least_twelve_lessons_in_the_menu(qtbot):
    window = make_window(qtbot)
    panel = window.sessions
    assert len(PRESETS) >= 12
    assert len(panel.preset_actions) == len(PRESETS)
    menu_texts = [a.text() for a in window.commands.menus["lessons"].actions()]
    for preset, action in zip(PRESETS, panel.preset_actions, strict=True):
        assert action in window.commands.menus["lessons"].actions()
        assert preset.title.replace("&", "&&") in action.text()
        assert action.statusTip() == preset.note and action.toolTip() == preset.note
    assert any("Next lesson" in t for t in menu_texts)


@pytest.mark.parametrize("index", range(len(PRESETS)), ids=[p.name for p in PRESETS])
def test_every_lesson_opens_from_the_menu_with_the_values_it_promises(qtbot, index):
    window = make_window(qtbot)
    preset = PRESETS[index]
    window.sessions.preset_actions[index].trigger()
    m = window.model
    point = m.point
    assert m.text == preset.state.expression and m.error is None
    assert m.x == preset.state.x
    assert close_enough(point.value, preset.expect.value)
    assert close_enough(point.derivative, preset.expect.derivative)
    for name, want in preset.expect.gradient.items():
        assert close_enough(point.gradient[name], want), name
    for name, p in preset.state.params.items():
        assert (m.params[name].value, m.params[name].min, m.params[name].max) == (
            p.value,
            p.min,
            p.max,
        )
    if preset.state.view is not None:
        assert m.view_range == pytest.approx(preset.state.view, abs=1e-9)
    assert m.show_derivative == preset.state.toggles.show_derivative
    # the note is shown under the function and the title in the window title
    assert html.escape(preset.note) in window.sessions.note_label.text()
    assert preset.title in window.windowTitle()


def test_next_and_previous_lesson_walk_the_list(qtbot):
    window = make_window(qtbot)
    window.commands["lessons.next"].trigger()
    assert window.model.text == PRESETS[0].state.expression
    window.commands["lessons.next"].trigger()
    assert window.model.text == PRESETS[1].state.expression
    window.commands["lessons.previous"].trigger()
    window.commands["lessons.previous"].trigger()
    assert window.model.text == PRESETS[-1].state.expression


def test_new_brings_back_the_default_and_the_tip(qtbot):
    window = make_window(qtbot)
    panel = window.sessions
    tip = panel.note_label.text()
    panel.preset_actions[0].trigger()
    assert panel.note_label.text() != tip
    window.commands["file.new"].trigger()
    assert window.model.text == DEFAULT_EXPRESSION and window.model.x == 1.0
    assert panel.note_label.text() == tip and panel.title == ""


# ------------------------------------------------------------------------------------ files
def test_save_then_open_round_trips_the_whole_state(qtbot, tmp_path):
    window = make_window(qtbot)
    panel = window.sessions
    before = custom_state(window)
    path = tmp_path / "lesson.json"
    assert panel.save_file(path)
    assert panel.path == path.resolve() and not window.isWindowModified()
    window.commands["file.new"].trigger()
    assert window.model.state != before
    assert panel.open_file(path)
    assert window.model.state == before
    # what was written is the format's own JSON, readable without the app
    saved = load_session(path)
    assert saved.expression == "a x^2 + b sin(x)" and saved.x == 1.25
    assert saved.params["a"].value == 2.5 and (saved.params["a"].min, saved.params["a"].max) == (
        -3.0,
        7.0,
    )
    assert saved.view == (-2.0, 3.0, -1.0, 10.0)
    assert saved.toggles.show_second_derivative and not saved.toggles.show_edge_labels


def test_toggles_and_settings_the_model_lacks_survive_open_then_save(qtbot, tmp_path):
    """Toggles, the descent settings, title and note: opening a file and saving it again loses
    none of them."""
    original = SessionState(
        expression="k (x - 1)^2",
        x=0.5,
        x_range=(-2.0, 3.0),
        params={"k": session_module.ParamState(2.0, 0.0, 4.0)},
        view=(-2.0, 3.0, -0.5, 8.0),
        toggles=Toggles(show_derivative=True, show_second_derivative=True, show_edge_labels=False),
        descent=session_module.DescentSettings(target="k", lr=0.03, direction=1),
        title="Curvature",
        note="k sets how fast the slope grows.",
    )
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    session_module.save_session(original, a)
    window = make_window(qtbot)
    assert window.sessions.open_file(a)
    assert window.sessions.save_file(b)
    assert load_session(b) == original
    assert json.loads(a.read_text()) == json.loads(b.read_text())


def test_save_and_save_as_use_the_dialog_path_only_when_needed(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot)
    panel = window.sessions
    asked = []

    def ask() -> str:
        asked.append(1)
        return str(tmp_path / "chosen.json")

    monkeypatch.setattr(panel, "ask_save_path", ask)
    window.commands["file.save"].trigger()  # no file yet: asks
    assert asked == [1] and (tmp_path / "chosen.json").is_file()
    type_function(qtbot, window, "x^3")
    assert window.isWindowModified()
    window.commands["file.save"].trigger()  # has a file: writes it without asking
    assert asked == [1] and load_session(tmp_path / "chosen.json").expression == "x^3"
    window.commands["file.save_as"].trigger()
    assert asked == [1, 1]
    monkeypatch.setattr(panel, "ask_save_path", lambda: "")  # cancelled: nothing happens
    assert panel.save_as() is False and panel.last_error is None


def test_open_dialog_cancel_changes_nothing(qtbot, monkeypatch):
    window = make_window(qtbot)
    before = window.model.state
    monkeypatch.setattr(window.sessions, "ask_open_path", lambda: "")
    window.commands["file.open"].trigger()
    assert window.model.state == before and window.sessions.last_error is None


def test_saving_while_the_function_has_an_error_keeps_the_last_valid_one(qtbot, tmp_path):
    window = make_window(qtbot)
    type_function(qtbot, window, "x^3 - x")
    type_function(qtbot, window, "x^3 - ")
    assert window.model.error is not None
    path = tmp_path / "s.json"
    assert window.sessions.save_file(path)
    assert load_session(path).expression == "x^3 - x"
    assert "last valid" in window.statusBar().currentMessage()


def _corrupt_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = SessionState(expression="x^2", x=1.0).to_dict()

    def write(name: str, data: bytes | str) -> Path:
        p = tmp_path / name
        p.write_bytes(data if isinstance(data, bytes) else data.encode())
        return p

    text = json.dumps(good)
    huge = write("huge.json", b" " * (MAX_BYTES + 10) + text.encode())
    folder = tmp_path / "folder.json"
    folder.mkdir()
    return {
        "truncated": (write("truncated.json", text[: len(text) // 2]), "truncated"),
        "not json": (write("notjson.json", "x^2 at x = 1, please"), "not valid JSON"),
        "wrong version": (write("v9.json", json.dumps({**good, "version": 9})), "newer"),
        "wrong types": (write("types.json", json.dumps({**good, "x": "two"})), "x must be"),
        "missing fields": (
            write("missing.json", json.dumps({k: v for k, v in good.items() if k != "x_range"})),
            "missing",
        ),
        "huge": (huge, "too large"),
        "binary": (write("binary.json", bytes(range(256)) * 4), "not text"),
        "empty": (write("empty.json", b""), "empty"),
        "directory": (folder, "folder"),
        "missing file": (tmp_path / "nowhere.json", "no file"),
        "not a session": (write("other.json", json.dumps({"hello": 1})), "not a gradexplorer"),
        "bad expression": (
            write("expr.json", json.dumps({**good, "expression": "x +* 2"})),
            "cannot be read",
        ),
        "nan": (write("nan.json", text.replace('"x": 1.0', '"x": NaN')), "NaN"),
    }


def test_corrupt_files_leave_the_session_untouched_and_say_why(qtbot, tmp_path):
    window = make_window(qtbot)
    panel = window.sessions
    before = custom_state(window)
    title = window.windowTitle()
    depth = panel.undo.stack.count()
    cases = _corrupt_files(tmp_path)
    assert len(cases) >= 10
    for kind, (path, fragment) in cases.items():
        panel.last_error = None
        assert panel.open_file(path) is False, kind
        assert window.model.state == before, kind
        assert fragment.lower() in error_text(panel).lower(), (kind, error_text(panel))
        assert path.name in panel.last_error
        assert window.windowTitle() == title and panel.undo.stack.count() == depth
        panel.error_box.close()
    # the app is still alive and working after all that
    type_function(qtbot, window, "x^2")
    assert window.model.point.value == pytest.approx(1.25**2)


def test_an_interrupted_save_leaves_the_previous_file_intact(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot)
    panel = window.sessions
    path = tmp_path / "lesson.json"
    type_function(qtbot, window, "x^2 - 1")
    assert panel.save_file(path)
    previous = path.read_bytes()
    type_function(qtbot, window, "cos(x)")

    def crash(src, dst):  # the rename never happens, as if the machine died before it
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(session_module.files.os, "replace", crash)
    assert panel.save_file(path) is False
    assert "No space left" in error_text(panel)
    assert path.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lesson.json"]  # no temp file left
    assert window.isWindowModified()  # the change is still unsaved
    panel.error_box.close()
    monkeypatch.undo()
    assert window.model.text == "cos(x)"
    assert panel.save_file(path) and load_session(path).expression == "cos(x)"


def test_a_writer_that_raises_anything_is_reported_not_fatal(qtbot, tmp_path, monkeypatch):
    window = make_window(qtbot)
    panel = window.sessions
    path = tmp_path / "x.json"

    def boom(state, target):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("gradexplorer.ui.session_actions.save_session", boom)
    assert panel.save_file(path) is False
    assert "disk on fire" in error_text(panel) and not path.exists()
    assert panel.path is None


def test_saving_into_a_missing_folder_is_an_error(qtbot, tmp_path):
    window = make_window(qtbot)
    assert window.sessions.save_file(tmp_path / "no" / "such" / "dir.json") is False
    assert "Could not save" in window.sessions.error_box.windowTitle()


# ------------------------------------------------------------------------------------ clipboard
def test_copy_and_paste_state_round_trip_through_the_clipboard(qtbot):
    window = make_window(qtbot)
    before = custom_state(window)
    window.commands["file.copy_state"].trigger()
    text = QGuiApplication.clipboard().text()
    assert text.startswith("gx1:") and "\n" not in text and " " not in text
    assert session_from_state_string(text).expression == "a x^2 + b sin(x)"
    window.commands["file.new"].trigger()
    assert window.model.state != before
    window.commands["file.paste_state"].trigger()
    assert window.model.state == before
    # a chat app may wrap the line: whitespace inside does not matter
    wrapped = "\n".join(text[i : i + 40] for i in range(0, len(text), 40))
    window.commands["file.new"].trigger()
    QGuiApplication.clipboard().setText("  " + wrapped + "\n")
    window.commands["file.paste_state"].trigger()
    assert window.model.state == before


@pytest.mark.parametrize(
    ("clip", "fragment"),
    [
        ("", "not a gradexplorer state"),
        ("x^2 + 3x", "not a gradexplorer state"),
        ("gx1:%%%notbase64", "damaged"),
        ("gx1:eyJmb3JtYXQiOiJncmFk", "damaged"),  # cut in the middle
        ("gx1:" + "A" * 40, "damaged"),
    ],
)
def test_a_bad_pasted_state_changes_nothing(qtbot, clip, fragment):
    window = make_window(qtbot)
    before = custom_state(window)
    QGuiApplication.clipboard().setText(clip)
    window.commands["file.paste_state"].trigger()
    assert window.model.state == before
    assert fragment in error_text(window.sessions)


def test_copy_with_an_error_in_the_function_copies_the_last_valid_one(qtbot):
    window = make_window(qtbot)
    type_function(qtbot, window, "exp(x)")
    type_function(qtbot, window, "exp(x")
    window.commands["file.copy_state"].trigger()
    state = session_from_state_string(QGuiApplication.clipboard().text())
    assert state.expression == "exp(x)"
    assert "last valid" in window.statusBar().currentMessage()


# ------------------------------------------------------------------------------------ settings
def _settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "gradexplorer.ini"), QSettings.Format.IniFormat)


def test_the_last_session_and_geometry_come_back_at_the_next_launch(qtbot, tmp_path):
    first = make_window(qtbot)
    first.sessions.enable_persistence(_settings(tmp_path))
    before = custom_state(first)
    # restoreGeometry keeps a window on its screen; the offscreen screen is 800×600
    first.resize(780, 540)
    qtbot.waitUntil(lambda: first.size().width() == 780)
    first.close()
    assert (tmp_path / "gradexplorer.ini").is_file()

    second = make_window(qtbot)
    assert second.model.text == DEFAULT_EXPRESSION  # a bare window never reads settings
    second.sessions.enable_persistence(_settings(tmp_path))
    assert second.model.state == before
    qtbot.waitUntil(lambda: (second.width(), second.height()) == (780, 540))
    assert second.sessions.undo.stack.count() == 0  # the restored state is the starting point


def test_the_chosen_theme_comes_back_at_the_next_launch(qtbot, tmp_path):
    first = make_window(qtbot)
    first.sessions.enable_persistence(_settings(tmp_path))
    first.presentation.set_theme("dark")
    first.close()
    second = make_window(qtbot)
    assert second.presentation.base_theme.name == "light"
    second.sessions.enable_persistence(_settings(tmp_path))
    assert second.presentation.base_theme.name == "dark"


def test_an_explicit_expression_wins_over_the_remembered_session(qtbot, tmp_path):
    first = make_window(qtbot)
    first.sessions.enable_persistence(_settings(tmp_path))
    type_function(qtbot, first, "sin(x)")
    first.close()
    second = make_window(qtbot, expression="x^3", x=0.5)
    second.sessions.enable_persistence(_settings(tmp_path), restore_session=False)
    assert second.model.text == "x^3" and second.model.x == 0.5


def test_damaged_settings_are_ignored(qtbot, tmp_path):
    s = _settings(tmp_path)
    s.setValue("session/state", "gx1:garbage!!")
    s.setValue("window/geometry", b"not a geometry")
    s.sync()
    window = make_window(qtbot)
    window.sessions.enable_persistence(_settings(tmp_path))
    assert window.model.text == DEFAULT_EXPRESSION and window.sessions.error_box is None


def test_windows_without_persistence_write_no_settings(qtbot, tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(QSettings, "setValue", lambda *a: calls.append(a))
    window = make_window(qtbot)
    window.close()
    assert calls == []


def test_a_lesson_banner_goes_with_its_function_and_comes_back_with_undo(qtbot):
    window = make_window(qtbot)
    panel = window.sessions
    seed = PRESETS[0]
    panel.open_preset(seed)
    banner = panel.note_label.text()
    assert "f′(2) = 2·2 + 3 = 7" in seed.note and seed.title in banner
    set_x(window, 1.0)  # moving x, a parameter or typing a broken text stays in the lesson
    type_function(qtbot, window, "x^2 +")
    assert seed.title in panel.note_label.text() and window.model.state.title == seed.title
    type_function(qtbot, window, "x^3")  # another function: not the lesson's any more
    assert window.model.state.title == "" and seed.title not in panel.note_label.text()
    assert seed.title not in window.windowTitle()
    window.commands["edit.undo"].trigger()
    assert window.model.state.title == seed.title and panel.note_label.text() == banner
    type_function(qtbot, window, "x^2 + 3x")  # the lesson's own function again: it stays
    assert window.model.state.title == seed.title


def test_save_proposes_the_lesson_title_in_the_documents_folder(qtbot, monkeypatch):
    from PySide6.QtCore import QStandardPaths
    from PySide6.QtWidgets import QFileDialog

    window = make_window(qtbot)
    asked = []
    monkeypatch.setattr(
        QFileDialog, "getSaveFileName", lambda *a, **k: (asked.append(a[2]), ("", ""))[1]
    )
    window.sessions.open_preset(PRESETS[0])
    window.commands["file.save"].trigger()
    documents = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
    proposed = Path(asked[-1])
    expected = documents if documents and Path(documents).is_dir() else str(Path.home())
    assert str(proposed.parent) == expected
    assert proposed.name == "the-seed-example-y-x-3x-at-x-2.json"
    window.commands["file.new"].trigger()
    window.commands["file.save"].trigger()
    assert Path(asked[-1]).name == "x-2-3x.json"  # no lesson: named after the function


def test_without_a_documents_folder_save_proposes_the_home_folder(monkeypatch, tmp_path):
    from PySide6.QtCore import QStandardPaths

    from gradexplorer.ui import session_actions

    missing = tmp_path / "Documents"  # a fresh account: the platform names it, nobody made it
    monkeypatch.setattr(QStandardPaths, "writableLocation", lambda _where: str(missing))
    assert session_actions.documents_folder() == Path.home()
    missing.mkdir()
    assert session_actions.documents_folder() == missing
