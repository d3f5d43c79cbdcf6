"""The files the app reads at run time: the lessons and the icon. Qt-free.

They live in assets/ at the top of the repository; the build installs that folder as the package
``gradexplorer.assets`` (pyproject.toml maps it) and an editable install maps it the same way, so
``importlib.resources`` finds them in a wheel, a build from the sdist and a checkout alike.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

ASSETS_PACKAGE = "gradexplorer.assets"
ICON_NAME = "gradexplorer"
# The PNG renders of assets/icons/gradexplorer.svg: the hicolor icon theme's usual sizes.
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def assets_dir() -> Path | None:
    """The installed assets folder, or None when this installation has none.

    pip, pipx and editable installs unpack the package, and Qt opens the icon by file name, so
    only a real folder counts (a zipped package is not supported).
    """
    try:
        root = files(ASSETS_PACKAGE)
    except ModuleNotFoundError:  # a source tree on sys.path that was never installed
        return None
    return root if isinstance(root, Path) and root.is_dir() else None


def asset(*parts: str) -> Path | None:
    """One installed asset file or folder (as "presets" or "icons", "gradexplorer.svg"), or
    None when it is missing."""
    root = assets_dir()
    if root is None:
        return None
    path = root.joinpath(*parts)
    return path if path.exists() else None


def icon_svg() -> Path | None:
    return asset("icons", f"{ICON_NAME}.svg")


def icon_png(size: int) -> Path | None:
    return asset("icons", f"{ICON_NAME}-{size}.png")
