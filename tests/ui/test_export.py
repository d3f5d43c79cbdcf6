"""Export of the plot and the backward graph (PNG, SVG), the clipboard, and the file dialogs.

Oracles: pixel colours at points computed from the plot's own coordinate mapping, the SVG parsed
with xml.etree (no Qt), the texts the graph view shows, and Expression.to_pytorch()."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QFileDialog, QGraphicsItem, QMessageBox

from gradexplorer.expr import parse
from gradexplorer.ui.export import ExportError, export_format
from gradexplorer.ui.theme import DARK, LIGHT

from .helpers import make_window, set_x, type_function

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def window(qtbot):
    w = make_window(qtbot, expression="x*x + x", x=2.0)
    qtbot.wait(10)
    return w


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), dtype=np.uint8, count=stride * h)
    return data.reshape(h, stride)[:, : w * 3].reshape(h, w, 3).astype(int)


def near(rgb: np.ndarray, colour: str, tol: int = 40) -> np.ndarray:
    c = QColor(colour)
    return (np.abs(rgb - np.array([c.red(), c.green(), c.blue()])) <= tol).all(axis=-1)


def svg_tags(path) -> tuple[str, dict[str, int], list[str]]:
    root = ET.parse(path).getroot()
    counts: dict[str, int] = {}
    for el in root.iter():
        tag = el.tag.removeprefix(SVG)
        counts[tag] = counts.get(tag, 0) + 1
    texts = ["".join(el.itertext()).strip() for el in root.iter(f"{SVG}text")]
    return root.tag, counts, texts


def tick_positions(path) -> dict[str, float]:
    """Horizontal centre of each one-line text in the SVG, through its group's matrix()."""
    root = ET.parse(path).getroot()
    out = {}
    for group in root.iter(f"{SVG}g"):
        m = re.fullmatch(r"matrix\(([^)]*)\)", group.get("transform", ""))
        if m is None:
            continue
        a, _b, c, _d, e, _f = (float(v) for v in m.group(1).split(","))
        for text in group.findall(f"{SVG}text"):
            label = "".join(text.itertext()).strip()
            x, y = float(text.get("x")), float(text.get("y"))
            size = float(text.get("font-size", "10"))
            width = 0.6 * size * len(label)  # about half an em per digit or minus sign
            out[label] = a * (x + width / 2) + c * y + e
    return out


def plot_pixel(window, x: float, y: float, scale: float) -> tuple[int, int]:
    """Where the data point (x, y) lands in an exported plot image."""
    view = window.plot
    scene_pt = view.view_box.mapViewToScene(QPointF(x, y))
    origin = view.mapToScene(view.viewport().rect()).boundingRect().topLeft()
    return round((scene_pt.x() - origin.x()) * scale), round((scene_pt.y() - origin.y()) * scale)


# ----------------------------------------------------------------------- plot
def test_plot_png_is_twice_the_view_and_shows_the_point_and_curve(qtbot, window, tmp_path):
    path = tmp_path / "plot.png"
    assert window.presentation.export_plot(path) == "png"
    image = QImage(str(path))
    vp = window.plot.viewport().size()
    assert (image.width(), image.height()) == (2 * vp.width(), 2 * vp.height())
    rgb = pixels(image)
    assert rgb.std() > 5  # not blank (a blank image has 0)
    # the point sits at (2, f(2) = 6): its colour is there, the background far from any line
    px, py = plot_pixel(window, 2.0, 6.0, 2.0)
    assert near(rgb[py - 2 : py + 3, px - 2 : px + 3], LIGHT.plot.point).all()
    # the curve passes through (-3, 6): a curve-coloured pixel within a few pixels of it
    cx, cy = plot_pixel(window, -3.0, 6.0, 2.0)
    assert near(rgb[cy - 4 : cy + 5, cx - 4 : cx + 5], LIGHT.plot.curve).any()
    assert near(rgb, LIGHT.plot.curve).sum() > 500
    # caches are back on after the export (x steps stay cheap): the curve's and the markers'
    for item in (window.plot.curve_item, window.plot.marks.spots):
        assert item.cacheMode() == QGraphicsItem.CacheMode.DeviceCoordinateCache


def test_plot_svg_is_vector_with_ticks_and_legend(qtbot, window, tmp_path):
    path = tmp_path / "plot.svg"
    assert window.presentation.export_plot(path) == "svg"
    root, counts, texts = svg_tags(path)
    assert root == f"{SVG}svg"
    assert counts.get("path", 0) + counts.get("polyline", 0) > 10
    assert "image" not in counts  # no embedded bitmaps: the pixmap caches were off
    assert {"f(x)", "tangent"} <= set(texts)
    assert {"-4", "0", "2", "4"} <= set(texts)  # x tick labels of the default view
    assert {"-5", "5"} <= set(texts)  # and those at its ends, which need room to stick out
    # and they stand under their ticks: the axes line up with the curve (an SVG at the wrong
    # resolution replays pyqtgraph's recorded axes scaled by 72/96)
    for tick, x_abs in tick_positions(path).items():
        if tick in {"-4", "-2", "2", "4"}:
            expected, _ = plot_pixel(window, float(tick), 0.0, 1.0)
            assert x_abs == pytest.approx(expected, abs=12), tick


def test_dark_plot_export_uses_the_dark_background(qtbot, window, tmp_path):
    window.presentation.set_theme("dark")
    path = tmp_path / "dark.png"
    window.presentation.export_plot(path)
    rgb = pixels(QImage(str(path)))
    assert near(rgb, DARK.plot.background, tol=6).mean() > 0.5


# ----------------------------------------------------------------------- graph
def test_graph_png_holds_the_whole_graph_even_when_zoomed_in(qtbot, window, tmp_path):
    view = window.graph_view
    view.zoom_by(4.0)  # the view now shows only part of the graph
    path = tmp_path / "graph.png"
    assert window.presentation.export_graph(path) == "png"
    image = QImage(str(path))
    rect = view.scene().sceneRect()
    assert image.width() == round(2 * rect.width())
    assert image.height() == round(2 * rect.height())
    rgb = pixels(image)
    assert rgb.std() > 20
    # every box is in the picture: each kind's fill colour is present
    for key in ("input", "op", "output"):
        assert near(rgb, LIGHT.graph.nodes[key].fill, tol=3).sum() > 1000, key


def test_graph_svg_has_boxes_and_the_numbers_the_view_shows(qtbot, window, tmp_path):
    type_function(qtbot, window, "x^2 + 3x")
    set_x(window, 2.0)
    path = tmp_path / "graph.svg"
    assert window.presentation.export_graph(path) == "svg"
    root, counts, texts = svg_tags(path)
    assert root == f"{SVG}svg"
    assert counts.get("path", 0) >= window.graph_view.node_count()
    assert "image" not in counts
    joined = " ".join(" ".join(t.split()) for t in texts)
    for node in window.graph_view.node_summary():
        if node["kind"] != "const":
            assert " ".join(node["value"].split()) in joined
            assert " ".join(node["grad"].split()) in joined
    assert "grad 7" in joined  # d/dx (x² + 3x) at 2, the input's gradient


# ----------------------------------------------------------------------- errors and dialogs
@pytest.mark.parametrize("name", ["plot.jpg", "plot", "plot.svg.txt"])
def test_unknown_format_is_an_export_error_and_writes_nothing(qtbot, window, tmp_path, name):
    with pytest.raises(ExportError) as err:
        window.presentation.export_plot(tmp_path / name)
    assert ".png or .svg" in (err.value.hint or "")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_path_is_an_export_error(qtbot, window, tmp_path):
    with pytest.raises(ExportError) as err:
        window.presentation.export_graph(tmp_path / "missing" / "graph.png")
    assert "graph.png" in err.value.message
    assert export_format("A.SVG") == "svg"


def test_dialog_adds_the_chosen_suffix(qtbot, window, tmp_path, monkeypatch):
    target = tmp_path / "slide"
    monkeypatch.setattr(
        QFileDialog,
        "getSaveFileName",
        lambda *a, **k: (str(target), "SVG vector drawing (*.svg)"),
    )
    window.commands["file.export.graph"].trigger()
    assert svg_tags(tmp_path / "slide.svg")[0] == f"{SVG}svg"
    assert window.presentation.last_export == tmp_path / "slide.svg"


def test_dialog_reports_a_failed_export_and_cancel_does_nothing(
    qtbot, window, tmp_path, monkeypatch
):
    shown = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: shown.append(a[2]))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    window.commands["file.export.plot"].trigger()
    assert shown == [] and list(tmp_path.iterdir()) == []
    bad = str(tmp_path / "no" / "plot.png")
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (bad, ""))
    window.commands["file.export.plot"].trigger()
    assert len(shown) == 1 and "plot.png" in shown[0]


# ----------------------------------------------------------------------- clipboard
def test_copy_plot_image_puts_the_plot_on_the_clipboard(qtbot, window):
    QApplication.clipboard().clear()
    window.commands["file.export.copy_plot"].trigger()
    image = QApplication.clipboard().image()
    assert not image.isNull()
    vp = window.plot.viewport().size()
    assert (image.width(), image.height()) == (vp.width(), vp.height())
    rgb = pixels(image)
    px, py = plot_pixel(window, 2.0, 6.0, 1.0)
    assert near(rgb[py - 1 : py + 2, px - 1 : px + 2], LIGHT.plot.point).all()


@pytest.mark.parametrize(("text", "x"), [("x*x + x", 2.0), ("a sin(x) + b", -0.5)])
def test_copy_as_pytorch_code(qtbot, window, text, x):
    type_function(qtbot, window, text)
    set_x(window, x)
    for name in window.model.params:
        window.model.set_param(name, 2.5)
    window.commands["file.export.copy_code"].trigger()
    code = QApplication.clipboard().text()
    assert code == parse(text).to_pytorch(x, window.model.param_values())
    assert f"torch.tensor({x!r}" in code
    for name in window.model.params:  # the code computes what the window shows
        assert f"{name} = torch.tensor(2.5," in code
    compile(code, "<clipboard>", "exec")  # valid Python (never run: no torch here)
    assert "PyTorch" in window.statusBar().currentMessage()


def test_copy_as_pytorch_code_without_a_valid_function(qtbot):
    window = make_window(qtbot, expression="sin(", x=1.0)
    assert window.model.expression is None
    QApplication.clipboard().setText("unchanged")
    window.commands["file.export.copy_code"].trigger()
    assert QApplication.clipboard().text() == "unchanged"
    assert "No valid function" in window.statusBar().currentMessage()
