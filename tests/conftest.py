"""Test-wide setup. Qt must never try to open a real display in tests: the platform plugin is
chosen when the first QGuiApplication is created, so this has to run before any Qt import."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
