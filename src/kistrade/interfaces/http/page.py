"""The dashboard page and its assets: ``/`` (index.html), ``/static/*`` from this package, and
``/static/plotly.min.js`` from the INSTALLED ``plotly`` Python package (no copy, no CDN)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from aiohttp import web

from kistrade.domain.errors import ConfigError

STATIC_DIR = Path(str(resources.files("kistrade.interfaces.http") / "static"))


def plotly_js_path() -> Path:
    """``plotly.min.js`` inside the installed plotly package (``plotly/package_data/``)."""
    try:
        import plotly
    except ImportError as exc:  # pragma: no cover - plotly is a runtime dependency
        raise ConfigError(f"the dashboard needs the plotly package: {exc}") from None
    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise ConfigError(f"plotly.min.js not found in the installed plotly package (looked at {path})")
    return path


async def index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})


def add_page(app: web.Application) -> None:
    plotly_js = plotly_js_path()

    async def plotly(request: web.Request) -> web.FileResponse:
        return web.FileResponse(plotly_js, headers={"Cache-Control": "max-age=86400"})

    app.router.add_get("/", index)
    app.router.add_get("/static/plotly.min.js", plotly)
    app.router.add_static("/static/", STATIC_DIR, follow_symlinks=False)
