"""Presentation mode, light and dark themes, and the picture exports, wired into the window.

Presentation mode is for a projector at 1920×1080: every font scaled up (the window's own zoom),
the high-contrast variant of the chosen theme (thick curve and tangent, a big point, black on
white or white on black) and no menu or status bar. Every action keeps working from the
keyboard because the window owns the actions, and each menu opens with its Alt+letter as the
menu bar's would; Escape or the same shortcut leaves the mode.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QPoint, QPropertyAnimation, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QGraphicsOpacityEffect,
    QLabel,
    QMenu,
    QMessageBox,
    QWidget,
)

from gradexplorer.lessons.pytorch_code import lesson_code
from gradexplorer.ui.commands import Command, Commands
from gradexplorer.ui.export import ExportError, export_scene, export_view, view_image
from gradexplorer.ui.theme import DARK, LIGHT, THEMES, Theme, legend_html, presentation_variant

if TYPE_CHECKING:
    from gradexplorer.ui.main_window import MainWindow

PRESENTATION_ZOOM = 2.0  # on a 1080 px tall window; smaller projectors get proportionally less
MIN_PRESENTATION_ZOOM = 1.4  # text on a 1280×800 projector as tall, relative to it, as at 1080
LEAVE_HINT = "Presentation mode — Esc leaves"
HINT_SECONDS = 3.0  # shown fully, then it fades out over FADE_MS
FADE_MS = 800  # at 1920×1080: body text 24 px high, readouts 35 px, graph boxes ~40 px
DOCK_SHARE = 0.2  # at most this much of the window height for the bottom panels when presenting
PICTURE_FILTER = "PNG image (*.png);;SVG vector drawing (*.svg)"


def muted_colour(theme: Theme) -> QColor:
    """The grey of hint labels (controls.muted: the palette's Mid, a little darker on light
    backgrounds; on dark ones darker would sink into the background, so lighter)."""
    mid = QColor(theme.mid)
    return mid.lighter(115) if theme.dark else mid.darker(130)


def _command(id_: str, text: str, menu: str, keys: tuple[str, ...], handler: str, tip: str, **kw):
    return Command(id_, text, menu, keys, handler, tip, **kw)


def presentation_zoom(height: int) -> float:
    """The zoom that makes text the same share of the window's height as PRESENTATION_ZOOM does
    at 1080 px: at 800 px that leaves the plot and the graph their room."""
    return max(MIN_PRESENTATION_ZOOM, min(PRESENTATION_ZOOM, PRESENTATION_ZOOM * height / 1080))


class FadingHint(QLabel):
    """A short note over the window's centre that fades out (entering presentation mode hides
    the menu bar: the note says how to leave). A child label, so it takes no layout room and
    never resizes anything."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.setObjectName("presentationHint")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet(
            "QLabel#presentationHint { background: rgba(20, 20, 20, 215); color: white;"
            " border-radius: 10px; padding: 14px 26px; }"
        )
        self._opacity = QGraphicsOpacityEffect(self)
        self.setGraphicsEffect(self._opacity)
        self._fade = QPropertyAnimation(self._opacity, b"opacity", self)
        self._fade.setDuration(FADE_MS)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.finished.connect(self.hide)
        self._wait = QTimer(self, singleShot=True)
        self._wait.timeout.connect(self._fade.start)
        self.hide()

    def show_for(self, text: str, seconds: float = HINT_SECONDS) -> None:
        self.setText(text)
        font = self.font()
        font.setPointSizeF(max(12.0, QApplication.font().pointSizeF() * 2.0))
        self.setFont(font)
        self.adjustSize()
        parent = self.parentWidget()
        self.move((parent.width() - self.width()) // 2, (parent.height() - self.height()) // 3)
        self._fade.stop()
        self._opacity.setOpacity(1.0)
        self.show()
        self.raise_()
        self._wait.start(round(seconds * 1000))

    def hide_now(self) -> None:
        self._wait.stop()
        self._fade.stop()
        self.hide()


class Presentation(QObject):
    """Theme and presentation state of one window, and its export commands."""

    COMMANDS = (
        _command(
            "view.presentation",
            "&Presentation mode",
            "view",
            ("Ctrl+Shift+P",),
            "set_presentation",
            "Large text, thick lines, high contrast, no menu bar (Esc leaves)",
            section=30,
            checkable=True,
            checked="active",
        ),
        _command(
            "view.theme.light",
            LIGHT.title,
            "view.theme",
            ("Ctrl+Shift+L",),
            "use_light_theme",
            "Light colours for the window, plot and graph",
            checkable=True,
            checked="light",
            group="theme",
        ),
        _command(
            "view.theme.dark",
            DARK.title,
            "view.theme",
            ("Ctrl+Shift+K",),
            "use_dark_theme",
            "Dark colours for the window, plot and graph",
            checkable=True,
            checked="dark",
            group="theme",
        ),
        _command(
            "file.export.plot",
            "&Plot as PNG or SVG…",
            "file.export",
            ("Ctrl+E",),
            "export_plot_dialog",
            "Save the plot as a picture",
        ),
        _command(
            "file.export.graph",
            "Backward &graph as PNG or SVG…",
            "file.export",
            ("Ctrl+Shift+E",),
            "export_graph_dialog",
            "Save the whole backward graph as a picture",
        ),
        _command(
            "file.export.landscape",
            "&Landscape as PNG or SVG…",
            "file.export",
            ("Ctrl+Alt+W",),
            "export_landscape_dialog",
            "Save the landscape of a function of two inputs as a picture",
        ),
        _command(
            "file.export.copy_plot",
            "Copy plot &image",
            "file.export",
            ("Ctrl+Alt+C",),
            "copy_plot_image",
            "Put a picture of the plot on the clipboard",
            section=10,
        ),
        _command(
            "file.export.copy_code",
            "Copy as Py&Torch code",
            "file.export",
            ("Ctrl+Shift+T",),
            "copy_pytorch_code",
            "Put a PyTorch program computing f and its gradient on the clipboard",
            section=10,
        ),
    )

    themeChanged = Signal(object)  # the Theme now shown
    presentationChanged = Signal(bool)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("presentation")
        self.window = window
        self.base_theme = LIGHT  # the chosen light/dark theme; presentation uses its variant
        self.active = False
        self._current = LIGHT
        self._saved: tuple[float, bool, bool, list[int], list[int]] | None = None
        # controls.muted() coloured hint labels from the start-up palette; remember that grey
        # so a theme change can find those labels again and give them the new theme's grey
        self._muted = window.palette().color(QPalette.ColorRole.Mid).darker(130)
        self.last_export: Path | None = None
        self._dock_heights: dict[QDockWidget, int] = {}
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), window)
        self._escape.setObjectName("leavePresentationShortcut")
        self._escape.activated.connect(lambda: self.set_presentation(False))
        self._escape.setEnabled(False)  # Escape belongs to the widgets outside presentation
        self._menu_keys: list[QShortcut] = []  # Alt+L and friends, while the menu bar is hidden
        self.hint = FadingHint(window)
        self._presented_zoom: float | None = None  # the zoom presentation mode chose
        window.installEventFilter(self)  # the zoom follows the window's height (F11 after it)
        # The light theme from the start, not the platform's palette: its greys are chosen for
        # contrast (hints at 4.5:1), and a theme change later starts from known colours.
        self._apply(LIGHT)

    def bind(self, commands: Commands) -> None:
        self.presentationChanged.connect(lambda _on: commands.refresh())
        self.themeChanged.connect(lambda _theme: commands.refresh())
        self._bind_menu_keys(commands)

    def _bind_menu_keys(self, commands: Commands) -> None:
        """Alt+L and the other menu bar letters: their keys die with the hidden menu bar, so
        while presenting each menu opens with its own shortcut (off otherwise: the menu bar's
        letter and a shortcut on the same key would cancel each other out)."""
        for menu_id, menu in commands.menus.items():
            key = QKeySequence.mnemonic(menu.title())
            if "." in menu_id or key.isEmpty():  # submenus open from their menu
                continue
            shortcut = QShortcut(key, self.window)
            shortcut.setObjectName(f"presentationMenuShortcut.{menu_id}")
            shortcut.activated.connect(lambda m=menu: self._open_menu(m))
            shortcut.setEnabled(False)
            self._menu_keys.append(shortcut)

    def _open_menu(self, menu: QMenu) -> None:
        """Where the menu bar would have shown it: the top left of the window."""
        menu.popup(self.window.centralWidget().mapToGlobal(QPoint(0, 0)))

    # ----------------------------------------------------------------- themes
    @property
    def theme(self) -> Theme:
        """The theme on screen now (a presentation variant while presenting)."""
        return self._current

    @property
    def light(self) -> bool:
        return self.base_theme is LIGHT

    @property
    def dark(self) -> bool:
        return self.base_theme is DARK

    def use_light_theme(self, _checked: bool = True) -> None:
        self.set_theme(LIGHT.name)

    def use_dark_theme(self, _checked: bool = True) -> None:
        self.set_theme(DARK.name)

    def set_theme(self, name: str) -> None:
        """Choose the light or dark theme (kept through presentation mode)."""
        theme = THEMES[name]
        if theme not in (LIGHT, DARK):
            raise ValueError(f"choose 'light' or 'dark', not {name!r}")
        self.base_theme = theme
        self._apply(presentation_variant(theme) if self.active else theme)

    def _apply(self, theme: Theme) -> None:
        w = self.window
        pal = theme.palette()
        # The application palette, not only the window's: style sheets resolve palette(mid) and
        # friends against it, and dialogs, menus and tooltips are windows of their own.
        QApplication.setPalette(pal)
        w.setPalette(pal)
        muted = muted_colour(theme)
        for label in w.findChildren(QLabel):
            lp = label.palette()
            if lp.color(QPalette.ColorRole.WindowText) == self._muted:
                lp.setColor(QPalette.ColorRole.WindowText, muted)
                label.setPalette(lp)
        self._muted = muted
        w.graph_legend.setText(legend_html(theme))
        # style sheets that say palette(mid) read the palette when they are set: set them again
        w.function_input.set_font_scale(w.zoom)
        w.plot.apply_theme(theme)
        w.landscape.apply_theme(theme)
        w.graph_view.apply_theme(theme)
        self._current = theme
        self.themeChanged.emit(theme)

    # ----------------------------------------------------------------- presentation
    def toggle_presentation(self) -> None:
        self.set_presentation(not self.active)

    def set_presentation(self, on: bool) -> None:
        w = self.window
        if on != self.active:
            if on:
                self._dock_heights = {d: d.height() for d in self._bottom_docks()}
                self._saved = (
                    w.zoom,
                    w.menuBar().isHidden(),
                    w.statusBar().isHidden(),
                    w.main_splitter.sizes(),
                    w.right_splitter.sizes(),
                )
                self.active = True
                w.menuBar().hide()
                w.statusBar().hide()
                self._apply(presentation_variant(self.base_theme))
                w.set_zoom(max(w.zoom, presentation_zoom(w.height())))
                self._presented_zoom = w.zoom
                # the graph's texts are twice as tall: it gets half of the height, not 40 %
                total = sum(w.right_splitter.sizes())
                w.right_splitter.setSizes([total - total // 2, total // 2])
                self._fit_docks()
            else:
                saved = self._saved or (1.0, False, False, [], [])
                zoom, menu_hidden, status_hidden, sizes, right = saved
                self.active = False
                self._apply(self.base_theme)
                w.set_zoom(zoom)
                if sizes:
                    w.main_splitter.setSizes(sizes)
                if right:
                    w.right_splitter.setSizes(right)
                w.menuBar().setHidden(menu_hidden)
                w.statusBar().setHidden(status_hidden)
                # once the bars took their height back and the panels re-arranged for the font
                QTimer.singleShot(0, self._restore_docks)
            self._escape.setEnabled(self.active)
            for shortcut in self._menu_keys:
                shortcut.setEnabled(self.active)
            w.graph_view.fit()
            if self.active:
                self.hint.show_for(LEAVE_HINT)
            else:
                self.hint.hide_now()
        self.presentationChanged.emit(self.active)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.window
            and event.type() == QEvent.Type.Resize
            and self.active
            and event.oldSize().height() != event.size().height()
        ):
            QTimer.singleShot(0, self._follow_height)  # once the resize is through
        return super().eventFilter(watched, event)

    def _follow_height(self) -> None:
        """Presenting, then F11 (or a window dragged to the projector): the zoom chosen for the
        old height left the text small on the full screen. It follows the new height unless
        the teacher zoomed by hand since."""
        w = self.window
        if not self.active or self._saved is None or w.zoom != self._presented_zoom:
            return
        zoom = max(self._saved[0], presentation_zoom(w.height()))
        if zoom != w.zoom:
            w.set_zoom(zoom)
            self._presented_zoom = w.zoom
            self._fit_docks()
            w.graph_view.fit()

    def _bottom_docks(self) -> list[QDockWidget]:
        w = self.window
        return [
            d
            for d in w.findChildren(QDockWidget)
            if d.isVisible()
            and not d.isFloating()
            and w.dockWidgetArea(d) == Qt.DockWidgetArea.BottomDockWidgetArea
        ]

    def _fit_docks(self) -> None:
        """Bottom panels down to the height their larger text needs: the plot and the graph
        are what the room looks at."""
        docks = self._bottom_docks()
        if docks:
            cap = round(DOCK_SHARE * self.window.height())
            heights = [
                max(d.minimumSizeHint().height(), min(d.sizeHint().height(), cap)) for d in docks
            ]
            self.window.resizeDocks(docks, heights, Qt.Orientation.Vertical)

    def _restore_docks(self) -> None:
        if self.active:
            return  # presenting again before this deferred call ran: keep the panels small
        saved = self._dock_heights
        docks = [d for d in self._bottom_docks() if d in saved]
        if docks:
            vertical = Qt.Orientation.Vertical
            self.window.layout().activate()  # the bars and fonts changed: lay out now
            self.window.resizeDocks(docks, [saved[d] for d in docks], vertical)
            self.window.layout().activate()
            # resizeDocks sizes a tabbed group including its tab bar: correct by what is off,
            # never below the dock's own minimum (a negative size made Qt warn)
            corrected = [
                max(d.minimumSizeHint().height(), 2 * saved[d] - d.height()) for d in docks
            ]
            self.window.resizeDocks(docks, corrected, vertical)
        self._dock_heights = {}

    # ----------------------------------------------------------------- export
    def export_plot(self, path: str | Path) -> str:
        """Write the plot to `path` (.png at twice the screen resolution, or .svg); returns the
        format. Raises ExportError with a message and a hint."""
        self.window.model.settle()  # nothing held back for a drag to pause: the picture is now
        fmt = export_view(self.window.plot, path, "gradexplorer plot")
        self._exported(path, "plot")
        return fmt

    def export_landscape(self, path: str | Path) -> str:
        """Write the landscape as shown (heat map, contours, arrows, point, race) to `path`."""
        if not self.window.landscape.isVisible() and not self.window.model.two_inputs:
            raise ExportError(
                "there is no landscape to export", hint="type a function of two inputs first"
            )
        self.window.model.settle()
        fmt = export_view(self.window.landscape, path, "gradexplorer landscape")
        self._exported(path, "landscape")
        return fmt

    def export_graph(self, path: str | Path) -> str:
        """Write the whole backward graph (not only the visible part) to `path`."""
        self.window.model.settle()
        view = self.window.graph_view
        fmt = export_scene(
            view.scene(), view.theme().background, path, "gradexplorer backward graph"
        )
        self._exported(path, "backward graph")
        return fmt

    def _exported(self, path: str | Path, what: str) -> None:
        self.last_export = Path(path)
        self.window.statusBar().showMessage(f"Saved the {what} to {path}", 6000)

    def export_plot_dialog(self) -> None:
        self._dialog("Export the plot", "plot", self.export_plot)

    def export_landscape_dialog(self) -> None:
        self._dialog("Export the landscape", "landscape", self.export_landscape)

    def export_graph_dialog(self) -> None:
        self._dialog("Export the backward graph", "backward-graph", self.export_graph)

    def _dialog(self, title: str, stem: str, export: object) -> None:
        start = (self.last_export.parent if self.last_export else Path.home()) / f"{stem}.png"
        path, chosen = QFileDialog.getSaveFileName(self.window, title, str(start), PICTURE_FILTER)
        if not path:
            return
        if not Path(path).suffix:  # no suffix typed: take the one of the chosen filter
            path += ".svg" if "svg" in chosen.lower() else ".png"
        try:
            export(path)  # type: ignore[operator]
        except ExportError as err:
            QMessageBox.warning(self.window, title, f"{err.message}\n{err.hint or ''}".strip())

    def copy_plot_image(self) -> None:
        self.window.model.settle()
        image = view_image(self.window.plot, 1.0)
        QApplication.clipboard().setImage(image)
        self.window.statusBar().showMessage(
            f"Copied a picture of the plot ({image.width()}×{image.height()}) to the clipboard",
            5000,
        )

    def copy_pytorch_code(self) -> None:
        m = self.window.model
        if m.expression is None:
            self.window.statusBar().showMessage("No valid function to copy", 5000)
            return
        if m.two_inputs:  # a training loop with the race's selected optimizer
            loop = self.window.race_panel.training_loop()
            if loop is not None:
                QApplication.clipboard().setText(loop)
                spec = m.race_settings.optimizers[m.race_settings.selected]
                self.window.statusBar().showMessage(
                    f"Copied a PyTorch training loop with {spec.pytorch_call()}", 6000
                )
                return
            point = dict(zip(m.expression.inputs, (m.x, m.y), strict=True))
            QApplication.clipboard().setText(m.expression.to_pytorch(point, m.param_values()))
            self.window.statusBar().showMessage(f"Copied PyTorch code for {m.expression.canonical}")
            return
        code = lesson_code(
            m.expression,
            m.x,
            m.param_values(),
            runs=m.backward_runs,
            algorithm=m.backward_algorithm,
            trace=m.point.trace if m.point is not None else None,
        )
        QApplication.clipboard().setText(code)
        values = ", ".join(f"{k} = {v:g}" for k, v in m.param_values().items())
        note = f", {values}" if values else ""
        self.window.statusBar().showMessage(
            f"Copied PyTorch code for f(x) = {m.expression.canonical} at x = {m.x:g}{note}",
            6000,
        )
