"""The session format: exact round trips, strict validation of every kind of bad input, atomic
saves, and the one-line state string."""

from __future__ import annotations

import base64
import json
import math
import os
import random
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradexplorer.errors import SessionError
from gradexplorer.lessons import session as session_mod
from gradexplorer.lessons.session import (
    FORMAT_VERSION,
    MAX_BYTES,
    DescentSettings,
    ParamState,
    SessionState,
    Toggles,
    load_session,
    save_session,
)


def full_state() -> SessionState:
    return SessionState(
        expression="(a x - 3)^2 + b",
        x=2.0,
        x_range=(-5.0, 5.0),
        params={"a": ParamState(0.5, -1.0, 4.0), "b": ParamState(0.1, 0.0, 1.0)},
        view=(-5.0, 5.0, -2.0, 40.0),
        toggles=Toggles(show_derivative=False, show_second_derivative=True),
        descent=DescentSettings(target="a", lr=0.05, direction=-1),
        title="Squared error",
        note="Descend on a — it settles at 1.5.",
    )


def valid_dict() -> dict:
    return full_state().to_dict()


def parse(text: str | bytes) -> SessionState:
    # The expression parser is being written by another helper; structural validation is what
    # these tests are about, so they do not depend on it.
    return SessionState.from_json(text, check_expression=False)


# ---------------------------------------------------------------------------------------------
# Round trips


def test_json_round_trip_is_exact() -> None:
    state = full_state()
    text = state.to_json()
    again = parse(text)
    assert again == state
    assert again.to_json() == text
    # The file is plain, readable JSON with the documented fields.
    data = json.loads(text)
    assert data["format"] == "gradexplorer-session"
    assert data["version"] == FORMAT_VERSION
    assert data["params"]["a"] == {"value": 0.5, "min": -1.0, "max": 4.0}
    assert data["view"] == [-5.0, 5.0, -2.0, 40.0]
    assert data["toggles"]["show_second_derivative"] is True


def test_auto_view_round_trips_as_null() -> None:
    state = SessionState(view=None)
    assert json.loads(state.to_json())["view"] is None
    assert parse(state.to_json()).view is None


def test_integers_in_the_file_become_floats() -> None:
    data = valid_dict()
    data["x"] = 2
    data["x_range"] = [-5, 5]
    state = parse(json.dumps(data))
    assert state.x == 2.0 and isinstance(state.x, float)
    assert state.x_range == (-5.0, 5.0)


finite = st.floats(allow_nan=False, allow_infinity=False, min_value=-1e300, max_value=1e300)


@st.composite
def states(draw: st.DrawFn) -> SessionState:
    lo, hi = sorted(draw(st.lists(finite, min_size=2, max_size=2, unique=True)))
    x = draw(st.floats(min_value=lo, max_value=hi))
    names = draw(st.lists(st.sampled_from(["a", "b", "c", "w", "α", "k_1"]), unique=True))
    params = {}
    for name in names:
        plo, phi = sorted(draw(st.lists(finite, min_size=2, max_size=2, unique=True)))
        params[name] = ParamState(draw(st.floats(min_value=plo, max_value=phi)), plo, phi)
    view = draw(
        st.none()
        | st.tuples(
            *(st.floats(min_value=-1e6, max_value=1e6) for _ in range(2)),
        ).filter(lambda t: t[0] < t[1])
    )
    return SessionState(
        expression=draw(st.text(min_size=1, max_size=40).filter(str.strip)),
        x=x,
        x_range=(lo, hi),
        params=params,
        view=None if view is None else (view[0], view[1], view[0], view[1]),
        toggles=Toggles(*draw(st.lists(st.booleans(), min_size=4, max_size=4))),
        descent=DescentSettings(
            target=draw(st.sampled_from(["x", *names])),
            lr=draw(st.floats(min_value=1e-6, max_value=100)),
            direction=draw(st.sampled_from([-1, 1])),
        ),
        title=draw(st.text(max_size=30)),
        note=draw(st.text(max_size=60)),
    )


@settings(max_examples=60, deadline=None)
@given(states())
def test_any_valid_state_round_trips_through_json_and_state_string(state: SessionState) -> None:
    assert parse(state.to_json()) == state
    line = state.to_state_string()
    assert "\n" not in line and " " not in line
    assert SessionState.from_state_string(line, check_expression=False) == state


# ---------------------------------------------------------------------------------------------
# Strict validation: every kind of bad input is a SessionError with a useful message


def mutate(**changes: object) -> str:
    data = valid_dict()
    for dotted, value in changes.items():
        keys = dotted.split("__")
        target = data
        for k in keys[:-1]:
            target = target[k]
        if value is DELETE:
            del target[keys[-1]]
        else:
            target[keys[-1]] = value
    return json.dumps(data)


DELETE = object()
GOOD = json.dumps(valid_dict(), indent=2)

BAD_INPUTS = {
    "empty": ("", "empty"),
    "whitespace only": ("   \n  ", "empty"),
    "truncated": (GOOD[: len(GOOD) // 2], "truncated"),
    "truncated after last brace removed": (GOOD.rstrip()[:-1], "truncated"),
    "not json": ("this is my homework", "not valid JSON"),
    "trailing garbage": (GOOD + "}}", "not valid JSON"),
    "invalid utf-8": (b"\xff\xfe\x00garbage", "not text"),
    "json list": ("[1, 2, 3]", "expected a JSON object, found a list"),
    "json number": ("42", "expected a JSON object"),
    "json string": ('"x^2"', "expected a JSON object"),
    "json null": ("null", "expected a JSON object, found null"),
    "other json object": ('{"name": "not a session"}', "not a gradexplorer session"),
    "newer version": (mutate(version=2), "newer gradexplorer"),
    "version zero": (mutate(version=0), "version 0"),
    "version as text": (mutate(version="1"), "whole number"),
    "version as bool": (mutate(version=True), "whole number"),
    "missing expression": (mutate(expression=DELETE), "missing field: expression"),
    "missing x": (mutate(x=DELETE), "missing field: x"),
    "missing toggles": (mutate(toggles=DELETE), "toggles"),
    "extra field": (mutate(colour="red"), "unknown field: colour"),
    "x as text": (mutate(x="2"), "x must be a number, found the text '2'"),
    "x as bool": (mutate(x=True), "x must be a number"),
    "x nested": (mutate(x={"value": 2}), "x must be a number, found an object"),
    "x as list": (mutate(x=[2.0]), "x must be a number, found a list"),
    "expression as number": (mutate(expression=3), "expression must be text"),
    "empty expression": (mutate(expression="  "), "expression is empty"),
    "huge expression": (mutate(expression="x+" * 1000 + "x"), "too long"),
    "x_range short": (mutate(x_range=[1.0]), "x_range must be a list of 2 numbers"),
    "x_range text": (mutate(x_range="-5..5"), "x_range must be a list"),
    "x_range reversed": (mutate(x_range=[5.0, -5.0]), "smaller to a larger"),
    "x outside range": (mutate(x=50.0), "outside its range"),
    "params as list": (mutate(params=[1, 2]), "params must be an object"),
    "param value text": (mutate(params__a__value="half"), "params.a.value must be a number"),
    "param nested deeper": (mutate(params__a__value={"v": 1}), "params.a.value must be a number"),
    "param missing max": (mutate(params__a__max=DELETE), "params.a is missing max"),
    "param extra key": (mutate(params__a__step=0.1), "params.a has unknown field: step"),
    "param outside range": (mutate(params__a__value=9.0), "Parameter a"),
    "param called x": (mutate(params={"x": {"value": 0, "min": 0, "max": 1}}), "x is the var"),
    "param called e": (mutate(params={"e": {"value": 0, "min": 0, "max": 1}}), "Euler"),
    "param bad name": (mutate(params={"2a": {"value": 0, "min": 0, "max": 1}}), "not a valid"),
    "view three numbers": (mutate(view=[0, 1, 2]), "view must be a list of 4 numbers"),
    "view empty y": (mutate(view=[0, 1, 2, 2]), "view (y)"),
    "toggle as text": (mutate(toggles__show_tangent="yes"), "toggles.show_tangent"),
    "toggle unknown": (mutate(toggles__show_fireworks=True), "unknown field: show_fireworks"),
    "descent bad target": (mutate(descent__target="q"), "not one of the parameters"),
    "descent negative lr": (mutate(descent__lr=-0.1), "positive"),
    "descent direction": (mutate(descent__direction=2), "-1 (descend) or 1"),
    "title as list": (mutate(title=["a"]), "title must be text"),
    "NaN literal": (GOOD.replace('"x": 2.0', '"x": NaN'), "NaN"),
    "Infinity literal": (GOOD.replace('"x": 2.0', '"x": Infinity'), "Infinity"),
    "overflowing number": (GOOD.replace('"x": 2.0', '"x": 1e400'), "finite"),
    "overflowing lr": (GOOD.replace('"lr": 0.05', '"lr": 1e999'), "finite"),
    "integer with 5000 digits": (GOOD.replace('"x": 2.0', '"x": ' + "9" * 5000), "could not"),
    "deep nesting": ("[" * 200_000 + "]" * 200_000, "nested"),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_raises_session_error_with_clear_message(case: str) -> None:
    text, expected = BAD_INPUTS[case]
    with pytest.raises(SessionError) as info:
        parse(text)
    assert expected.lower() in str(info.value).lower()


def test_validity_of_the_fixture_itself() -> None:
    # Guards the table above: the unmutated document must be accepted.
    assert parse(GOOD) == full_state()
    assert parse(mutate()) == full_state()


def test_every_truncation_of_a_valid_file_is_a_session_error() -> None:
    for cut in range(len(GOOD) - 1):
        prefix = GOOD[:cut]
        with pytest.raises(SessionError):
            parse(prefix)


def test_random_corruption_never_raises_anything_but_session_error() -> None:
    rng = random.Random(1234)
    raw = GOOD.encode()
    accepted = 0
    for _ in range(1500):
        data = bytearray(raw)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(data))
            data[i] = rng.randrange(256)
        try:
            state = parse(bytes(data))
        except SessionError:
            continue
        # Whatever survives corruption is still a fully valid state.
        accepted += 1
        assert math.isfinite(state.x) and state.x_range[0] <= state.x <= state.x_range[1]
    assert accepted < 1500


def test_enormous_text_is_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("json.loads must not be reached")

    monkeypatch.setattr(session_mod.json, "loads", boom)
    big = '{"x": "' + "a" * MAX_BYTES + '"}'
    with pytest.raises(SessionError, match="too large"):
        parse(big)
    with pytest.raises(SessionError, match="too large"):
        parse(big.encode())


def test_state_constructor_refuses_invalid_values() -> None:
    with pytest.raises(SessionError):
        SessionState(x=math.nan)
    with pytest.raises(SessionError):
        SessionState(x=math.inf, x_range=(-math.inf, math.inf))
    with pytest.raises(SessionError):
        ParamState(2.0, 0.0, 1.0)
    with pytest.raises(SessionError):
        replace(full_state(), descent=DescentSettings(target="zeta"))
    with pytest.raises(SessionError):
        DescentSettings(lr=0.0)


# ---------------------------------------------------------------------------------------------
# Files


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

        monkeypatch.setattr(
            session_mod.os, "fdopen", lambda fd, mode: HalfWriter(real_fdopen(fd, mode))
        )
    else:
        monkeypatch.setattr(session_mod.os, failing, fail)

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

    monkeypatch.setattr(session_mod.os, "fsync", interrupt)
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
    text = full_state().to_json()
    path = tmp_path / "padded.json"
    path.write_bytes(text.encode() + b" " * (MAX_BYTES - len(text.encode())))
    assert load_session(path, check_expression=False) == full_state()


# ---------------------------------------------------------------------------------------------
# State string


def test_state_string_shape_and_whitespace_tolerance() -> None:
    line = full_state().to_state_string()
    assert line.startswith("gx1:")
    body = line[4:]
    assert set(body) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    # Independent decode: urlsafe base64 of the compact JSON.
    decoded = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert decoded == full_state().to_dict()
    wrapped = "\n  ".join(line[i : i + 37] for i in range(0, len(line), 37))
    assert SessionState.from_state_string(f"  \t{wrapped}\n\n", check_expression=False) == (
        full_state()
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "should start with gx1:"),
        ("gx2:abc", "should start with gx1:"),
        ('{"x": 1}', "should start with gx1:"),
        ("gx1:", "empty"),
        ("gx1:abc$def", "damaged"),
        ("gx1:" + base64.urlsafe_b64encode(b"[1,2]").decode(), "expected a JSON object"),
        ("gx1:" + base64.urlsafe_b64encode(b"\xff\xfe").decode(), "not text"),
    ],
)
def test_bad_state_strings(text: str, expected: str) -> None:
    with pytest.raises(SessionError) as info:
        SessionState.from_state_string(text, check_expression=False)
    assert expected.lower() in str(info.value).lower()


def test_truncated_state_string_is_a_session_error() -> None:
    line = full_state().to_state_string()
    for cut in range(4, len(line) - 1, 7):
        with pytest.raises(SessionError):
            SessionState.from_state_string(line[:cut], check_expression=False)


def test_enormous_state_string_is_refused() -> None:
    with pytest.raises(SessionError, match="too large"):
        SessionState.from_state_string("gx1:" + "A" * (2 * MAX_BYTES), check_expression=False)


# ---------------------------------------------------------------------------------------------
# Expression validation (lazy import of the parser)


def test_missing_parser_skips_expression_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail like a missing module.
    monkeypatch.setitem(sys.modules, "gradexplorer.expr", None)
    state = SessionState.from_json(mutate(expression="x^^2 +"))
    assert state.expression == "x^^2 +"


def test_parser_error_becomes_session_error_with_its_message() -> None:
    import gradexplorer.expr as expr

    with pytest.raises(expr.ExprError) as parser_error:
        expr.parse("x^^2 +")
    with pytest.raises(SessionError) as info:
        SessionState.from_json(mutate(expression="x^^2 +"))
    assert parser_error.value.message in info.value.message
    assert SessionState.from_json(GOOD).expression == full_state().expression


def test_importing_lessons_pulls_in_neither_qt_nor_the_parser() -> None:
    code = (
        "import sys, gradexplorer.lessons, gradexplorer.lessons.stepper;"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'gradexplorer.expr'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_temp_file_is_written_next_to_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # os.replace is only atomic within one file system, so the temp file must be a sibling.
    renames = []
    real_replace = os.replace

    def spy(src: str, dst: object) -> None:
        renames.append((Path(src), Path(str(dst))))
        real_replace(src, dst)

    monkeypatch.setattr(session_mod.os, "replace", spy)
    target = tmp_path / "lesson.json"
    save_session(full_state(), target)
    ((src, dst),) = renames
    assert src.parent == tmp_path and dst == target and src != target


# ---------------------------------------------------------------------------------------------
# The Qt model's flat state dict


def test_model_state_round_trip_keeps_what_the_model_does_not_hold() -> None:
    state = full_state()
    flat = state.to_model_state()
    assert flat["show_second_derivative"] is True and "toggles" not in flat
    assert flat["params"]["a"] == {"value": 0.5, "min": -1.0, "max": 4.0}
    back = SessionState.from_model_state(
        flat, title=state.title, note=state.note, toggles=state.toggles, descent=state.descent
    )
    assert back == state
    assert "view" not in SessionState(view=None).to_model_state()


def test_model_state_ranges_widen_to_contain_values() -> None:
    flat = {
        "expression": "a x",
        "x": 7.5,
        "x_range": [-5.0, 5.0],
        "params": {"a": {"value": 9.0, "min": 0.0, "max": 1.0}, "b": {"value": 2.0}},
        "view": [-5.0, 5.0, -1.0, 1.0],
        "show_derivative": True,
    }
    s = SessionState.from_model_state(flat, descent=DescentSettings(target="q"))
    assert s.x_range == (-5.0, 7.5)
    assert s.params["a"] == ParamState(9.0, 0.0, 9.0)
    assert s.params["b"] == ParamState(2.0, 1.0, 3.0)
    assert s.descent.target == "x"  # q is not a parameter any more
    assert s.toggles.show_derivative is True and s.toggles.show_tangent is True


@pytest.mark.parametrize(
    "flat",
    [
        None,
        [],
        {"expression": 3, "x": 1.0, "x_range": [0, 2]},
        {"expression": "x", "x": math.nan, "x_range": [0, 2]},
        {"expression": "x", "x": 1.0, "x_range": [0]},
        {"expression": "x", "x": 1.0, "x_range": [0, 2], "params": {"x": {"value": 1}}},
        {"expression": "x", "x": 1.0, "x_range": [0, 2], "show_derivative": "yes"},
    ],
)
def test_bad_model_state_is_a_session_error(flat: object) -> None:
    with pytest.raises(SessionError):
        SessionState.from_model_state(flat)


def test_save_refuses_an_expression_that_would_not_open(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    with pytest.raises(SessionError, match="cannot be read"):
        save_session(replace(full_state(), expression="x^^2"), path)
    assert not path.exists()


def test_numpy_scalars_are_accepted_and_stored_as_floats() -> None:
    import numpy as np

    s = SessionState(x=np.float32(1.5), x_range=(np.int64(-2), np.float64(2.0)))
    assert s.x == 1.5 and type(s.x) is float
    assert s.x_range == (-2.0, 2.0) and all(type(v) is float for v in s.x_range)
    assert parse(s.to_json()) == s
    with pytest.raises(SessionError):
        SessionState(x=np.float64("nan"))
