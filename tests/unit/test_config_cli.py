"""``kistrade config show`` and ``kistrade config check`` through the real typer app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kistrade.cli import app

APP_KEY = "PSk3yK3yK3yK3yK3yK3yK3yK3yK3yK3yK3yK"
APP_SECRET = "Zz9" * 60
BOT_TOKEN = "123456789:AAHk2_tYqzW8vB3nR5sL0mXcD9eF1gJ4hKp"
DASH_TOKEN = "dash-board-token-0123456789"
SECRETS = (APP_KEY, APP_SECRET, BOT_TOKEN, DASH_TOKEN)


pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.fixture
def configured(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text(
        "kis:\n  mode: paper\ntelegram:\n  enabled: true\n  allowed_chat_ids: [42]\n"
        "dashboard:\n  host: 0.0.0.0\n",
        encoding="utf-8",
    )
    (tmp_path / ".env").write_text(
        f"KISTRADE__KIS__PAPER__APP_KEY={APP_KEY}\nKISTRADE__KIS__PAPER__APP_SECRET={APP_SECRET}\n"
        f"KISTRADE__KIS__PAPER__ACCOUNT=12345678-01\nKISTRADE__TELEGRAM__BOT_TOKEN={BOT_TOKEN}\n",
        encoding="utf-8",
    )
    return tmp_path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_show_masks_secrets_and_names_sources(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KISTRADE__KIS__PAPER__HTS_ID", "tester")
    monkeypatch.setenv("KISTRADE__DASHBOARD__TOKEN", DASH_TOKEN)
    code, out = run("config", "show")
    assert code == 0, out
    for secret in SECRETS:
        assert secret not in out
    assert "kis.paper.app_key: PS…(36 chars)" in out
    assert "kis.paper.app_secret: Zz…(180 chars)" in out
    lines = {line.split(":")[0]: line for line in out.splitlines() if not line.startswith("#")}
    assert "# config file config.yaml" in lines["kis.mode"]
    assert "# .env file .env (KISTRADE__KIS__PAPER__APP_KEY)" in lines["kis.paper.app_key"]
    assert "# environment variable KISTRADE__KIS__PAPER__HTS_ID" in lines["kis.paper.hts_id"]
    assert "#" not in lines["risk.stop_loss_pct"]  # a default


def test_show_json(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KISTRADE__KIS__PAPER__HTS_ID", "tester")
    monkeypatch.setenv("KISTRADE__DASHBOARD__TOKEN", DASH_TOKEN)
    code, out = run("config", "show", "--json", "--config", str(configured / "config.yaml"))
    assert code == 0, out
    for secret in SECRETS:
        assert secret not in out
    data = json.loads(out)
    assert data["settings"]["kis"]["mode"] == "paper"
    assert data["settings"]["risk"]["stop_loss_pct"] == "-5"
    assert data["settings"]["telegram"]["bot_token"] == "12…(45 chars)"
    assert data["sources"]["dashboard.token"] == "environment variable KISTRADE__DASHBOARD__TOKEN"


def test_check_ok_lists_credentials_present(configured: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KISTRADE__KIS__PAPER__HTS_ID", "tester")
    monkeypatch.setenv("KISTRADE__DASHBOARD__TOKEN", DASH_TOKEN)
    code, out = run("config", "check")
    assert code == 0, out
    assert out.startswith("ok: mode paper")
    assert "paper: app_key, app_secret, account, hts_id" in out and "real: none" in out
    for secret in SECRETS:
        assert secret not in out


def test_check_fails_with_one_line_per_problem(configured: Path) -> None:
    code, out = run("config", "check")
    assert code == 1
    problems = [line.strip() for line in out.splitlines()[1:]]
    assert [p.split(":")[0] for p in problems] == ["dashboard.token", "kis.paper.hts_id"]
    for secret in SECRETS:
        assert secret not in out


def test_show_fails_like_check(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"kis:\n  real:\n    app_key: {APP_KEY}x\n", encoding="utf-8")
    code, out = run("config", "show", "--config", str(bad))
    assert code == 1
    assert "kis.real.app_key: an app key is 36 characters; this one has 37" in out
    assert APP_KEY not in out


def test_check_defaults_without_files() -> None:
    code, out = run("config", "check")
    assert (code, out.strip()) == (0, "ok: mode sim; credentials present: real: none; paper: none")
