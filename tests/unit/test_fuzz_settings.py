"""Whatever the config file, the ``.env`` file or the ``KISTRADE__*`` variables hold,
``load_settings`` gives settings or a ``ConfigError`` whose every line names a key and where it
came from (or names the file): never another exception.

Inputs: arbitrary text and bytes, YAML documents built from the real settings keys (and near
misses) with values of every YAML type, YAML aliases (cycles, alias bombs), ``.env`` lines and
environment variables named after the real keys with any value, JSON-valued sections included.
tests/unit/test_settings.py checks the documented behaviour and that secrets stay out of errors.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from kistrade.app.settings import Settings, load_settings
from kistrade.app.settings_loader import env_var_name
from kistrade.domain.errors import ConfigError

_REPORT_LINE = re.compile(r"^  .*: .+ \[(from .+|default value)\]$", re.DOTALL)


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every dotted key of the settings tree, sections included."""
    out: list[str] = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{info.alias or name}"
        out.append(key)
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _keys(ann, key + ".")
    return out


KEYS = _keys(Settings)
NEAR_MISSES = ["kis.simm", "risk.stop_loss", "kis.sim.x", "watchlists", "telegram.notify.fills", "Kis.Mode"]
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**30), 10**30),
    st.floats(),
    st.sampled_from(["sim", "paper", "live", "on", "off", "005930", "0.0.0.0", "-3", "1e999", "~", ""]),
    st.text(max_size=12),
)
VALUE = st.recursive(
    SCALAR,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)


def _nest(pairs: dict[str, Any]) -> dict[str, Any]:
    """Dotted keys -> a nested mapping (a later, shorter key replaces a section: that is fine)."""
    root: dict[str, Any] = {}
    for key, value in pairs.items():
        node = root
        *parents, last = key.split(".")
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[last] = value
    return root


YAML_DOCS = st.dictionaries(st.sampled_from(KEYS + NEAR_MISSES), VALUE, max_size=6).map(_nest)
ENV_NAMES = st.one_of(
    st.sampled_from(KEYS + NEAR_MISSES).map(env_var_name),
    st.text(alphabet=string.ascii_letters + string.digits + "_", max_size=12).map(lambda s: "KISTRADE__" + s),
)
ENV_VALUES = st.one_of(
    SCALAR.map(lambda v: "" if v is None else str(v)),
    VALUE.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip()),  # JSON-like flow
    st.just("[" * 3000),
).map(lambda v: v.replace("\x00", ""))
SAFE_TEXT = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")

RECURSIVE_YAML = b"kis: &a {sim: *a}\n"
ALIAS_BOMB = b"a: &a [x, x]\n" + b"".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}]\n".encode() for i in range(20)
)


pytestmark = pytest.mark.usefixtures("clean_env")


def _load(**kwargs: Any) -> None:
    try:
        loaded = load_settings(**kwargs)
    except ConfigError as exc:
        text = str(exc)
        files = [str(v) for v in kwargs.values() if isinstance(v, Path)]
        if text.startswith("invalid configuration ("):
            lines = text.split("\n")[1:]
            assert lines and all(_REPORT_LINE.match(line) for line in lines), text
        else:
            assert any(f in text for f in files) or "KISTRADE__" in text, text
        assert exc.__suppress_context__ or exc.__cause__ is None
        return
    assert isinstance(loaded, Settings)


FUZZ = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
@example(b"kis:\n  mode: \xff\n")  # not UTF-8: used to escape as UnicodeDecodeError
@example(RECURSIVE_YAML)  # a self-referring alias: used to escape as RecursionError
@example(b"a: " + b"[" * 400 + b"]" * 400 + b"\n")  # deep nesting
@example(b"1: 2\n")  # a non-string key: used to escape as TypeError
@example(b"2020-01-01: x\n")
@example(ALIAS_BOMB)  # 2^20 leaves if expanded
def test_any_config_file(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "config.yaml"
    path.write_bytes(data)
    _load(config_file=path)


@FUZZ
@given(YAML_DOCS)
@example({"kis": {"\n": None}})  # a key with a newline used to break the one-line-per-problem report
def test_yaml_documents_of_real_keys(tmp_path: Path, doc: dict[str, Any]) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    _load(config_file=path)


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.tuples(ENV_NAMES, ENV_VALUES).map(lambda kv: f"{kv[0]}={kv[1]}"),
            st.tuples(ENV_NAMES, ENV_VALUES).map(lambda kv: f"export {kv[0]}='{kv[1]}'"),
            st.text(SAFE_TEXT, max_size=30),
        ),
        max_size=6,
    ).map("\n".join),
    st.binary(max_size=8),
)
@example("KISTRADE__KIS__MODE=sim", b"\xff")  # not UTF-8: used to escape as UnicodeDecodeError
@example("KISTRADE__RISK=" + "[" * 3000, b"")  # deep JSON: used to escape as RecursionError
@example('KISTRADE__KIS={"simm": {}}', b"")  # an unknown key inside a JSON value used to be dropped
def test_any_dotenv_file(tmp_path: Path, text: str, tail: bytes) -> None:
    path = tmp_path / "test.env"
    path.write_bytes(text.encode("utf-8") + tail)
    _load(env_file=path)


@FUZZ
@given(st.dictionaries(ENV_NAMES, ENV_VALUES, max_size=5))
@example({"KISTRADE__RISK": "[" * 3000})  # deep JSON: used to escape as RecursionError
@example({"KISTRADE__KIS": '{"sim": {"speed": 2, "x": 1}}'})  # unknown key inside JSON: ignored before
def test_any_environment_variables(variables: dict[str, str]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in variables.items():
            mp.setenv(name, value)
        _load()


def test_an_unknown_key_inside_a_json_value_is_named_with_its_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KISTRADE__KIS", '{"sim": {"speed": 2, "sped": 1}}')
    with pytest.raises(
        ConfigError,
        match=r"kis\.sim\.sped: unknown key; did you mean kis\.sim\.speed\? "
        r"\[from environment variable KISTRADE__KIS\]",
    ):
        load_settings()


def test_config_file_problems_name_the_file_and_place(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    cases = {
        b"kis:\n  mode: sim\n  \xfe\n": "is not UTF-8 text (line 3",
        RECURSIVE_YAML: "kis.sim refers to itself",
        b"kis:\n  on: 1\n": "key 'True' in kis is not a string",
        ALIAS_BOMB: "more than",
        b"a: " + b"[" * 1000 + b"]" * 1000 + b"\n": "nested too deeply",  # used to be a RecursionError
    }
    for data, fragment in cases.items():
        path.write_bytes(data)
        with pytest.raises(ConfigError) as exc:
            load_settings(config_file=path)
        assert str(path) in str(exc.value) and fragment in str(exc.value)


def test_watchlist_item_problems_name_their_source(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("watchlist: ['005930', [1]]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"watchlist\[1\]: .* \[from config file {re.escape(str(path))}\]"):
        load_settings(config_file=path)
