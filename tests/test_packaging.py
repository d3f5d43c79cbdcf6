"""The wheel and the sdist, as a teacher installs them: built from the sources, installed without
dependencies into a folder outside the checkout, and run from there.

The builds use a copy of the checkout without build/ or *.egg-info, so that nothing stale from an
earlier build can slip into the wheel, and they need no network (the installed setuptools,
--no-build-isolation). Expected values are read from the checkout's files directly (the preset
JSON, the PNG headers), not through the package under test.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import struct
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRESET_FILES = sorted((ROOT / "assets" / "presets").glob("*.json"))
ICON_FILES = sorted((ROOT / "assets" / "icons").iterdir())
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "screenshots",
)
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]


@dataclass(frozen=True)
class Builds:
    wheel: Path  # built from the source tree, as `pip wheel .` or `pipx install .` does
    sdist: Path
    wheel_from_sdist: Path
    site: Path  # the wheel installed with `pip install --target`, outside the checkout
    work: Path  # a folder outside the checkout to run from


def _run(cmd: list[str], **kwargs) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, **kwargs)
    assert proc.returncode == 0, f"{cmd}\nstdout: {proc.stdout}\nstderr: {proc.stderr[-4000:]}"
    return proc


def _build_wheel(source: Path, out: Path) -> Path:
    _run([*PIP, "wheel", str(source), "--no-deps", "--no-build-isolation", "--no-index", "-q",
          "-w", str(out)])  # fmt: skip
    (wheel,) = out.glob("*.whl")
    return wheel


def _build_sdist(source: Path, out: Path) -> Path:
    code = "import sys; from setuptools import build_meta; build_meta.build_sdist(sys.argv[1])"
    _run([sys.executable, "-c", code, str(out)], cwd=source)
    (sdist,) = out.glob("*.tar.gz")
    return sdist


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    work = tmp_path_factory.mktemp("packaging")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    wheel = _build_wheel(source, work / "wheel")
    sdist = _build_sdist(source, work / "sdist")
    with tarfile.open(sdist) as tar:
        tar.extractall(work / "unpacked", filter="data")
    (unpacked,) = (work / "unpacked").iterdir()
    wheel_from_sdist = _build_wheel(unpacked, work / "wheel-from-sdist")
    site = work / "site"
    _run([*PIP, "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel)])
    run_dir = work / "elsewhere"
    run_dir.mkdir()
    return Builds(wheel, sdist, wheel_from_sdist, site, run_dir)


def installed_env(builds: Builds) -> dict[str, str]:
    """The installed wheel first, then the environment's own packages (numpy, PySide6), and
    nothing else: used with `python -S`, which also skips the .pth files that map an editable
    install back to the checkout."""
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADEXPLORER_")}
    env.update(
        PYTHONPATH=os.pathsep.join([str(builds.site), *sorted(deps)]),
        QT_QPA_PLATFORM="offscreen",
        GRADEXPLORER_NO_SETTINGS="1",
        XDG_CONFIG_HOME=str(builds.work / "config"),
    )
    return env


def run_installed(builds: Builds, *args: str) -> subprocess.CompletedProcess[str]:
    return _run([sys.executable, "-S", *args], cwd=builds.work, env=installed_env(builds))


def wheel_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as z:
        return {name: z.read(name) for name in z.namelist()}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def close_enough(got: float, want: float) -> bool:
    return abs(got - want) <= 1e-9 * max(1.0, abs(want))


# ---------------------------------------------------------------------------------- contents


def test_the_wheel_carries_every_module_of_the_package(builds: Builds) -> None:
    names = set(wheel_files(builds.wheel))
    modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / "gradexplorer").rglob("*.py")}
    missing = sorted(m for m in modules if m not in names)
    assert missing == [], (
        f"{missing} are not in the wheel: add their package to [tool.setuptools] packages in "
        "pyproject.toml"
    )


def test_the_wheel_carries_the_lessons_and_icons_and_nothing_else_of_assets(
    builds: Builds,
) -> None:
    files = wheel_files(builds.wheel)
    carried = {n for n in files if n.startswith("gradexplorer/assets/")}
    wanted = {f"gradexplorer/assets/presets/{p.name}" for p in PRESET_FILES}
    wanted |= {f"gradexplorer/assets/icons/{p.name}" for p in ICON_FILES}
    wanted.add("gradexplorer/assets/__init__.py")
    assert carried == wanted  # no README screenshots in the wheel
    assert len(PRESET_FILES) >= 12 and any(p.suffix == ".svg" for p in ICON_FILES)
    for path in [*PRESET_FILES, *ICON_FILES]:
        assert files[f"gradexplorer/assets/{path.parent.name}/{path.name}"] == path.read_bytes()


def test_the_wheel_has_the_console_and_the_gui_command(builds: Builds) -> None:
    files = wheel_files(builds.wheel)
    (entry_points,) = [v for k, v in files.items() if k.endswith(".dist-info/entry_points.txt")]
    text = entry_points.decode()
    assert "[console_scripts]\ngradexplorer = gradexplorer.cli:main" in text
    assert "[gui_scripts]\ngradexplorer-gui = gradexplorer.cli:gui_main" in text


def test_the_sdist_builds_the_same_wheel(builds: Builds) -> None:
    with tarfile.open(builds.sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    assert {"pyproject.toml", "README.md", "assets/__init__.py", "MANIFEST.in"} <= names
    assert {f"assets/presets/{p.name}" for p in PRESET_FILES} <= names
    assert {f"assets/icons/{p.name}" for p in ICON_FILES} <= names
    # The whole source, so that the tests run from an unpacked sdist too.
    assert {"main.py", "Makefile", "tests/test_packaging.py", "docs/ARCHITECTURE.md"} <= names
    from_tree, from_sdist = wheel_files(builds.wheel), wheel_files(builds.wheel_from_sdist)
    assert sorted(from_sdist) == sorted(from_tree)
    assert from_sdist == from_tree


# ------------------------------------------------------------------------ the installed app


@pytest.fixture(scope="module")
def probe(builds: Builds) -> dict:
    """tests/installed_probe.py run against the installed wheel, from outside the checkout."""
    script = builds.work / "installed_probe.py"
    shutil.copyfile(Path(__file__).with_name("installed_probe.py"), script)
    report, shot = builds.work / "report.json", builds.work / "shot.png"
    run_installed(builds, str(script), str(ROOT), sys.prefix, str(report), str(shot))
    return json.loads(report.read_text(encoding="utf-8"))


def is_under(path: str, folder: Path) -> bool:
    return Path(path).is_relative_to(folder.resolve())


def test_the_installed_package_runs_from_the_install_not_the_checkout(
    builds: Builds, probe: dict
) -> None:
    assert is_under(probe["package"], builds.site)
    assert is_under(probe["assets"], builds.site)
    env_dir = Path(sys.prefix).resolve()
    checkout_entries = [
        p for p in probe["sys_path"] if is_under(p, ROOT) and not is_under(p, env_dir)
    ]
    assert checkout_entries == []
    assert not [m for m in probe["meta_path"] if "editable" in m]
    # The hook saw the lessons being read, from the install, and nothing of the checkout.
    assert probe["opened_in_checkout"] == []
    for path in PRESET_FILES:
        installed = builds.site / "gradexplorer" / "assets" / "presets" / path.name
        assert str(installed.resolve()) in probe["opened"]


def promised(path: Path) -> dict:
    """A preset's promised values, read from its JSON here (not by the package)."""
    return json.loads(path.read_text(encoding="utf-8"))["expect"]


def test_every_lesson_is_listed_and_evaluates_to_its_promise(builds: Builds, probe: dict) -> None:
    lessons = probe["engine_lessons"]
    assert [lesson["name"] for lesson in lessons] == [p.stem for p in PRESET_FILES]
    for lesson, path in zip(lessons, PRESET_FILES, strict=True):
        assert is_under(lesson["path"], builds.site)
        want = promised(path)
        assert close_enough(lesson["value"], want["value"]), path.name
        assert close_enough(lesson["derivative"], want["derivative"]), path.name
        for name, g in want.get("gradient", {}).items():
            assert close_enough(lesson["gradient"][name], g), (path.name, name)


def test_every_lesson_opens_in_the_installed_app_and_shows_its_values(probe: dict) -> None:
    shown = probe["window_lessons"]
    assert [lesson["name"] for lesson in shown] == [p.stem for p in PRESET_FILES]
    for lesson, path in zip(shown, PRESET_FILES, strict=True):
        state = json.loads(path.read_text(encoding="utf-8"))
        want = state["expect"]
        assert lesson["in_menu"], path.name
        assert (lesson["expression"], lesson["x"]) == (state["expression"], state["x"])
        assert close_enough(lesson["value"], want["value"]), path.name
        assert close_enough(lesson["derivative"], want["derivative"]), path.name
        # The side panel shows 6 significant digits of the same numbers.
        labels = lesson["labels"]
        assert math.isclose(float(labels["value"]), want["value"], rel_tol=1e-5, abs_tol=1e-9)
        assert math.isclose(
            float(labels["derivative"]), want["derivative"], rel_tol=1e-5, abs_tol=1e-9
        )
        for name, g in want.get("gradient", {}).items():
            assert close_enough(lesson["gradient"][name], g), (path.name, name)
            assert math.isclose(float(labels[name]), g, rel_tol=1e-5, abs_tol=1e-9)


def test_the_installed_app_has_its_icon_and_renders(builds: Builds, probe: dict) -> None:
    pngs = {png_size(p.read_bytes())[0] for p in ICON_FILES if p.suffix == ".png"}
    assert {16, 32, 48, 256} <= pngs
    icon = probe["icon"]
    assert not icon["null"]
    assert icon["sizes"] == sorted(pngs)
    assert all(is_under(f, builds.site) for f in icon["files"])
    assert icon["desktop_file_name"] == "gradexplorer"
    assert probe["screenshot_exit"] == 0
    shot = (builds.work / "shot.png").read_bytes()
    assert png_size(shot) == (1280, 800)


def test_the_installed_commands(builds: Builds) -> None:
    script = builds.site / "bin" / "gradexplorer"
    assert (builds.site / "bin" / "gradexplorer-gui").exists()
    (metadata,) = builds.site.glob("gradexplorer-*.dist-info/METADATA")
    version = next(
        line.split(":", 1)[1].strip()
        for line in metadata.read_text().splitlines()
        if line.startswith("Version:")
    )
    import gradexplorer  # the checkout's: the metadata's version comes from it, written once

    assert version == gradexplorer.__version__
    r = run_installed(builds, str(script), "--version")
    assert r.stdout == f"gradexplorer {version}\n"
    r = run_installed(builds, str(script), "eval", "x^3 - 2x", "--at", "2", "--json")
    # x³ − 2x at 2: 8 − 4 = 4; 3x² − 2 = 10; 6x = 12.
    out = json.loads(r.stdout)
    assert (out["value"], out["derivative"], out["second_derivative"]) == (4.0, 10.0, 12.0)
