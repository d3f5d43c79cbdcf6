"""Session files: atomic saves that survive a full disk or Ctrl+C, size limits before reading,
and new files that follow the user's umask."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

import pytest

from gradexplorer.errors import SessionError
from gradexplorer.lessons.session import MAX_BYTES, files, load_session, save_session, to_json

from .cases import GOOD, full_state


def test_save_then_load_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "lesson.json"
    save_session(full_state(), path)
    assert load_session(path, check_expression=False) == full_state()
    # Nothing but the file itself is left in the folder (the temp file was renamed).
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.json"]


def test_save_overwrites_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "lesson.json"
    save_session(full_state(), path)
    newer = replace(full_state(), x=3.0, title="Later")
    save_session(newer, path)
    assert load_session(path, check_expression=False) == newer


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_interrupted_save_leaves_previous_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    path = tmp_path / "lesson.json"
    save_session(full_state(), path)
    before = path.read_bytes()

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "write":
        # Half the data reaches the temp file, then the disk fills up.
        real_fdopen = os.fdopen

        class HalfWriter:
            def __init__(self, f: object) -> None:
                self._f = f

            def __enter__(self) -> HalfWriter:
                return self

            def __exit__(self, *exc: object) -> None:
                self._f.close()  # type: ignore[attr-defined]

            def write(self, data: bytes) -> None:
                self._f.write(data[: len(data) // 2])  # type: ignore[attr-defined]
                self._f.flush()  # type: ignore[attr-defined]
                fail()

        monkeypatch.setattr(files.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode)))
    else:
        monkeypatch.setattr(files.os, failing, fail)

    with pytest.raises(SessionError, match="Could not save"):
        save_session(replace(full_state(), x=-4.0), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert load_session(path, check_expression=False) == full_state()
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.json"]


def test_crash_during_save_leaves_previous_file_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not an OSError: e.g. Ctrl+C while writing. It propagates, but the old file survives.
    path = tmp_path / "lesson.json"
    save_session(full_state(), path)
    before = path.read_bytes()

    def interrupt(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_session(replace(full_state(), x=-4.0), path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["lesson.json"]


def test_save_into_missing_folder_is_a_session_error(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="Could not save"):
        save_session(full_state(), tmp_path / "no" / "such" / "folder.json")


def test_load_errors_are_session_errors(tmp_path: Path) -> None:
    with pytest.raises(SessionError, match="no file"):
        load_session(tmp_path / "missing.json")
    with pytest.raises(SessionError, match="folder"):
        load_session(tmp_path)
    corrupt = tmp_path / "corrupt.json"
    corrupt.write_bytes(GOOD.encode()[:100])
    with pytest.raises(SessionError, match="truncated"):
        load_session(corrupt)


def test_enormous_file_is_refused_without_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "huge.json"
    with open(path, "wb") as f:
        f.truncate(MAX_BYTES + 1)  # sparse: cheap to create
    import builtins

    real_open = builtins.open

    def guarded_open(file: object, *args: object, **kwargs: object) -> object:
        if Path(str(file)) == path:
            raise AssertionError("the enormous file must not be opened")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)
    with pytest.raises(SessionError, match="too large"):
        load_session(path)


def test_file_of_exactly_the_limit_is_parsed(tmp_path: Path) -> None:
    # The limit is on size, not content: padding with whitespace up to MAX_BYTES is fine.
    text = to_json(full_state())
    path = tmp_path / "padded.json"
    path.write_bytes(text.encode() + b" " * (MAX_BYTES - len(text.encode())))
    assert load_session(path, check_expression=False) == full_state()


def test_temp_file_is_written_next_to_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # os.replace is only atomic within one file system, so the temp file must be a sibling.
    renames = []
    real_replace = os.replace

    def spy(src: str, dst: object) -> None:
        renames.append((Path(src), Path(str(dst))))
        real_replace(src, dst)

    monkeypatch.setattr(files.os, "replace", spy)
    target = tmp_path / "lesson.json"
    save_session(full_state(), target)
    ((src, dst),) = renames
    assert src.parent == tmp_path and dst == target and src != target


def test_save_refuses_an_expression_that_would_not_open(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with pytest.raises(SessionError, match="cannot be read"):
        save_session(replace(full_state(), expression="x^^2"), path)
    assert not path.exists()


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_a_new_file_follows_the_umask_and_an_old_one_keeps_its_mode(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        new_file = tmp_path / "new.json"
        save_session(full_state(), new_file)
        assert new_file.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
        os.chmod(new_file, 0o640)
        save_session(replace(full_state(), x=1.0), new_file)
        assert new_file.stat().st_mode & 0o777 == 0o640
        os.umask(0o077)
        private = tmp_path / "private.json"
        save_session(full_state(), private)
        assert private.stat().st_mode & 0o777 == 0o600
    finally:
        os.umask(old)
