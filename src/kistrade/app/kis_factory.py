"""Build a KIS client configuration and the matching Clock from settings, for any mode.

- ``paper`` / ``live``: the credentials of that environment from the settings, the wall clock.
- ``sim``: attach to a running simulator by URL (``--sim-url``, ``kis.sim.url``, or the default
  of ``kistrade sim``: http://127.0.0.1:9443); its generated credentials and its clock (an
  affine map of wall time) come from its control API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kistrade.app.settings import KisEnvironmentSettings, Settings
from kistrade.clock import WallClock
from kistrade.domain.errors import ConfigError
from kistrade.kis.client.commands import attach_sim
from kistrade.kis.client.facade import KisClientConfig
from kistrade.ports import Clock

Mode = Literal["sim", "paper", "live"]
DEFAULT_SIM_URL = "http://127.0.0.1:9443"


@dataclass(frozen=True, slots=True)
class KisTarget:
    """Where a command talks to: the mode (shown on every screen), the client config, the clock."""

    mode: Mode
    config: KisClientConfig
    clock: Clock
    label: str


def _env_config(env: KisEnvironmentSettings, kis_env: str, data_dir: Path, margin: int) -> KisClientConfig:
    if env.app_key is None or env.app_secret is None:
        raise ConfigError(
            f"kis.{'real' if kis_env == 'real' else 'paper'}: app_key and app_secret are required"
        )
    return KisClientConfig(
        env=kis_env,
        app_key=env.app_key,
        app_secret=env.app_secret,
        account=env.account or "",
        hts_id=env.hts_id or "",
        rest_url=env.rest_url,
        ws_url=env.ws_url,
        data_dir=data_dir,
        rate_limit=env.rate_limit_per_s,
        token_refresh_margin=float(margin),
    )


async def resolve_target(
    settings: Settings, *, mode: Mode | None = None, sim_url: str | None = None
) -> KisTarget:
    chosen: Mode = mode or settings.kis.mode
    data_dir = settings.storage.data_dir
    margin = settings.kis.token_refresh_margin_s
    if chosen == "live":
        cfg = _env_config(settings.kis.real, "real", data_dir, margin)
        return KisTarget("live", cfg, WallClock(), f"LIVE {cfg.rest_url}")
    if chosen == "paper":
        cfg = _env_config(settings.kis.paper, "paper", data_dir, margin)
        return KisTarget("paper", cfg, WallClock(), f"PAPER {cfg.rest_url}")
    url = sim_url or settings.kis.sim.url or DEFAULT_SIM_URL
    sim = await attach_sim(url)
    cfg = KisClientConfig(
        env=sim.env,
        app_key=sim.app_key,
        app_secret=sim.app_secret,
        account=sim.account,
        hts_id=sim.hts_id,
        rest_url=url,
        ws_url=sim.ws_url,
        data_dir=data_dir / "sim",
    )
    return KisTarget("sim", cfg, sim.clock, f"SIM ({sim.env}) {url}")


__all__ = ["DEFAULT_SIM_URL", "KisTarget", "Mode", "resolve_target"]
