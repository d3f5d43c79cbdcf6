"""SteadyLabel: a number that changes on every x step without laying its panel out again."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QVBoxLayout, QWidget

from gradexplorer.ui.steady_label import SteadyLabel


class _LayoutRequests(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            self.count += 1
        return False


def test_it_shows_every_text_whole_and_only_grows(qtbot):
    panel = QWidget()
    layout = QVBoxLayout(panel)
    label = SteadyLabel("1.5")
    layout.addWidget(label)
    qtbot.addWidget(panel)
    panel.show()
    widths = []
    for text in ("1.5", "-123456.789", "2", "undefined", "-1.23457e+308", "0"):
        label.setText(text)
        assert label.width() >= label.fontMetrics().horizontalAdvance(text)
        widths.append(label.minimumWidth())
    assert widths == sorted(widths) and label.minimumWidth() == label.maximumWidth()


def test_new_numbers_of_a_width_already_seen_ask_no_layout(qtbot):
    panel = QWidget()
    layout = QVBoxLayout(panel)
    label = SteadyLabel("-0.000000")
    layout.addWidget(label)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.wait(10)
    requests = _LayoutRequests()
    panel.installEventFilter(requests)
    for k in range(50):
        label.setText(f"{k / 7:.6f}")
        qtbot.wait(1)
    assert requests.count == 0


def test_a_larger_font_is_measured_again(qtbot):
    label = SteadyLabel("12345.678")
    qtbot.addWidget(label)
    before = label.width()
    font = QFont(label.font())
    font.setPointSizeF(font.pointSizeF() * 2)
    label.setFont(font)
    assert label.minimumWidth() > 1.5 * before
    assert label.minimumWidth() >= label.fontMetrics().horizontalAdvance("12345.678")
