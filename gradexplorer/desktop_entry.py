"""Put gradexplorer in the current user's application menu on a freedesktop.org desktop (Linux):
a desktop entry in $XDG_DATA_HOME/applications and the icon in the hicolor theme under
$XDG_DATA_HOME/icons, as the Desktop Entry and Icon Theme specifications describe. Qt-free.

    gradexplorer --install-desktop-entry      writes the files below
    gradexplorer --uninstall-desktop-entry    removes exactly those files
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from gradexplorer import resources

# The desktop file ID; Qt's setDesktopFileName uses it too, so that Wayland shells match the
# window to this entry (and its icon).
DESKTOP_ID = "gradexplorer"
# Known to every desktop-file-validate in use (1.5 adds nothing this entry needs).
SPEC_VERSION = "1.4"
# Characters that make the Desktop Entry spec quote an Exec argument.
_RESERVED = re.compile(r"[\s\"'\\><~|&;$*?#()`]")


def data_home(environ: Mapping[str, str] = os.environ) -> Path:
    """$XDG_DATA_HOME, or ~/.local/share when it is unset, empty or not absolute (the Base
    Directory spec says to ignore a relative path)."""
    value = environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path(environ.get("HOME") or Path.home()) / ".local" / "share"


def icon_files(home: Path) -> dict[Path, Path | None]:
    """The icon in the hicolor theme: {destination: the package's file (None if missing)}."""
    name = resources.ICON_NAME
    hicolor = home / "icons" / "hicolor"
    icons = {hicolor / "scalable" / "apps" / f"{name}.svg": resources.icon_svg()}
    for size in resources.ICON_SIZES:
        icons[hicolor / f"{size}x{size}" / "apps" / f"{name}.png"] = resources.icon_png(size)
    return icons


def desktop_file(home: Path) -> Path:
    return home / "applications" / f"{DESKTOP_ID}.desktop"


def installed_files(home: Path) -> list[Path]:
    """Every file install() writes and uninstall() removes, the entry last."""
    return [*icon_files(home), desktop_file(home)]


def launch_command() -> list[str]:
    """How the menu starts the app: this interpreter, so PATH does not matter (pipx's
    ~/.local/bin often is not on a desktop session's PATH); -P keeps the folder the menu starts
    it in off sys.path."""
    return [sys.executable, "-P", "-m", "gradexplorer"]


def entry_text(command: Sequence[str]) -> str:
    """The desktop entry for starting gradexplorer with `command` (an argv list)."""
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        f"Version={SPEC_VERSION}",
        "Name=gradexplorer",
        "GenericName=Automatic differentiation explorer",
        "Comment=Type a function, drag x, watch the tangent and the backward graph",
        f"TryExec={_escape(command[0])}",
        f"Exec={exec_value(command)}",
        f"Icon={resources.ICON_NAME}",
        "Terminal=false",
        "Categories=Education;Math;",
        "Keywords=autograd;derivative;gradient;tangent;backpropagation;calculus;",
        "StartupNotify=true",
        # Qt names the X11 window class after the application name (ui/app.py sets it).
        "StartupWMClass=gradexplorer",
    ]
    return "\n".join(lines) + "\n"


def exec_value(command: Sequence[str]) -> str:
    """An Exec value that runs `command`: each argument quoted where the spec requires it,
    "%" doubled (field codes), then the string escapes every value gets."""
    return _escape(" ".join(_quote(arg).replace("%", "%%") for arg in command))


def _quote(arg: str) -> str:
    if arg and not _RESERVED.search(arg):
        return arg
    return '"' + re.sub(r'(["`$\\])', r"\\\1", arg) + '"'


def _escape(value: str) -> str:
    if any(c in value for c in "\n\r\t\0"):
        raise ValueError(f"a desktop entry cannot hold {value!r} (a control character)")
    return value.replace("\\", "\\\\")


def install(home: Path, command: Sequence[str] | None = None) -> list[Path]:
    """Write the icons, then the entry (so the menu never shows an entry without its icon).
    Returns the files written."""
    text = entry_text(launch_command() if command is None else command)
    icons = icon_files(home)
    if None in icons.values():
        raise FileNotFoundError("this installation of gradexplorer lacks its icon files")
    written = []
    for dest, src in icons.items():
        assert src is not None
        _write(dest, src.read_bytes())
        written.append(dest)
    _touch_theme(home)
    _write(desktop_file(home), text.encode("utf-8"))
    written.append(desktop_file(home))
    return written


def uninstall(home: Path) -> list[Path]:
    """Remove the files install() writes (folders stay: other programs share them). Returns
    the files removed."""
    removed = []
    for path in installed_files(home):
        try:
            path.unlink()
        except FileNotFoundError:
            continue
        removed.append(path)
    _touch_theme(home)
    return removed


def _touch_theme(home: Path) -> None:
    # GTK trusts a theme's icon-theme.cache until the theme folder is newer than it (what
    # xdg-icon-resource does too).
    hicolor = home / "icons" / "hicolor"
    if hicolor.is_dir():
        os.utime(hicolor)


def _write(path: Path, data: bytes) -> None:
    # Through a temporary file and a rename: menus watch these folders and must never read a
    # half-written file.
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main(install_entry: bool) -> int:
    """`gradexplorer --install-desktop-entry` / `--uninstall-desktop-entry`: 0, or 1 with a
    reason on stderr."""
    if sys.platform == "darwin" or sys.platform.startswith("win"):
        print(
            "gradexplorer: desktop entries are for Linux desktops; on Windows and macOS start "
            "it with the gradexplorer command (pipx put it on your PATH)",
            file=sys.stderr,
        )
        return 1
    home = data_home()
    try:
        files = install(home) if install_entry else uninstall(home)
    except (OSError, ValueError) as exc:
        what = "install" if install_entry else "remove"
        print(f"gradexplorer: could not {what} the desktop entry: {exc}", file=sys.stderr)
        return 1
    for path in files:
        print(path)
    if install_entry:
        print("gradexplorer is in your application menu (some desktops show it after a new login)")
    elif not files:
        print(f"gradexplorer: no desktop entry to remove in {home}")
    return 0
