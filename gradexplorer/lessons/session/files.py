"""Session files on disk: atomic saves, size-limited reads."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from gradexplorer.errors import SessionError
from gradexplorer.lessons.session.codec import (
    MAX_BYTES,
    session_from_json,
    to_json,
    too_big,
    validate_expression,
)
from gradexplorer.lessons.session.state import SessionState


def save_session(
    state: SessionState, path: str | os.PathLike[str], *, check_expression: bool = True
) -> None:
    """Write atomically: a temp file in the same directory, fsync, then os.replace. If anything
    fails before the replace, the previous file is untouched and the temp file removed. The new
    file gets the permissions the user's umask gives any new file (mkstemp would make it 0600).

    The expression is checked first (when the parser is available) so the app never writes a
    file that load_session would then refuse.
    """
    if check_expression:
        validate_expression(state.expression)
    target = Path(path)
    data = to_json(state).encode("utf-8")
    directory = target.parent if str(target.parent) else Path(".")
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        _give_usual_mode(tmp_name, target)
        os.replace(tmp_name, target)
        tmp_name = None
        _fsync_directory(directory)
    except OSError as exc:
        raise SessionError(
            f"Could not save the session to {target}: {exc.strerror or exc}.",
            hint="Check that the folder exists and is writable.",
        ) from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _give_usual_mode(tmp_name: str, target: Path) -> None:
    """An existing file keeps its mode; a new one gets 0666 minus the umask, as editors do."""
    if os.name != "posix":
        return
    try:
        mode = os.stat(target).st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    os.chmod(tmp_name, mode)


def read_session_bytes(path: str | os.PathLike[str]) -> bytes:
    """The raw bytes of a session file, refusing enormous files before reading them."""
    target = Path(path)
    try:
        size = os.stat(target).st_size
        if size > MAX_BYTES:
            raise too_big(size)
        with open(target, "rb") as f:
            # Read one byte past the limit: a file that grows after stat is still refused.
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise SessionError(f"There is no file {target}.") from None
    except IsADirectoryError:
        raise SessionError(f"{target} is a folder, not a session file.") from None
    except OSError as exc:
        raise SessionError(f"Could not open {target}: {exc.strerror or exc}.") from None
    if len(raw) > MAX_BYTES:
        raise too_big(len(raw))
    return raw


def load_session(path: str | os.PathLike[str], *, check_expression: bool = True) -> SessionState:
    """Read and validate a session file. Anything wrong is a SessionError."""
    return session_from_json(read_session_bytes(path), check_expression=check_expression)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable on POSIX; not possible (nor needed) on Windows.
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
