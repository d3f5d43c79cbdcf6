"""Sessions: the schema (state.py), its text forms (codec.py) and files on disk (files.py).

No Qt here: the app's model owns one SessionState and replaces it on every change.
"""

from gradexplorer.lessons.session.codec import (
    MAX_BYTES,
    STATE_PREFIX,
    decode_json,
    session_from_dict,
    session_from_json,
    session_from_state_string,
    to_json,
    to_state_string,
    validate_expression,
)
from gradexplorer.lessons.session.curve_tools import (
    TAYLOR_MAX_ORDER,
    PointsSettings,
    TaylorSettings,
)
from gradexplorer.lessons.session.files import load_session, read_session_bytes, save_session
from gradexplorer.lessons.session.state import (
    DEFAULT_EXPRESSION,
    DEFAULT_PARAM_VALUE,
    DEFAULT_RANGE,
    DEFAULT_X,
    FORMAT_NAME,
    FORMAT_VERSION,
    GRAPH_MODES,
    MAX_EXPRESSION_CHARS,
    MAX_NOTE_CHARS,
    MAX_PARAM_NAME,
    MAX_PARAMS,
    MAX_TITLE_CHARS,
    DescentSettings,
    GraphSettings,
    ParamState,
    SessionState,
    Toggles,
    View,
)

__all__ = [
    "DEFAULT_EXPRESSION",
    "DEFAULT_PARAM_VALUE",
    "DEFAULT_RANGE",
    "DEFAULT_X",
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "GRAPH_MODES",
    "MAX_BYTES",
    "MAX_EXPRESSION_CHARS",
    "MAX_NOTE_CHARS",
    "MAX_PARAMS",
    "MAX_PARAM_NAME",
    "MAX_TITLE_CHARS",
    "STATE_PREFIX",
    "TAYLOR_MAX_ORDER",
    "DescentSettings",
    "GraphSettings",
    "ParamState",
    "PointsSettings",
    "SessionState",
    "TaylorSettings",
    "Toggles",
    "View",
    "decode_json",
    "load_session",
    "read_session_bytes",
    "save_session",
    "session_from_dict",
    "session_from_json",
    "session_from_state_string",
    "to_json",
    "to_state_string",
    "validate_expression",
]
