"""HTTP replies of the simulated KIS gateway: JSON bodies, KIS headers, error envelopes.

§3.2/§11.1: ``Content-Type`` keeps its usual capitalisation while the KIS headers ``tr_id``,
``tr_cont`` and ``gt_uid`` are literally lowercase (aiohttp writes header names as given).
Bodies are UTF-8 JSON with the key order of the dict passed in (captured KIS orders).
"""

from __future__ import annotations

import json
import secrets

from aiohttp import web
from multidict import CIMultiDict

from kistrade.kis.protocol.codes import OAUTH_ERROR_STATUS, error_body, oauth_error_body

JSON_CONTENT_TYPE = "application/json; charset=utf-8"


def gt_uid() -> str:
    """A 32-hex-char transaction id for the ``gt_uid`` header."""
    return secrets.token_hex(16)


def dumps(body: object) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def json_reply(
    body: object,
    status: int = 200,
    *,
    tr_id: str | None = None,
    tr_cont: str = "",
) -> web.Response:
    """A JSON reply; with ``tr_id`` the KIS headers ``tr_id``/``tr_cont``/``gt_uid`` are added."""
    headers: CIMultiDict[str] = CIMultiDict()
    headers["Content-Type"] = JSON_CONTENT_TYPE
    if tr_id is not None:
        headers["tr_id"] = tr_id
        headers["tr_cont"] = tr_cont
        headers["gt_uid"] = gt_uid()
    return web.Response(body=dumps(body).encode("utf-8"), status=status, headers=headers)


def gateway_error(code: str, *, tr_id: str | None = None, status: int = 500) -> web.Response:
    """A gateway (EGW) error in the ``rt_cd, msg1, msg_cd`` envelope, HTTP 500 (§3.4, §5.2)."""
    return json_reply(error_body(code), status, tr_id=tr_id)


def oauth_error(code: str, status: int = OAUTH_ERROR_STATUS) -> web.Response:
    """An OAuth endpoint error: ``{"error_description", "error_code"}``, HTTP 403 (§2.1)."""
    return json_reply(oauth_error_body(code), status)


def admin_error(message: str, status: int = 400) -> web.Response:
    """A ``/sim/`` control-API error (not KIS)."""
    return json_reply({"error": message}, status)


__all__ = [
    "JSON_CONTENT_TYPE",
    "admin_error",
    "dumps",
    "gateway_error",
    "gt_uid",
    "json_reply",
    "oauth_error",
]
