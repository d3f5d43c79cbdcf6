"""Sessions as text: exact JSON and state-string round trips, and strict validation at the
boundary — every kind of bad input is a SessionError with a message a student understands."""

from __future__ import annotations

import base64
import json
import math
import random
import subprocess
import sys
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradexplorer.errors import SessionError
from gradexplorer.lessons.session import (
    FORMAT_VERSION,
    MAX_BYTES,
    DescentSettings,
    GraphSettings,
    ParamState,
    PointsSettings,
    SessionState,
    TaylorSettings,
    Toggles,
    codec,
    session_from_json,
    session_from_state_string,
    to_json,
    to_state_string,
)

from .cases import DELETE, GOOD, full_state, mutate, parse, valid_dict

FIVE = ("y", "y_range", "landscape", "race")  # the fields format version 5 added


def test_json_round_trip_is_exact() -> None:
    state = full_state()
    text = to_json(state)
    again = parse(text)
    assert again == state
    assert to_json(again) == text
    # The file is plain, readable JSON with the documented fields.
    data = json.loads(text)
    assert data["format"] == "gradexplorer-session"
    assert data["version"] == FORMAT_VERSION
    assert data["params"]["a"] == {"value": 0.5, "min": -1.0, "max": 4.0}
    assert data["view"] == [-5.0, 5.0, -2.0, 40.0]
    assert data["toggles"]["show_second_derivative"] is True
    assert data["graph"] == {"mode": "forward", "seed": "b"}


def test_auto_view_round_trips_as_null() -> None:
    state = SessionState(view=None)
    assert json.loads(to_json(state))["view"] is None
    assert parse(to_json(state)).view is None


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
        toggles=Toggles(*draw(st.lists(st.booleans(), min_size=3, max_size=3))),
        descent=DescentSettings(
            target=draw(st.sampled_from(["x", *names])),
            lr=draw(st.floats(min_value=1e-6, max_value=100)),
            direction=draw(st.sampled_from([-1, 1])),
        ),
        graph=GraphSettings(
            mode=draw(st.sampled_from(["reverse", "forward"])),
            seed=draw(st.sampled_from(["x", *names])),
        ),
        second=draw(st.text(max_size=40)),
        points=PointsSettings(draw(st.booleans()), draw(st.booleans())),
        taylor=TaylorSettings(draw(st.booleans()), draw(st.integers(0, 20))),
        title=draw(st.text(max_size=30)),
        note=draw(st.text(max_size=60)),
    )


@settings(max_examples=60, deadline=None)
@given(states())
def test_any_valid_state_round_trips_through_json_and_state_string(state: SessionState) -> None:
    assert parse(to_json(state)) == state
    line = to_state_string(state)
    assert "\n" not in line and " " not in line
    assert session_from_state_string(line, check_expression=False) == state


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
    "newer version": (mutate(version=FORMAT_VERSION + 1), "newer gradexplorer"),
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
    "toggle as text": (mutate(toggles__show_derivative="yes"), "toggles.show_derivative"),
    "version 1 toggle in version 2": (mutate(toggles__show_tangent=True), "show_tangent"),
    "toggle unknown": (mutate(toggles__show_fireworks=True), "unknown field: show_fireworks"),
    "descent bad target": (mutate(descent__target="q"), "not one of the parameters"),
    "descent negative lr": (mutate(descent__lr=-0.1), "positive"),
    "descent direction": (mutate(descent__direction=2), "-1 (descend) or 1"),
    "title as list": (mutate(title=["a"]), "title must be text"),
    "missing graph": (mutate(graph=DELETE), "missing field: graph"),
    "graph as text": (mutate(graph="forward"), "graph must be an object"),
    "graph mode unknown": (mutate(graph__mode="sideways"), 'graph.mode must be "reverse" or'),
    "graph mode as number": (mutate(graph__mode=1), "graph.mode must be text"),
    "graph seed not a parameter": (mutate(graph__seed="q"), "not one of the parameters"),
    "graph seed bad name": (mutate(graph__seed="2b"), "graph.seed must be"),
    "graph extra key": (mutate(graph__colour="red"), "graph has unknown field: colour"),
    "graph missing seed": (mutate(graph__seed=DELETE), "graph is missing seed"),
    "graph in a version 2 file": (
        mutate(version=2),
        "unknown fields: graph, landscape, points, race, second, taylor, y, y_range",
    ),
    "y in a version 4 file": (mutate(version=4), "unknown fields: landscape, race, y, y_range"),
    "g(x) in a version 3 file": (
        mutate(version=3),
        "unknown fields: landscape, points, race, second, taylor, y, y_range",
    ),
    "missing second": (mutate(second=DELETE), "missing field: second"),
    "second as number": (mutate(second=2), "second must be text"),
    "points as list": (mutate(points=[True]), "points must be an object"),
    "points shown as text": (mutate(points__shown="yes"), "points.shown must be true or false"),
    "points extra key": (mutate(points__colour="red"), "points has unknown field: colour"),
    "points missing wide": (mutate(points__wide=DELETE), "points is missing wide"),
    "taylor order too high": (mutate(taylor__order=21), "between 0 and 20"),
    "taylor order negative": (mutate(taylor__order=-1), "between 0 and 20"),
    "taylor order fractional": (mutate(taylor__order=2.5), "whole number"),
    "taylor order as bool": (mutate(taylor__order=True), "whole number"),
    "taylor shown as number": (mutate(taylor__shown=1), "taylor.shown must be true or false"),
    "taylor missing order": (mutate(taylor__order=DELETE), "taylor is missing order"),
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

    monkeypatch.setattr(codec.json, "loads", boom)
    big = '{"x": "' + "a" * MAX_BYTES + '"}'
    with pytest.raises(SessionError, match="too large"):
        parse(big)
    with pytest.raises(SessionError, match="too large"):
        parse(big.encode())


def test_state_string_shape_and_whitespace_tolerance() -> None:
    line = to_state_string(full_state())
    assert line.startswith("gx1:")
    body = line[4:]
    assert set(body) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    # Independent decode: urlsafe base64 of the compact JSON.
    decoded = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    assert decoded == full_state().to_dict()
    wrapped = "\n  ".join(line[i : i + 37] for i in range(0, len(line), 37))
    assert session_from_state_string(f"  \t{wrapped}\n\n", check_expression=False) == (full_state())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "should start with gx1:"),
        ("gx2:abc", "should start with gx1:"),
        ('{"x": 1}', "should start with gx1:"),
        ("gx1:", "empty"),
        ("gx1:abc$def", "damaged"),
        ("gx1:" + base64.urlsafe_b64encode(b"[1,2]").decode(), "expected a JSON object"),
        ("gx1:" + base64.urlsafe_b64encode(b"\xff\xfe").decode(), "damaged"),
        ("gx1:" + base64.urlsafe_b64encode(b'{"x": ').decode(), "damaged"),  # cut short
    ],
)
def test_bad_state_strings(text: str, expected: str) -> None:
    with pytest.raises(SessionError) as info:
        session_from_state_string(text, check_expression=False)
    assert expected.lower() in str(info.value).lower()


def test_truncated_state_string_is_a_session_error() -> None:
    line = to_state_string(full_state())
    for cut in range(4, len(line) - 1, 7):
        with pytest.raises(SessionError):
            session_from_state_string(line[:cut], check_expression=False)


def test_enormous_state_string_is_refused() -> None:
    with pytest.raises(SessionError, match="too large"):
        session_from_state_string("gx1:" + "A" * (2 * MAX_BYTES), check_expression=False)


def test_missing_parser_skips_expression_check(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry in sys.modules makes the import fail like a missing module.
    monkeypatch.setitem(sys.modules, "gradexplorer.expr", None)
    state = session_from_json(mutate(expression="x^^2 +"))
    assert state.expression == "x^^2 +"


def test_parser_error_becomes_session_error_with_its_message() -> None:
    from gradexplorer import expr

    with pytest.raises(expr.ExprError) as parser_error:
        expr.parse("x^^2 +")
    with pytest.raises(SessionError) as info:
        session_from_json(mutate(expression="x^^2 +"))
    assert parser_error.value.message in info.value.message
    assert session_from_json(GOOD).expression == full_state().expression


def test_importing_lessons_pulls_in_neither_qt_nor_the_parser() -> None:
    code = (
        "import sys, gradexplorer.lessons, gradexplorer.lessons.stepper;"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'gradexplorer.expr'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_a_version_1_file_opens_and_forgets_its_unused_toggles() -> None:
    data = valid_dict()
    data["version"] = 1
    for added in ("graph", "second", "points", "taylor", *FIVE):  # versions 3, 4 and 5
        del data[added]
    data["toggles"].update(show_tangent=False, show_graph=True)
    assert parse(json.dumps(data)) == replace(full_state(), graph=GraphSettings(), **OLD)
    assert json.loads(to_json(parse(json.dumps(data))))["version"] == FORMAT_VERSION


def test_a_version_2_file_opens_with_the_reverse_graph() -> None:
    data = valid_dict()
    data["version"] = 2
    for added in ("graph", "second", "points", "taylor", *FIVE):
        del data[added]
    state = parse(json.dumps(data))
    assert state.graph == GraphSettings("reverse", "x")
    assert state == replace(full_state(), graph=GraphSettings(), **OLD)
    saved = json.loads(to_json(state))
    assert saved["version"] == FORMAT_VERSION == 5 and saved["graph"] == {
        "mode": "reverse",
        "seed": "x",
    }


# what a session from before version 4 opens with: no g(x), points shown, no Taylor polynomial
OLD = {"second": "", "points": PointsSettings(True, False), "taylor": TaylorSettings(False, 2)}


def test_a_version_3_file_opens_without_g_and_with_the_points_shown() -> None:
    data = valid_dict()
    data["version"] = 3
    for added in ("second", "points", "taylor", *FIVE):
        del data[added]
    assert parse(json.dumps(data)) == replace(full_state(), **OLD)


def test_a_version_4_file_opens_with_one_input_defaults() -> None:
    data = valid_dict()
    data["version"] = 4
    for key in FIVE:
        del data[key]
    assert parse(json.dumps(data)) == full_state()
    data["y"] = 2.0  # a field version 4 did not have
    with pytest.raises(SessionError, match="unknown field: y"):
        parse(json.dumps(data))


def test_g_of_x_is_checked_like_f() -> None:
    data = valid_dict()
    data["second"] = "sin(x"
    with pytest.raises(SessionError, match="cannot be read"):
        session_from_json(json.dumps(data))
    data["second"] = ""
    assert session_from_json(json.dumps(data)).second == ""


def test_the_json_error_position_of_a_damaged_file_is_named() -> None:
    """Damage in the middle (not a truncation) says where, by line and column."""
    lines = GOOD.splitlines()
    lines[4] = lines[4].replace(":", "", 1)  # "expression" "..." without its colon
    with pytest.raises(SessionError) as info:
        parse("\n".join(lines))
    assert "line 5, column" in info.value.message


def test_a_truncated_file_is_called_truncated_at_every_cut() -> None:
    for cut in (1, len(GOOD) // 3, len(GOOD) - 2):
        with pytest.raises(SessionError, match="truncated"):
            parse(GOOD[:cut])


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({}, 'it has no "format" field'),
        ({"format": None}, 'its "format" field is null'),
        ({"format": "csv"}, 'its "format" field is "csv"'),
    ],
)
def test_a_json_that_is_not_a_session_says_what_its_format_field_is(data, words) -> None:
    """It said 'its "format" field is None' for a file with no such field (the review)."""
    with pytest.raises(SessionError) as info:
        session_from_json(json.dumps(data), check_expression=False)
    assert words in info.value.message
    assert info.value.hint


def test_the_format_field_is_written_as_json_writes_it() -> None:
    for value, shown in (('x"y', '"x\\"y"'), ("é", '"é"'), ("a" * 80, '"' + "a" * 38 + "…")):
        with pytest.raises(SessionError) as info:
            session_from_json(json.dumps({"format": value}), check_expression=False)
        assert f'its "format" field is {shown};' in info.value.message
