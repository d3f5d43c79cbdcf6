"""The Qt desktop app: model (session state + signals), widgets and the main window.

MainWindow and ExplorerModel are loaded on first use, so that the Qt-free helpers in this
package (numbers.py, graph_layout.py) can be imported without starting Qt.
"""

from typing import Any

__all__ = ["ExplorerModel", "MainWindow"]


def __getattr__(name: str) -> Any:
    if name == "MainWindow":
        from gradexplorer.ui.main_window import MainWindow

        return MainWindow
    if name == "ExplorerModel":
        from gradexplorer.ui.model import ExplorerModel

        return ExplorerModel
    raise AttributeError(f"module 'gradexplorer.ui' has no attribute {name!r}")
