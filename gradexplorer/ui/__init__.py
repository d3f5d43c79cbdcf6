"""The Qt desktop app: model (session state + signals), widgets and the main window."""

from gradexplorer.ui.main_window import MainWindow
from gradexplorer.ui.model import ExplorerModel

__all__ = ["ExplorerModel", "MainWindow"]
