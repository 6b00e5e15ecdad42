"""The settings tree: sources and their priority, validation, and one clear line per problem."""

from __future__ import annotations

import string
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kistrade.app.settings import Settings, load_settings, load_with_sources
from kistrade.domain.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]
APP_KEY = "PSk3yK3yK3yK3yK3yK3yK3yK3yK3yK3yK3yK"  # 36 characters, fake
APP_SECRET = "Zz9" * 60  # 180 characters, fake
assert len(APP_KEY) == 36 and len(APP_SECRET) == 180


pytestmark = pytest.mark.usefixtures("clean_env")


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def paper_env(block: str = "PAPER") -> str:
    return (
        f"KISTRADE__KIS__{block}__APP_KEY={APP_KEY}\n"
        f"KISTRADE__KIS__{block}__APP_SECRET={APP_SECRET}\n"
        f"KISTRADE__KIS__{block}__ACCOUNT=12345678-01\n"
        f"KISTRADE__KIS__{block}__HTS_ID=tester\n"
    )


def error_lines(exc: pytest.ExceptionInfo[ConfigError]) -> list[str]:
    return [line.strip() for line in str(exc.value).splitlines()[1:]]


# --- defaults and the documented examples ---------------------------------------------------


def test_defaults_without_any_file() -> None:
    s = load_settings()
    assert s.kis.mode == "sim"
    assert s.kis.real.rest_url == "https://openapi.koreainvestment.com:9443"
    assert s.kis.real.ws_url == "ws://ops.koreainvestment.com:21000"
    assert s.kis.paper.rest_url == "https://openapivts.koreainvestment.com:29443"
    assert s.kis.paper.ws_url == "ws://ops.koreainvestment.com:31000"
    assert (s.kis.real.rate_limit_per_s, s.kis.paper.rate_limit_per_s) == (20, 2)
    assert s.kis.sim.rest_port == 0 and s.kis.sim.cash == 100_000_000 and s.kis.sim.speed == 1.0
    assert s.risk.max_position_pct == Decimal("10") and s.risk.stop_loss_pct == Decimal("-5")
    assert s.risk.take_profit_pct == Decimal("10") and s.risk.daily_loss_pct == Decimal("-3")
    assert s.risk.flatten_on_halt is False
    assert (s.strategy.rsi_period, s.strategy.oversold, s.strategy.overbought) == (14, 30, 70)
    assert s.storage.db_file == Path("data") / "kistrade.db"
    assert s.logging.file == Path("data") / "logs" / "kistrade.log"
    assert (s.dashboard.host, s.dashboard.port, s.dashboard.token) == ("127.0.0.1", 8080, None)


def test_config_example_validates_and_matches_defaults() -> None:
    example = load_settings(config_file=ROOT / "config.example.yaml")
    assert example == load_settings()


def test_env_example_counts_as_unset() -> None:
    s = load_settings(config_file=ROOT / "config.example.yaml", env_file=ROOT / ".env.example")
    assert s.kis.paper.account is None and s.kis.paper.app_key is None


def test_data_dir_moves_db_and_log_file(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.yaml", "storage:\n  data_dir: /srv/kt\n")
    s = load_settings(config_file=cfg)
    assert s.storage.db_file == Path("/srv/kt/kistrade.db")
    assert s.logging.file == Path("/srv/kt/logs/kistrade.log")


# --- sources and priority -------------------------------------------------------------------


def test_env_var_beats_yaml_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(tmp_path / "c.yaml", "risk:\n  stop_loss_pct: -4\n  take_profit_pct: 8\n")
    env = write(tmp_path / "x.env", "KISTRADE__RISK__STOP_LOSS_PCT=-6\nKISTRADE__RISK__TAKE_PROFIT_PCT=12\n")
    monkeypatch.setenv("kistrade__risk__stop_loss_pct", "-7")  # case-insensitive
    loaded = load_with_sources(cfg, env)
    assert loaded.settings.risk.stop_loss_pct == Decimal("-7")
    assert loaded.settings.risk.take_profit_pct == Decimal("12")
    assert loaded.sources["risk.stop_loss_pct"] == "environment variable kistrade__risk__stop_loss_pct"
    assert loaded.sources["risk.take_profit_pct"].startswith(f".env file {env}")


def test_overrides_beat_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KISTRADE__DASHBOARD__PORT", "9000")
    assert load_settings(dashboard={"port": 9100}).dashboard.port == 9100
    assert load_settings().dashboard.port == 9000


def test_dotenv_read_from_cwd_and_from_env_var(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / ".env", "KISTRADE__STRATEGY__RSI_PERIOD=21\nUNRELATED=1\n")
    assert load_settings().strategy.rsi_period == 21
    other = write(tmp_path / "other.env", "KISTRADE__STRATEGY__RSI_PERIOD=9\n")
    monkeypatch.setenv("KISTRADE_ENV_FILE", str(other))
    assert load_settings().strategy.rsi_period == 9


def test_config_file_from_env_var_and_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "config.yaml", "strategy:\n  name: rsi\n")
    assert load_settings().strategy.name == "rsi"
    other = write(tmp_path / "o.yaml", "strategy:\n  rsi_period: 5\n")
    monkeypatch.setenv("KISTRADE_CONFIG", str(other))
    s = load_settings()
    assert (s.strategy.name, s.strategy.rsi_period) == ("rsi_orderbook", 5)


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.yaml does not exist"):
        load_settings(config_file=tmp_path / "nope.yaml")


def test_list_values_from_env_as_csv_or_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KISTRADE__WATCHLIST", "005930, 000660")
    monkeypatch.setenv("KISTRADE__TELEGRAM__ALLOWED_CHAT_IDS", "[1, 2]")
    s = load_settings()
    assert s.watchlist == ["005930", "000660"]
    assert s.telegram.allowed_chat_ids == [1, 2]


def test_paper_with_full_credentials_loads(tmp_path: Path) -> None:
    env = write(tmp_path / "x.env", paper_env())
    s = load_settings(env_file=env, kis={"mode": "paper"})
    assert s.trading_environment() is s.kis.paper
    assert s.kis.paper.account_parts() == ("12345678", "01")
    assert APP_KEY in s.secret_values() and APP_SECRET in s.secret_values()


def test_account_without_dash_is_normalised() -> None:
    assert load_settings(kis={"real": {"account": "1234567801"}}).kis.real.account == "12345678-01"


def test_direct_construction_ignores_foreign_dotenv_names(tmp_path: Path) -> None:
    write(tmp_path / ".env", "OTHER_TOOL=1\nKISTRADE__KIS__SIM__SEED=7\n")
    assert Settings().kis.sim.seed == 7


def test_yaml_on_off_are_notify_levels(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.yaml", "telegram:\n  notify:\n    fill: off\n    signal: on\n")
    s = load_settings(config_file=cfg)
    assert (s.telegram.notify.fill, s.telegram.notify.signal) == ("off", "on")


# --- errors: one line per problem, naming the key and its source ----------------------------


def test_unknown_yaml_key_names_key_and_file(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.yaml", "risk:\n  stop_los_pct: -3\nnosuch: 1\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=cfg)
    lines = error_lines(exc)
    assert len(lines) == 2
    assert any(
        line.startswith("risk.stop_los_pct: unknown key; did you mean risk.stop_loss_pct?")
        and str(cfg) in line
        for line in lines
    )
    assert any(line.startswith("nosuch: unknown key") and str(cfg) in line for line in lines)


def test_unknown_env_variable_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KISTRADE__KIS__SIM__SPEEED", "2")
    with pytest.raises(ConfigError) as exc:
        load_settings()
    (line,) = error_lines(exc)
    assert line.startswith("kis.sim.speeed: unknown key; did you mean kis.sim.speed?")
    assert "environment variable KISTRADE__KIS__SIM__SPEEED" in line


def test_wrong_type_names_key_and_source(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.yaml", "risk:\n  max_orders_per_day: lots\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=cfg)
    (line,) = error_lines(exc)
    assert line.startswith("risk.max_orders_per_day: Input should be a valid integer")
    assert "'lots'" in line and f"config file {cfg}" in line


def test_bad_values_each_get_a_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(
        tmp_path / "c.yaml",
        "risk:\n  stop_loss_pct: 5\n  take_profit_pct: -1\nstrategy:\n  oversold: 80\nkis:\n  mode: demo\n",
    )
    monkeypatch.setenv("KISTRADE__RISK__DAILY_LOSS_PCT", "3")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=cfg)
    lines = error_lines(exc)
    keys = sorted(line.split(":")[0] for line in lines)
    assert keys == [
        "kis.mode",
        "risk.daily_loss_pct",
        "risk.stop_loss_pct",
        "risk.take_profit_pct",
        "strategy",
    ]
    assert any("environment variable KISTRADE__RISK__DAILY_LOSS_PCT" in line for line in lines)
    assert any("oversold (80.0) must be below overbought (70.0)" in line for line in lines)


def test_bad_account_format_does_not_echo_it(tmp_path: Path) -> None:
    env = write(tmp_path / "x.env", "KISTRADE__KIS__PAPER__ACCOUNT=9876-5432\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(env_file=env)
    (line,) = error_lines(exc)
    assert line.startswith("kis.paper.account: must look like XXXXXXXX-XX")
    assert "KISTRADE__KIS__PAPER__ACCOUNT" in line and "9876-5432" not in line


@pytest.mark.parametrize(("mode", "block"), [("paper", "paper"), ("live", "real")])
def test_missing_credentials_for_mode(tmp_path: Path, mode: str, block: str) -> None:
    cfg = write(tmp_path / "c.yaml", f"kis:\n  mode: {mode}\n  {block}:\n    hts_id: me\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=cfg)
    lines = error_lines(exc)
    assert [line.split(":")[0] for line in lines] == [
        f"kis.{block}.app_key",
        f"kis.{block}.app_secret",
        f"kis.{block}.account",
    ]
    assert all(f"required when kis.mode is {mode}" in line and str(cfg) in line for line in lines)
    assert f"KISTRADE__KIS__{block.upper()}__APP_KEY" in lines[0]


def test_live_is_not_satisfied_by_paper_credentials(tmp_path: Path) -> None:
    env = write(tmp_path / "x.env", paper_env("PAPER") + "KISTRADE__KIS__MODE=live\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(env_file=env)
    assert len(error_lines(exc)) == 4
    assert all(line.startswith("kis.real.") for line in error_lines(exc))


def test_non_loopback_dashboard_needs_a_token(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.yaml", "dashboard:\n  host: 0.0.0.0\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=cfg)
    (line,) = error_lines(exc)
    assert line.startswith("dashboard.token: is required when dashboard.host (0.0.0.0)")
    assert str(cfg) in line
    assert load_settings(config_file=cfg, dashboard={"host": "0.0.0.0", "token": "t" * 32}).dashboard.token
    for host in ("localhost", "::1", "127.0.0.2"):
        assert load_settings(dashboard={"host": host}).dashboard.host == host


def test_watchlist_bad_symbol_is_named(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.yaml", 'watchlist: ["005930", "SAMSUNG"]\n')
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=cfg)
    (line,) = error_lines(exc)
    assert line.startswith("watchlist: symbol 'SAMSUNG' is not a KRX short code") and str(cfg) in line


def test_watchlist_too_long_and_duplicates() -> None:
    symbols = [f"{n:06d}" for n in range(1, 22)]
    with pytest.raises(ConfigError, match=r"watchlist: has 21 symbols; at most 20 .*40-subscription"):
        load_settings(watchlist=symbols)
    assert len(load_settings(watchlist=symbols[:20]).watchlist) == 20
    with pytest.raises(ConfigError, match="symbol '005930' is listed twice"):
        load_settings(watchlist=["005930", "005930"])


def test_telegram_enabled_needs_token_and_chats() -> None:
    with pytest.raises(ConfigError) as exc:
        load_settings(telegram={"enabled": True})
    assert error_lines(exc)[0].startswith("telegram.bot_token: is required when telegram.enabled")


def test_invalid_yaml_names_file_and_line_not_content(tmp_path: Path) -> None:
    cfg = write(tmp_path / "c.yaml", f"kis:\n  paper:\n    app_key: {APP_KEY}\n   bad: [\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=cfg)
    assert str(cfg) in str(exc.value) and "line" in str(exc.value)
    assert APP_KEY not in str(exc.value)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_settings(config_file=write(tmp_path / "c.yaml", "- 1\n- 2\n"))


# --- secrets never appear in error text -----------------------------------------------------


def test_wrong_length_secrets_are_not_echoed(tmp_path: Path) -> None:
    bad_key, bad_secret = APP_KEY[:-1], APP_SECRET[:-7]
    cfg = write(tmp_path / "c.yaml", f"kis:\n  real:\n    app_key: {bad_key}\n    app_secret: {bad_secret}\n")
    with pytest.raises(ConfigError) as exc:
        load_settings(config_file=cfg, dashboard={"host": "10.0.0.1", "token": 12345})
    text = str(exc.value) + repr(exc.value) + str(exc.value.__cause__) + str(exc.value.__context__)
    assert "kis.real.app_key: an app key is 36 characters; this one has 35" in text
    assert "kis.real.app_secret: an app secret is 180 characters; this one has 173" in text
    assert bad_key not in text and bad_secret not in text and "12345" not in text
    assert exc.value.__suppress_context__


@given(
    secret=st.text(alphabet=string.ascii_letters + string.digits + "+/=", min_size=8, max_size=300),
    where=st.sampled_from(["app_key", "app_secret", "token"]),
)
@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_property_no_secret_in_any_error(secret: str, where: str) -> None:
    if where == "token":
        overrides = {"dashboard": {"host": "0.0.0.0", "token": secret, "port": "x"}}
    else:
        overrides = {"kis": {"mode": "paper", "paper": {where: secret}}}
    try:
        load_settings(**overrides)
    except ConfigError as exc:
        assert secret not in str(exc)
    else:
        pytest.fail("expected a ConfigError")
