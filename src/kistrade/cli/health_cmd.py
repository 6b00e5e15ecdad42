"""``kistrade health``: ask a running bot's ``/ready`` and print what it says.

Exit 0 when ready, 1 when the bot answers but is not ready, 2 when it cannot be asked
(unreachable, refused the token, not a kistrade answer)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import typer

EXIT_READY = 0
EXIT_NOT_READY = 1
EXIT_UNREACHABLE = 2
DEFAULT_URL = "http://127.0.0.1:8080"
FIELDS = (
    "mode",
    "risk_state",
    "feed_connected",
    "last_tick_age_s",
    "token_valid",
    "store_writable",
    "in_session",
)


@dataclass(frozen=True, slots=True)
class HealthAnswer:
    code: int
    ready: dict[str, Any] | None
    error: str | None = None


async def ask_ready(url: str, token: str | None, timeout_s: float = 5.0) -> HealthAnswer:
    """GET ``<url>/ready``; never raises for network trouble (that is an answer too)."""
    import aiohttp

    target = url.rstrip("/") + "/ready"
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s)) as session,
            session.get(target, headers=headers) as response,
        ):
            if response.status == 401:
                return HealthAnswer(EXIT_UNREACHABLE, None, f"{target} refused the request: pass --token")
            text = await response.text()
            try:
                body = json.loads(text)
            except ValueError:
                body = None
            if response.status not in (200, 503) or not isinstance(body, dict) or "ready" not in body:
                return HealthAnswer(EXIT_UNREACHABLE, None, f"{target} answered HTTP {response.status}")
            return HealthAnswer(EXIT_READY if body["ready"] else EXIT_NOT_READY, body)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        return HealthAnswer(
            EXIT_UNREACHABLE, None, f"cannot reach {target}: {type(exc).__name__} {exc}".strip()
        )


def render(answer: HealthAnswer) -> str:
    if answer.ready is None:
        return f"unreachable: {answer.error}"
    body = answer.ready
    lines = [f"{'ready' if body['ready'] else 'NOT READY'}"]
    lines += [f"  {name:16} {_fmt(body.get(name))}" for name in FIELDS if name in body]
    lines += [f"  problem: {p}" for p in body.get("problems", [])]
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def health(
    url: str = typer.Option(DEFAULT_URL, "--url", help="The bot's HTTP address (dashboard.host:port)."),
    token: str | None = typer.Option(
        None,
        "--token",
        envvar="KISTRADE__DASHBOARD__TOKEN",
        help="Dashboard token (default: $KISTRADE__DASHBOARD__TOKEN).",
        show_default=False,
    ),
    timeout: float = typer.Option(5.0, "--timeout", min=0.1, help="Seconds to wait for the answer."),
    as_json: bool = typer.Option(False, "--json", help="Print /ready's JSON as is."),
) -> None:
    """Check a running bot: feed, last tick age, token, store, risk state. Non-zero when unhealthy."""
    answer = asyncio.run(ask_ready(url, token or None, timeout))
    if as_json and answer.ready is not None:
        typer.echo(json.dumps(answer.ready, ensure_ascii=False, indent=2))
    else:
        typer.echo(render(answer), err=answer.code == EXIT_UNREACHABLE)
    raise typer.Exit(answer.code)


def register(app: typer.Typer) -> None:
    app.command("health")(health)
