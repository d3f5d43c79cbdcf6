"""What the three side-panel boxes of the Curve menu share (points_panel, taylor_panel,
second_panel): their command rows and their compact layout of rows and widgets."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QBoxLayout, QHBoxLayout, QVBoxLayout, QWidget

from gradexplorer.ui.commands import Command

CommandFactory = Callable[..., Command]


def curve_commands(feature: str, section: int = 0) -> CommandFactory:
    """A maker of the feature's rows in the Curve menu: ids "feature.id", one menu section."""

    def make(id_: str, text: str, keys: tuple[str, ...], handler: str, tip: str, **kw) -> Command:
        kw.setdefault("section", section)
        return Command(f"{feature}.{id_}", text, "curve", keys, handler, tip, **kw)

    return make


def row(*items: QWidget | int | tuple[QWidget, int]) -> QHBoxLayout:
    """A margin-less row: widgets, (widget, stretch), or a number for a stretch."""
    layout = QHBoxLayout()
    layout.setContentsMargins(0, 0, 0, 0)
    for item in items:
        if isinstance(item, int):
            layout.addStretch(item)
        elif isinstance(item, tuple):
            layout.addWidget(*item)
        else:
            layout.addWidget(item)
    return layout


def stack(box: QWidget, *items: QWidget | QBoxLayout) -> QVBoxLayout:
    """The box's column of rows and widgets, tight enough for a narrow side panel."""
    layout = QVBoxLayout(box)
    layout.setContentsMargins(8, 6, 8, 6)
    layout.setSpacing(3)
    for item in items:
        if isinstance(item, QBoxLayout):
            layout.addLayout(item)
        else:
            layout.addWidget(item)
    return layout
