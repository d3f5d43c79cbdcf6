"""`gradexplorer --install-desktop-entry` / `--uninstall-desktop-entry` in a temporary
$XDG_DATA_HOME: valid files where the freedesktop.org specs put them, an Exec line that really
starts the app, and an uninstall that removes exactly what was written.

Oracles: desktop-file-validate (a failure in CI when it is missing; .ci/run installs it), an
Exec parser written here from the Desktop Entry spec, and the PNG headers of assets/icons.
"""

from __future__ import annotations

import configparser
import os
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from gradexplorer import cli, desktop_entry

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "assets" / "icons"
# The command itself refuses on macOS and Windows (tested below, on any system).
freedesktop_only = pytest.mark.skipif(
    sys.platform == "darwin" or sys.platform.startswith("win"),
    reason="desktop entries are for freedesktop.org desktops",
)


def run_cli(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_DATA_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "gradexplorer", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )


def files_under(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def read_entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    assert parser.sections() == ["Desktop Entry"]
    return dict(parser["Desktop Entry"])


def unescape_string(value: str) -> str:
    """The spec's escapes for values of type string: \\s \\n \\t \\r \\\\."""
    out, i = [], 0
    table = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in table:
            out.append(table[value[i + 1]])
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def parse_exec(value: str) -> list[str]:
    """An Exec value back to argv, as the spec (and GLib) read it: string escapes, then "%%",
    then arguments split on spaces, double quotes with \\" \\` \\$ \\\\ escaped inside."""
    text = unescape_string(value).replace("%%", "\0")
    assert "%" not in text, "a field code where none was meant"
    args: list[str] = []
    current: list[str] | None = None
    i = 0
    while i < len(text):
        c = text[i]
        if c == " ":
            if current is not None:
                args.append("".join(current))
                current = None
            i += 1
        elif c == '"':
            current = current if current is not None else []
            i += 1
            while text[i] != '"':
                if text[i] == "\\":
                    assert text[i + 1] in '"`$\\', f"bad escape in {value!r}"
                    i += 1
                current.append(text[i])
                i += 1
            i += 1
        else:
            assert c not in "'\\><~|&;$*?#()`\t\n", f"{c!r} must be quoted in {value!r}"
            current = (current if current is not None else []) + [c]
            i += 1
    if current is not None:
        args.append("".join(current))
    return [a.replace("\0", "%") for a in args]


def validate(path: Path) -> None:
    """desktop-file-validate has nothing to say (no error, warning or hint)."""
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("desktop-file-validate is missing but CI is set (.ci/run installs it)")
        return  # only this check is skipped on a machine without desktop-file-utils
    r = subprocess.run([tool, str(path)], capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout + r.stderr == "", r.stdout + r.stderr


def expected_files(home: Path) -> set[Path]:
    """From the checkout's icon files, as the Icon Theme spec lays out the hicolor theme."""
    wanted = {home / "applications" / "gradexplorer.desktop"}
    wanted.add(home / "icons" / "hicolor" / "scalable" / "apps" / "gradexplorer.svg")
    for png in ICONS.glob("*.png"):
        w, h = png_size(png.read_bytes())
        assert w == h
        wanted.add(home / "icons" / "hicolor" / f"{w}x{h}" / "apps" / "gradexplorer.png")
    return wanted


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A data home that other programs already use: their files must survive."""
    home = tmp_path / "share"
    others = {
        "applications/other.desktop": b"[Desktop Entry]\nType=Application\nName=Other\n",
        "icons/hicolor/48x48/apps/other.png": (ICONS / "gradexplorer-16.png").read_bytes(),
        "icons/hicolor/index.theme": b"[Icon Theme]\nName=Hicolor\n",
    }
    for name, data in others.items():
        (home / name).parent.mkdir(parents=True, exist_ok=True)
        (home / name).write_bytes(data)
    return home


@freedesktop_only
def test_install_writes_valid_files_and_uninstall_removes_exactly_them(home: Path) -> None:
    before = files_under(home)
    r = run_cli("--install-desktop-entry", home=home)
    assert r.returncode == 0, r.stderr
    after = files_under(home)
    new = set(after) - set(before)
    assert new == expected_files(home)
    assert {k: after[k] for k in before} == before  # nothing else touched
    assert {Path(line) for line in r.stdout.splitlines()[:-1]} == new
    assert "application menu" in r.stdout.splitlines()[-1]

    for path in new:
        source = ICONS / ("gradexplorer.svg" if path.suffix == ".svg" else "")
        if path.suffix == ".png":
            size = png_size(after[path])[0]
            assert path.parent.parent.name == f"{size}x{size}"
            source = ICONS / f"gradexplorer-{size}.png"
        if path.suffix != ".desktop":
            assert after[path] == source.read_bytes()

    entry_file = home / "applications" / "gradexplorer.desktop"
    validate(entry_file)
    entry = read_entry(entry_file)
    assert entry["Type"] == "Application" and entry["Name"] == "gradexplorer"
    assert entry["Icon"] == "gradexplorer" and entry["Terminal"] == "false"
    assert entry["TryExec"] == sys.executable
    argv = parse_exec(entry["Exec"])
    assert argv == [sys.executable, "-P", "-m", "gradexplorer"]
    # The menu's command starts this gradexplorer, from any folder.
    started = subprocess.run(
        [*argv, "--version"], capture_output=True, text=True, timeout=60, cwd=home
    )
    assert started.returncode == 0 and started.stdout.startswith("gradexplorer ")

    r = run_cli("--uninstall-desktop-entry", home=home)
    assert r.returncode == 0, r.stderr
    assert files_under(home) == before
    assert {Path(line) for line in r.stdout.splitlines()} == new
    r = run_cli("--uninstall-desktop-entry", home=home)
    assert r.returncode == 0 and "no desktop entry to remove" in r.stdout


@pytest.mark.parametrize(
    "interpreter",
    [
        "/opt/class room/bin/python3",
        '/opt/we"ird/$HOME/`x`/back\\slash/100%/python',
        "/opt/it's (new)/py;thon&#*?~<>|",
        "/usr/bin/python3",
    ],
)
def test_exec_line_quotes_any_path(tmp_path: Path, interpreter: str) -> None:
    command = [interpreter, "-P", "-m", "gradexplorer"]
    path = tmp_path / "gradexplorer.desktop"
    path.write_text(desktop_entry.entry_text(command), encoding="utf-8")
    validate(path)
    entry = read_entry(path)
    assert parse_exec(entry["Exec"]) == command
    assert unescape_string(entry["TryExec"]) == interpreter


@freedesktop_only
def test_a_path_a_desktop_entry_cannot_hold_is_refused_without_writing(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    before = files_under(home)
    monkeypatch.setattr(sys, "executable", "/opt/line\nbreak/python")
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    assert cli.main(["--install-desktop-entry"]) == 1
    err = capsys.readouterr().err
    assert "could not install the desktop entry" in err and "Traceback" not in err
    assert files_under(home) == before


@freedesktop_only
def test_a_folder_that_cannot_be_written_is_reported(tmp_path: Path) -> None:
    home = tmp_path / "share"
    home.mkdir()
    (home / "icons").write_text("a file where the icons folder should be")
    r = run_cli("--install-desktop-entry", home=home)
    assert r.returncode == 1
    assert "could not install the desktop entry" in r.stderr and "Traceback" not in r.stderr
    assert not (home / "applications").exists()  # the entry is written after its icons


def test_data_home_follows_the_base_directory_spec(tmp_path: Path) -> None:
    home = str(tmp_path)
    assert desktop_entry.data_home({"HOME": home, "XDG_DATA_HOME": "/srv/x"}) == Path("/srv/x")
    for unset in ({}, {"XDG_DATA_HOME": ""}, {"XDG_DATA_HOME": "relative/share"}):
        assert desktop_entry.data_home({"HOME": home, **unset}) == tmp_path / ".local" / "share"


@pytest.mark.parametrize("platform", ["darwin", "win32"])
def test_other_platforms_are_told_what_to_do(
    platform: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys
) -> None:
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert cli.main(["--install-desktop-entry"]) == 1
    assert "for Linux desktops" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
