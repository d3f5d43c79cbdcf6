"""The entry point of the one-folder PyInstaller bundle (`make bundle`): the gradexplorer command
(no arguments open the app, `gui ... --screenshot`, `eval`, ...).

`gradexplorer --bundle-self-check` (this script only) prints what the frozen app finds, the
number of lessons and the icon sizes, and exits 1 when any is missing: `make bundle` runs it.
"""

from __future__ import annotations

import sys


def self_check() -> int:
    from gradexplorer import resources
    from gradexplorer.lessons.presets import list_presets, presets_dir

    lessons = list_presets()
    sizes = [s for s in resources.ICON_SIZES if resources.icon_png(s) is not None]
    print(f"{len(lessons)} lessons in {presets_dir()}; icon sizes {sizes}")
    return 0 if lessons and sizes == list(resources.ICON_SIZES) else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--bundle-self-check"]:
        raise SystemExit(self_check())
    from gradexplorer.cli import main

    raise SystemExit(main())
