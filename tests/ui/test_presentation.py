"""Presentation mode and the light/dark themes, driven through the window's actions and keys.

Oracles: the WCAG 2 contrast ratio (written out here, not taken from the app), pixel colours of
the rendered views, and font metrics at the projector resolution 1920×1080."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontInfo,
    QFontMetricsF,
    QImage,
    QKeySequence,
    QPalette,
    QShortcut,
)
from PySide6.QtWidgets import QApplication, QDoubleSpinBox, QLabel, QLineEdit, QToolTip

from gradexplorer.ui.theme import DARK, LIGHT, PRESENTATION, PRESENTATION_DARK, THEMES

from .helpers import activate, make_window, type_function


def luminance(colour: QColor) -> float:
    """WCAG 2 relative luminance."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_oracle_matches_known_values():
    assert contrast(QColor("#000000"), QColor("#ffffff")) == pytest.approx(21.0)
    assert contrast(QColor("#777777"), QColor("#ffffff")) == pytest.approx(4.48, abs=0.01)
    assert contrast(QColor("#ffffff"), QColor("#ffffff")) == pytest.approx(1.0)


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot, expression="x*x + x", x=2.0)
    w.resize(1920, 1080)
    qtbot.wait(10)
    return w


def settle(qtbot, window) -> None:
    qtbot.wait(20)
    window.graph_view.fit()


def image_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h)
    return data.reshape(h, stride)[:, : w * 3].reshape(h, w, 3).astype(float)


def mean_luminance(image: QImage) -> float:
    rgb = image_array(image) / 255.0
    return float((0.2126 * rgb[..., 0] + 0.7152 * rgb[..., 1] + 0.0722 * rgb[..., 2]).mean())


def node_items(window):
    return window.graph_view._nodes


# ----------------------------------------------------------------------- presentation mode
def test_presentation_mode_enlarges_thickens_hides_chrome_and_comes_back(qtbot, window):
    p = window.presentation
    plot = window.plot
    before = {
        "font": window.centralWidget().font().pointSizeF(),
        "curve": plot.curve_item.opts["pen"].widthF(),
        "tangent": plot.tangent_item.opts["pen"].widthF(),
        "marker": plot.marker.scale,
        "sizes": window.main_splitter.sizes(),
    }
    assert window.menuBar().isVisible() and window.statusBar().isVisible()

    window.commands["view.presentation"].trigger()
    settle(qtbot, window)
    assert p.active and window.commands["view.presentation"].isChecked()
    assert window.centralWidget().font().pointSizeF() >= 1.8 * before["font"]
    assert plot.curve_item.opts["pen"].widthF() >= 2 * before["curve"]
    assert plot.tangent_item.opts["pen"].widthF() >= 2 * before["tangent"]
    assert plot.marker.scale >= 1.5 * before["marker"]
    assert not window.menuBar().isVisible()
    assert not window.statusBar().isVisible()
    assert p.theme is PRESENTATION
    # the graph's boxes get thicker borders too
    (out,) = [n for n in node_items(window) if n.style_key == "output"]
    assert out.pen().widthF() > LIGHT.graph.nodes["output"].width

    # Escape leaves it and everything comes back as it was
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    settle(qtbot, window)
    assert not p.active and not window.commands["view.presentation"].isChecked()
    assert window.centralWidget().font().pointSizeF() == pytest.approx(before["font"])
    assert plot.curve_item.opts["pen"].widthF() == before["curve"]
    assert plot.tangent_item.opts["pen"].widthF() == before["tangent"]
    assert plot.marker.scale == before["marker"]
    assert window.menuBar().isVisible() and window.statusBar().isVisible()
    assert window.main_splitter.sizes() == before["sizes"]
    assert p.theme is LIGHT


def test_presentation_shortcut_toggles_and_escape_is_free_outside(qtbot, window):
    p = window.presentation
    qtbot.keyClick(
        window,
        Qt.Key.Key_P,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert p.active
    qtbot.keyClick(
        window,
        Qt.Key.Key_P,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert not p.active
    # outside presentation the Escape shortcut is off, so widgets keep their Escape key
    assert not p._escape.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not p.active


def test_presentation_keeps_a_larger_zoom_and_restores_it(qtbot, window):
    window.set_zoom(2.5)
    window.presentation.set_presentation(True)
    assert window.zoom == pytest.approx(2.5)  # never smaller than what the teacher chose
    window.presentation.set_presentation(False)
    assert window.zoom == pytest.approx(2.5)
    window.set_zoom(1.0)
    window.presentation.set_presentation(True)
    window.presentation.set_presentation(False)
    assert window.zoom == pytest.approx(1.0)


def test_the_menus_and_tooltips_qt_makes_on_the_spot_are_zoomed_too(qtbot, window):
    """A walk-through right-clicked the function on a projector: the line edit's own menu
    (Undo, Cut, Paste…) is made by Qt at the click, and it came at the base size."""
    base = QApplication.font().pointSizeF()
    window.presentation.set_presentation(True)
    zoomed = window.zoom * base
    assert window.zoom > 1.5
    edit = window.function_input.edit
    spin = window.findChild(QDoubleSpinBox)
    for menu in (edit.createStandardContextMenu(), spin.lineEdit().createStandardContextMenu()):
        menu.ensurePolished()  # as showing it does
        assert menu.font().pointSizeF() == pytest.approx(zoomed), menu.actions()[0].text()
        menu.deleteLater()
    assert QToolTip.font().pointSizeF() == pytest.approx(zoomed)
    window.presentation.set_presentation(False)
    menu = edit.createStandardContextMenu()
    menu.ensurePolished()
    assert menu.font().pointSizeF() == pytest.approx(window.zoom * base)
    window.set_zoom(1.7)
    window.close()  # the application's fonts go back with the window
    assert QApplication.font("QMenu").pointSizeF() == pytest.approx(base)
    assert QToolTip.font().pointSizeF() == pytest.approx(base)


def test_the_platforms_own_menu_and_tooltip_fonts_come_back(qtbot):
    """A platform may give menus and tooltips fonts of their own (Windows: Segoe UI 9 for menus,
    another font for the rest): zoomed they scale, at 100 % and once the window is closed they
    are the platform's again, not the window's font."""
    saved_menu, saved_tip = QFont(QApplication.font("QMenu")), QFont(QToolTip.font())
    menu_font, tip_font = QFont("Serif", 13), QFont("Monospace", 7)
    try:
        QApplication.setFont(menu_font, "QMenu")
        QToolTip.setFont(tip_font)
        window = make_window(qtbot, expression="x*x + x", x=2.0)
        window.set_zoom(2.0)
        assert QApplication.font("QMenu").pointSizeF() == pytest.approx(26)
        assert QToolTip.font().pointSizeF() == pytest.approx(14)
        window.set_zoom(1.0)
        for got, want in ((QApplication.font("QMenu"), menu_font), (QToolTip.font(), tip_font)):
            assert (got.family(), got.pointSizeF()) == (want.family(), want.pointSizeF())
        window.set_zoom(1.7)
        window.close()
        for got, want in ((QApplication.font("QMenu"), menu_font), (QToolTip.font(), tip_font)):
            assert (got.family(), got.pointSizeF()) == (want.family(), want.pointSizeF())
    finally:
        QApplication.setFont(saved_menu, "QMenu")
        QToolTip.setFont(saved_tip)


def test_presenting_then_going_full_screen_zooms_for_the_full_height(qtbot):
    """A walk-through pressed Ctrl+Shift+P in a 1280×800 window, then F11 on the 1080 px
    projector: the text kept the zoom chosen for 800 px."""
    from gradexplorer.ui.presentation import presentation_zoom

    window = make_window(qtbot, expression="x*x + x", x=2.0)
    window.resize(1280, 800)
    qtbot.waitUntil(lambda: window.height() == 800, timeout=2000)
    window.presentation.set_presentation(True)
    small = window.zoom
    assert small == pytest.approx(presentation_zoom(800))
    window.resize(1920, 1080)
    qtbot.waitUntil(lambda: window.zoom == pytest.approx(presentation_zoom(1080)), timeout=2000)
    assert window.zoom > small
    window.set_zoom(1.9)  # by hand: that one stays
    window.resize(1280, 800)
    qtbot.wait(50)
    assert window.zoom == pytest.approx(1.9)
    window.presentation.set_presentation(False)
    assert window.zoom == pytest.approx(1.0)


def test_presentation_is_readable_at_1920x1080(qtbot, window, tmp_path):
    """Text heights in screen pixels at 1920×1080: body text ≥ 24 px lines, readouts and graph
    text ≥ 30 px, and the screenshot really is that size and mostly light with dark ink."""
    window.presentation.set_presentation(True)
    settle(qtbot, window)
    assert (window.width(), window.height()) == (1920, 1080)
    body = QFontMetricsF(window.centralWidget().font()).height()
    readout = QFontMetricsF(window.findChild(QLabel, "valueLabel").font()).height()
    view = window.graph_view
    graph_body = QFontMetricsF(view._fonts["body"]).height() * view.transform().m11()
    tick_font = window.plot.getPlotItem().getAxis("bottom").style["tickFont"]
    assert body >= 24
    assert readout >= 30
    assert graph_body >= 30
    assert QFontMetricsF(tick_font).height() >= 24
    shot = window.grab().toImage()
    assert (shot.width(), shot.height()) == (1920, 1080)
    shot.save(str(tmp_path / "presentation.png"))
    rgb = image_array(shot)
    dark_ink = (rgb.max(axis=2) < 60).mean()
    assert 0.003 < dark_ink < 0.2  # there is black text/lines, on a light screen
    assert mean_luminance(shot) > 0.7


@pytest.mark.parametrize("present", [False, True])
def test_every_number_box_shows_its_whole_value(qtbot, window, present):
    window.presentation.set_presentation(present)
    settle(qtbot, window)
    for spin in window.findChildren(QDoubleSpinBox):
        if not spin.isVisible():
            continue
        edit = spin.findChild(QLineEdit)
        need = edit.fontMetrics().horizontalAdvance(spin.text())
        assert edit.width() >= need, (spin.objectName(), spin.text(), edit.width(), need)


# ----------------------------------------------------------------------- themes
def test_theme_actions_are_exclusive_and_survive_presentation(qtbot, window):
    p = window.presentation
    light, dark = window.commands["view.theme.light"], window.commands["view.theme.dark"]
    assert light.isChecked() and not dark.isChecked()
    dark.trigger()
    assert dark.isChecked() and not light.isChecked()
    assert p.theme is DARK
    p.set_presentation(True)
    assert p.theme is PRESENTATION_DARK
    p.set_presentation(False)
    assert p.theme is DARK
    light.trigger()
    assert p.theme is LIGHT and light.isChecked() and not dark.isChecked()


def test_dark_theme_changes_palette_plot_and_graph_pixels(qtbot, window):
    settle(qtbot, window)
    plot_light = mean_luminance(window.plot.grab().toImage())
    graph_light = mean_luminance(window.graph_view.grab().toImage())
    light_fills = {n.style_key: n.brush().color().name() for n in node_items(window)}

    window.presentation.set_theme("dark")
    settle(qtbot, window)
    assert window.palette().color(QPalette.ColorRole.Window) == QColor(DARK.window)
    assert window.plot.backgroundBrush().color() == QColor(DARK.plot.background)
    assert window.graph_view.backgroundBrush().color() == QColor(DARK.graph.background)
    assert plot_light > 0.8 and graph_light > 0.8
    assert mean_luminance(window.plot.grab().toImage()) < 0.15
    assert mean_luminance(window.graph_view.grab().toImage()) < 0.15
    dark_fills = {n.style_key: n.brush().color().name() for n in node_items(window)}
    assert all(dark_fills[k] != light_fills[k] for k in light_fills)
    # the legend's chips use the dark fills
    legend = window.findChild(QLabel, "graphLegend").text()
    assert DARK.graph.nodes["op"].fill in legend and LIGHT.graph.nodes["op"].fill not in legend
    # a graph built after the switch is dark too
    type_function(qtbot, window, "sin(x) * x")
    assert {n.brush().color().name() for n in node_items(window)} <= {
        s.fill for s in DARK.graph.nodes.values()
    }


@pytest.mark.parametrize("name", sorted(THEMES))
def test_every_theme_keeps_text_readable(qtbot, window, name):
    """Contrast ≥ 4.5 (WCAG AA) for what the boxes, edge labels, axes and window text show,
    read back from the drawn items after the theme is applied."""
    p = window.presentation
    if name.startswith("presentation"):
        p.set_theme("dark" if name.endswith("dark") else "light")
        p.set_presentation(True)
    else:
        p.set_theme(name)
    assert p.theme is THEMES[name]
    type_function(qtbot, window, "x*x + 3")  # every kind of box: input, const, op, output
    view = window.graph_view
    kinds = set()
    for item in node_items(window):
        fill = item.brush().color()
        kinds.add(item.style_key)
        for text in (item.title, item.value_text):
            assert contrast(text.brush().color(), fill) >= 4.5, (item.style_key, text.text())
        assert contrast(item.grad_text.brush().color(), fill) >= 4.5, item.style_key
        assert contrast(item.pen().color(), view.backgroundBrush().color()) >= 1.8
    assert kinds == {"input", "const", "op", "output"}
    for edge in view._edges:
        box = edge.label_box.brush().color()
        box.setAlpha(255)
        assert contrast(edge.label_text.brush().color(), box) >= 4.5
    axis = window.plot.getPlotItem().getAxis("bottom")
    plot_bg = window.plot.backgroundBrush().color()
    assert contrast(axis.textPen().color(), plot_bg) >= 4.5
    for curve in (window.plot.curve_item, window.plot.tangent_item):
        assert contrast(curve.opts["pen"].color(), plot_bg) >= 3.0  # graphics: WCAG 1.4.11
    pal = window.palette()
    assert (
        contrast(pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.Window))
        >= 7
    )
    assert contrast(pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)) >= 7
    if name.startswith("presentation"):
        # high contrast means more than the plain themes
        base = DARK if name.endswith("dark") else LIGHT
        assert contrast(QColor(THEMES[name].plot.curve), plot_bg) > contrast(
            QColor(base.plot.curve), QColor(base.plot.background)
        )


@pytest.mark.parametrize("name", ["dark", "presentation", "presentation-dark"])
def test_hint_labels_follow_the_theme(qtbot, window, name):
    """Hint text (grey by controls.muted or a palette(mid) style sheet: the function tip, the
    'no parameters' note, range captions) stays readable on the theme's background instead of
    keeping the start-up grey."""
    hints = [
        lab
        for lab in window.findChildren(QLabel)
        if lab.palette().color(QPalette.ColorRole.WindowText) != QColor("#000000")
        and lab.isVisible()
        and lab.text()
    ]
    assert {"tipLabel"} <= {lab.objectName() for lab in hints} and len(hints) >= 3
    p = window.presentation
    p.set_theme("dark" if name.endswith("dark") else "light")
    p.set_presentation(name.startswith("presentation"))
    for lab in hints:
        pal = lab.palette()
        ratio = contrast(
            pal.color(QPalette.ColorRole.WindowText), pal.color(QPalette.ColorRole.Window)
        )
        assert ratio >= 4.5, lab.text()


def test_step_through_highlight_survives_a_theme_change(qtbot, window):
    view = window.graph_view
    window.model.start_stepping("backward")
    window.model.step_by(1)  # the output's step: its gradient 1 is known, nothing else yet
    window.presentation.set_theme("dark")
    summary = view.node_summary()
    assert [n["current"] for n in summary].count("yes") == 1
    pending = [n for n in summary if n["kind"] != "const" and n["current"] != "yes"]
    assert pending and all("not computed yet" in n["grad"] for n in pending)


def test_presentation_keeps_bottom_panels_small_and_gives_their_height_back(qtbot, window):
    window.commands["step.backward"].trigger()  # the step-through dock opens
    dock = window.stepper_panel.dock
    settle(qtbot, window)
    before = dock.height()
    window.presentation.set_presentation(True)
    settle(qtbot, window)
    assert dock.isVisible()
    assert dock.height() <= max(dock.minimumSizeHint().height(), 0.2 * window.height()) + 2
    # the plot keeps most of its height even with the larger fonts of the panel
    assert window.plot.height() >= 0.25 * window.height()
    window.presentation.set_presentation(False)
    settle(qtbot, window)
    assert abs(dock.height() - before) <= 2


def test_tick_labels_scale_once_with_zoom(qtbot):
    """The window zooms its fonts; the plot's tick font must follow the zoom, not its square."""
    from PySide6.QtGui import QFont

    from gradexplorer.ui.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    base = QFont().pointSizeF()
    w.set_zoom(3.0)
    tick = w.plot.getPlotItem().getAxis("bottom").style["tickFont"]
    assert tick.pointSizeF() == pytest.approx(3.0 * base, rel=0.01)


def test_hint_text_is_readable_in_every_theme():
    """Tips and hints are drawn in the palette's Mid (the tip under the function field) or a
    shade of it (controls.muted): both at least 4.5:1 against the window, as WCAG AA asks."""
    from gradexplorer.ui.presentation import muted_colour
    from gradexplorer.ui.theme import DARK, LIGHT

    for theme in (LIGHT, DARK):
        window = QColor(theme.window)
        assert contrast(QColor(theme.mid), window) >= 4.5, theme.name
        assert contrast(muted_colour(theme), window) >= 4.5, theme.name


def test_entering_presentation_says_how_to_leave_and_the_note_fades(qtbot, window):
    hint = window.presentation.hint
    assert not hint.isVisible()
    window.presentation.set_presentation(True)
    assert hint.isVisible() and "Esc leaves" in hint.text()
    assert window.menuBar().isHidden()  # the menu that would have said it is gone
    box = hint.geometry()
    assert window.rect().contains(box) and box.width() < window.width()
    hint._wait.timeout.emit()  # its seconds are up: it fades
    qtbot.waitUntil(lambda: not hint.isVisible(), timeout=3000)
    window.presentation.set_presentation(False)
    assert not hint.isVisible()


def test_leaving_presentation_after_docks_were_resized_warns_nothing(qtbot, window, qtlog):
    window.commands["step.backward"].trigger()
    window.commands["descent.panel"].trigger()
    docks = [window.stepper_panel.dock, window.descent_panel.dock]
    window.splitDockWidget(docks[0], docks[1], Qt.Orientation.Horizontal)
    settle(qtbot, window)
    window.resizeDocks(docks, [120, 120], Qt.Orientation.Vertical)
    window.presentation.set_presentation(True)
    settle(qtbot, window)
    window.resizeDocks(docks, [400, 400], Qt.Orientation.Vertical)  # made taller meanwhile
    settle(qtbot, window)
    window.presentation.set_presentation(False)
    settle(qtbot, window)
    # a remembered height below what the dock can take now (its text grew, or it was dragged
    # down to nothing): the correction must not go negative
    window.presentation._dock_heights = {d: 5 for d in docks}
    window.presentation._restore_docks()
    warnings = [r.message for r in qtlog.records if "resizeDocks" in r.message]
    assert warnings == []
    assert all(d.height() > 0 for d in docks)


def test_presenting_on_a_1280_by_800_projector_keeps_every_control_whole(qtbot):
    """At 1280×800 the projector zoom is smaller than at 1080 px (text keeps its share of the
    height), the step controls wrap into rows instead of widening the window past the screen,
    and the step panel leaves the plot and the graph their room."""
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QDoubleSpinBox

    from gradexplorer.ui.presentation import PRESENTATION_ZOOM

    window = make_window(qtbot, expression="sin(a x) * exp(-x^2/4) + b x^3", x=1.0)
    window.commands["step.algorithm.notebook"].trigger()
    window.presentation.set_presentation(True)
    qtbot.wait(250)
    assert 1.3 <= window.zoom < PRESENTATION_ZOOM
    assert window.width() == 1280  # nothing forced the window wider than the screen
    panel = window.stepper_panel
    controls = panel.findChildren(QComboBox) + panel.findChildren(QDoubleSpinBox)
    controls += [b for b in panel.findChildren(QAbstractButton) if b.isVisible()]
    for w in controls:
        if not w.isVisible():
            continue
        rect = w.rect().translated(w.mapTo(panel, w.rect().topLeft()))
        assert panel.rect().contains(rect), w.objectName()  # not cut off at the panel's edge
        assert w.width() >= w.minimumSizeHint().width() - 1, w.objectName()
    assert panel.dock.height() <= 0.4 * window.height()
    assert window.plot.height() >= 0.2 * window.height()  # was 11 %: axes and no curve
    assert window.graph_view.height() >= 0.18 * window.height()
    label = panel.explanation_label  # the longest step is still there to read, by scrolling
    window.model.step_to(panel.step_count - 1)
    qtbot.wait(5)
    assert label.height() >= label.heightForWidth(label.width())


def test_alt_l_opens_the_lessons_menu_without_the_menu_bar(qtbot, window):
    """Presentation hides the menu bar, and with it the Alt+letter of its menus: README's
    projector section promises Alt+L for the lessons, then a digit for one of them."""
    activate(qtbot, window)
    window.commands["view.presentation"].trigger()
    assert window.menuBar().isHidden()
    lessons = window.commands.menus["lessons"]
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lessons.isVisible, timeout=2000)
    assert window.rect().contains(window.mapFromGlobal(lessons.pos()))  # on the window
    # in the window's large text, not at the base size (a menu is a window of its own)
    text = QFontInfo(lessons.font()).pointSizeF()
    assert text >= 0.95 * QFontInfo(window.centralWidget().font()).pointSizeF() > 0
    assert text > 1.3 * QFontInfo(QApplication.font()).pointSizeF()
    qtbot.keyClick(lessons, Qt.Key.Key_1)
    first = window.sessions.presets[0]
    qtbot.waitUntil(lambda: window.model.state.title == first.title, timeout=2000)
    assert not lessons.isVisible() and window.presentation.active
    qtbot.keyClick(window, Qt.Key.Key_H, Qt.KeyboardModifier.AltModifier)  # every menu's letter
    help_menu = window.commands.menus["help"]
    qtbot.waitUntil(help_menu.isVisible, timeout=2000)
    help_menu.close()
    # back with the menu bar, its own letter opens the menu (no second owner of Alt+L)
    window.commands["view.presentation"].trigger()
    assert not window.menuBar().isHidden()
    alt_l = QKeySequence("Alt+L")
    assert not any(s.isEnabled() for s in window.findChildren(QShortcut) if s.key() == alt_l)
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lessons.isVisible, timeout=2000)
    lessons.close()
