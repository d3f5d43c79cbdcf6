"""IEEE arithmetic without warnings: log(0) = -inf and 0/0 = nan are answers, not errors.

np.errstate costs about 0.7 µs per use, more than a scalar op itself, so the engine sets numpy's
error-state context variable directly (about 0.08 µs): the same thing np.errstate does inside.
That variable is private to numpy; where a numpy release has moved it, np.errstate does the
same job, only slower.
Use: token = errstate_var.set(IGNORE_FP_ERRORS); try: ...; finally: errstate_var.reset(token).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class _Errstate:
    """np.errstate behind the two calls of a ContextVar, for numpy without the private name."""

    @staticmethod
    def set(_value: Any) -> np.errstate:
        state = np.errstate(all="ignore")  # one per use: an errstate cannot be entered twice
        state.__enter__()
        return state

    @staticmethod
    def reset(token: np.errstate) -> None:
        token.__exit__(None, None, None)


try:
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:
    errstate_var: Any = _Errstate()
    IGNORE_FP_ERRORS: Any = None
    FAST = False
else:
    errstate_var = _extobj_contextvar
    IGNORE_FP_ERRORS = _make_extobj(all="ignore")
    FAST = True  # the private context variable is used (tests check both paths)
