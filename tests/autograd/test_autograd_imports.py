"""The engine layer imports numpy only: never Qt."""

from __future__ import annotations

import subprocess
import sys

_PROBE = """
import sys
import gradexplorer.autograd as ag
x = ag.Tensor(2.0, requires_grad=True)
(x * x + x).backward(trace=True)
qt = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6', 'pyqtgraph'))
print(','.join(qt) or 'none')
print(x.grad.item())
"""


def test_autograd_does_not_import_qt() -> None:
    result = subprocess.run(
        [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=60, check=True
    )
    modules, value = result.stdout.split()
    assert modules == "none"
    assert float(value) == 5.0
