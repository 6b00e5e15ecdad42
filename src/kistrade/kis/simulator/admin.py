"""The simulator's control API under ``/sim/`` on the REST port (not part of KIS).

- ``GET /sim/clock``: the session clock as an affine map of wall time, plus env/phase/date;
- ``GET /sim/ledger[?account=XXXXXXXX-XX]``: orders, fills, positions and cash of an account as
  plain JSON with integers — the truth reconciliation tests compare against;
- ``GET /sim/faults`` / ``POST /sim/faults``: read / change fault injection (see faults.py);
- ``POST /sim/market``: ``{"symbol": "005930", "path": [71900, 72500], "seconds": 60}`` steers
  the price, ``{"symbol": "005930", "burst": 20}`` executes crowd trades at once.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from kistrade.domain.errors import InvalidInputError
from kistrade.domain.types import Symbol, parse_symbol
from kistrade.exchange.ledger import Ledger
from kistrade.exchange.records import OrderRecord
from kistrade.kis.simulator.context import SimServices
from kistrade.kis.simulator.dispatch import SERVICES_KEY
from kistrade.kis.simulator.replies import admin_error, json_reply


def _order_json(o: OrderRecord) -> dict[str, Any]:
    return {
        "odno": o.odno,
        "org_no": o.org_no,
        "orgn_odno": o.orgn_odno,
        "kind": o.kind.value,
        "symbol": o.symbol,
        "side": o.side.value,
        "order_type": o.order_type.value,
        "qty": o.qty,
        "price": o.price,
        "ts": o.ts.isoformat(),
        "trade_date": o.trade_date.isoformat(),
        "state": o.state.value,
        "remaining": o.remaining,
        "filled_qty": o.filled_qty,
        "filled_value": o.filled_value,
        "cancelled_qty": o.cancelled_qty,
        "revised_qty": o.revised_qty,
        "commission": o.commission,
        "tax": o.tax,
        "reserved_cash": o.reserved_cash,
    }


def ledger_json(ledger: Ledger, account: str) -> dict[str, Any]:
    """The account's books as JSON (ints only; average prices as exact decimal strings)."""
    fills = [
        {
            "odno": f.odno,
            "symbol": f.symbol,
            "side": f.side.value,
            "price": f.price,
            "qty": f.qty,
            "value": f.value,
            "ts": f.ts.isoformat(),
            "commission": f.commission,
            "tax": f.tax,
            "realized_pnl": f.realized_pnl,
        }
        for f in ledger.fills()
    ]
    fills.sort(key=lambda f: (f["ts"], f["odno"]))
    positions = [
        {
            "symbol": h.symbol,
            "qty": h.qty,
            "orderable": h.orderable,
            "reserved": h.reserved,
            "purchase_amount": h.purchase_amount,
            "avg_price": str(h.avg_price),
            "bought_today": h.bought_today,
            "sold_today": h.sold_today,
        }
        for h in ledger.holdings()
        if h.qty or h.bought_today or h.sold_today
    ]
    return {
        "account": account,
        "trade_date": ledger.trade_date.isoformat(),
        "cash": {
            "deposit": ledger.deposit,
            "d1": ledger.cash_d1,
            "d2": ledger.cash_d2,
            "reserved": ledger.reserved_cash,
            "orderable": ledger.orderable_cash,
            "buy_amount_today": ledger.buy_amount_today,
            "sell_amount_today": ledger.sell_amount_today,
            "costs_today": ledger.costs_today,
            "total_commission": ledger.total_commission,
            "total_tax": ledger.total_tax,
            "realized_pnl": ledger.realized_pnl,
        },
        "orders": [_order_json(o) for o in ledger.orders()],
        "fills": fills,
        "positions": positions,
    }


async def get_clock(request: web.Request) -> web.Response:
    services = request.app[SERVICES_KEY]
    info = dict(services.hub.clock_info())
    info["env"] = services.config.env
    return json_reply(info)


async def get_ledger(request: web.Request) -> web.Response:
    services = request.app[SERVICES_KEY]
    wanted = request.query.get("account", "")
    creds = services.config.all_credentials
    cred = next((c for c in creds if wanted in ("", c.account, c.account_no)), None)
    if cred is None:
        return admin_error(f"unknown account {wanted!r}; known: {[c.account for c in creds]}", 404)
    return json_reply(ledger_json(services.hub.ledger(cred.account_no), cred.account))


async def get_credentials(request: web.Request) -> web.Response:
    """The simulator's own generated test credentials, so a bot or CLI can attach by URL alone.
    Credentials the user supplied (``--appkey`` ...) are never served."""
    services: SimServices = request.app[SERVICES_KEY]
    cred = services.config.creds
    if not cred.generated:
        return admin_error("this simulator runs with user-supplied credentials; they are not served", 403)
    return json_reply(
        {
            "env": services.config.env,
            "app_key": cred.app_key,
            "app_secret": cred.app_secret,
            "account": cred.account,
            "hts_id": cred.hts_id,
            "ws_url": services.ws_url,
        }
    )


async def get_faults(request: web.Request) -> web.Response:
    return json_reply(request.app[SERVICES_KEY].faults.as_dict())


async def _json(request: web.Request) -> dict[str, Any]:
    try:
        data = json.loads(await request.read() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"request body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidInputError("request body must be a JSON object")
    return data


async def post_faults(request: web.Request) -> web.Response:
    services: SimServices = request.app[SERVICES_KEY]
    try:
        done = services.faults.apply(await _json(request), services.auth.expire_all)
    except InvalidInputError as exc:
        return admin_error(str(exc))
    return json_reply({**services.faults.as_dict(), "done": done})


def _symbol(services: SimServices, raw: object) -> Symbol:
    symbol = parse_symbol(str(raw or ""))
    if not services.hub.has_symbol(symbol):
        services.hub.ensure_symbol(symbol)
    return symbol


async def post_market(request: web.Request) -> web.Response:
    services: SimServices = request.app[SERVICES_KEY]
    try:
        data = await _json(request)
        symbol = _symbol(services, data.get("symbol"))
        if "path" in data:
            path = data["path"]
            if not isinstance(path, list) or not path or not all(isinstance(p, int) and p > 0 for p in path):
                raise InvalidInputError(f"path must be a non-empty list of positive int prices, got {path!r}")
            seconds = float(data.get("seconds", 60.0))
            if seconds <= 0:
                raise InvalidInputError(f"seconds {seconds} must be positive")
            services.hub.push_path(symbol, path, seconds)
            return json_reply({"symbol": symbol, "path": path, "seconds": seconds})
        if "burst" in data:
            n = data["burst"]
            if not isinstance(n, int) or not 0 < n <= 10_000:
                raise InvalidInputError(f"burst {n!r} must be an int within 1-10000")
            prints = services.hub.burst(symbol, n)
            return json_reply({"symbol": symbol, "burst": n, "prints": prints})
        raise InvalidInputError("POST /sim/market needs 'path' (list of prices) or 'burst' (count)")
    except (InvalidInputError, ValueError) as exc:
        return admin_error(str(exc))


def admin_routes() -> list[web.RouteDef]:
    return [
        web.get("/sim/clock", get_clock),
        web.get("/sim/ledger", get_ledger),
        web.get("/sim/credentials", get_credentials),
        web.get("/sim/faults", get_faults),
        web.post("/sim/faults", post_faults),
        web.post("/sim/market", post_market),
    ]


__all__ = ["admin_routes", "ledger_json"]
