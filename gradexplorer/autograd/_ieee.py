"""IEEE arithmetic without warnings: log(0) = -inf and 0/0 = nan are answers, not errors.

np.errstate costs about 0.7 µs per use, more than a scalar op itself, so the engine sets numpy's
error-state context variable directly (about 0.08 µs): the same thing np.errstate does inside.
Use: token = errstate_var.set(IGNORE_FP_ERRORS); try: ...; finally: errstate_var.reset(token).
"""

from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj

errstate_var = _extobj_contextvar
IGNORE_FP_ERRORS = _make_extobj(all="ignore")
