"""WebSocket frames (shared/kis-protocol.md §6): data frames, control JSON, subscribe, acks, PINGPONG.

Data frame: ``<enc>|<tr_id>|<count>|<payload>``; records are ``^``-joined and simply concatenated.
``parse_frame`` is the hot path: one ``str.split`` on ``|`` (at most 3), one on ``^``, slicing.
Anything malformed raises ``ParseError``; nothing else escapes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Final

import msgspec

from kistrade.domain.errors import ParseError
from kistrade.kis.protocol.codes import WS_CONTROL_CODES
from kistrade.kis.protocol.crypto import AesCipher
from kistrade.kis.protocol.endpoints import Env
from kistrade.kis.protocol.realtime_fields import (
    LAYOUTS,
    NOTICE_TRS,
    NOTICE_WIDTH_LEGACY,
    TR_NOTICE_PAPER,
    TR_NOTICE_REAL,
    TR_PINGPONG,
)

#: Minimum per-record width per TR. Wider records (fields KIS appended later) are accepted whole.
_MIN_WIDTH: Final[dict[str, int]] = {
    tr: (NOTICE_WIDTH_LEGACY if tr in NOTICE_TRS else len(layout)) for tr, layout in LAYOUTS.items()
}
_MAX_SHOWN: Final = 60


class DataFrame(msgspec.Struct, frozen=True, gc=False):
    """A data frame. ``records`` are cut at the per-record width (``len(items) // count``), so a
    record may be longer than the documented layout; decoders read known indices only.
    An encrypted frame parsed without a cipher has no records and keeps the base64 ``payload``."""

    tr_id: str
    encrypted: bool
    count: int
    records: list[tuple[str, ...]]
    payload: str = ""

    def decrypt(self, cipher: AesCipher) -> DataFrame:
        """The records of an encrypted frame parsed without its cipher."""
        if not self.encrypted or not self.payload:
            return self
        return DataFrame(
            self.tr_id, True, self.count, cut_records(self.tr_id, cipher.decrypt(self.payload), self.count)
        )


class ControlFrame(msgspec.Struct, frozen=True):
    """A JSON control message: subscribe/unsubscribe ack, error, or PINGPONG."""

    tr_id: str
    tr_key: str = ""
    encrypt: str = ""  # "Y"/"N" on acks
    rt_cd: str = ""
    msg_cd: str = ""
    msg1: str = ""
    iv: str | None = None
    key: str | None = None
    datetime: str = ""
    raw: str = ""

    @property
    def is_pingpong(self) -> bool:
        return self.tr_id == TR_PINGPONG

    def __repr__(self) -> str:
        # The session's AES key/iv (also inside ``raw``) never reach logs.
        secret = "<redacted>" if self.key is not None or self.iv is not None else None
        return (
            f"ControlFrame(tr_id={self.tr_id!r}, tr_key={self.tr_key!r}, encrypt={self.encrypt!r}, "
            f"rt_cd={self.rt_cd!r}, msg_cd={self.msg_cd!r}, msg1={self.msg1!r}, datetime={self.datetime!r}, "
            f"key={secret}, raw={'<redacted>' if secret else repr(self.raw)})"
        )

    @property
    def is_ok(self) -> bool:
        return self.rt_cd == "0"


def notice_tr_id(env: Env | str) -> str:
    """The execution-notice TR of an environment: H0STCNI0 real, H0STCNI9 paper (tr_key = HTS ID)."""
    return TR_NOTICE_REAL if Env(env) is Env.REAL else TR_NOTICE_PAPER


def _show(text: str) -> str:
    return repr(text[:_MAX_SHOWN]) + ("..." if len(text) > _MAX_SHOWN else "")


def cut_records(tr_id: str, payload: str, count: int) -> list[tuple[str, ...]]:
    """Split a plaintext payload into ``count`` records (see ``DataFrame``)."""
    items = payload.split("^")
    n = len(items)
    if count == 1:
        width = n
    else:
        width, rem = divmod(n, count)
        if rem:
            raise ParseError(f"{tr_id} frame: {n} fields do not split into {count} equal records")
    known = _MIN_WIDTH.get(tr_id)
    if known is not None and width < known:
        raise ParseError(
            f"{tr_id} frame: {width} fields per record, expected at least {known} ({count} records)"
        )
    if count == 1:
        return [tuple(items)]
    return [tuple(items[i : i + width]) for i in range(0, n, width)]


def parse_frame(text: str, cipher: AesCipher | None = None) -> DataFrame | ControlFrame:
    """Parse one WebSocket text frame. Encrypted frames are decrypted when ``cipher`` is given."""
    if text[:2] == "0|":
        # Fast path: a plaintext single-record frame (the normal flow, §11.11).
        parts = text.split("|", 3)
        if len(parts) == 4 and parts[2] == "001" and parts[1]:
            items = parts[3].split("^")
            if len(items) >= _MIN_WIDTH.get(parts[1], 1):
                return DataFrame(parts[1], False, 1, [tuple(items)])
    return _parse_frame(text, cipher)


def _parse_frame(text: str, cipher: AesCipher | None) -> DataFrame | ControlFrame:
    first = text[:1]
    if first in ("0", "1"):
        parts = text.split("|", 3)
        if len(parts) != 4:
            raise ParseError(f"data frame has {len(parts)} '|'-separated parts, expected 4: {_show(text)}")
        enc, tr_id, cnt, payload = parts
        if len(enc) != 1:
            raise ParseError(f"data frame encryption flag {enc[:8]!r} is not '0' or '1'")
        if not tr_id:
            raise ParseError(f"data frame has an empty tr_id: {_show(text)}")
        if not (cnt.isdigit() and cnt.isascii() and len(cnt) <= 9):
            raise ParseError(f"{tr_id} frame record count {cnt[:8]!r} is not a number")
        count = int(cnt)
        if count == 0:
            raise ParseError(f"{tr_id} frame record count is 0")
        if enc == "1":
            if cipher is None:
                return DataFrame(tr_id, True, count, [], payload)
            return DataFrame(tr_id, True, count, cut_records(tr_id, cipher.decrypt(payload), count))
        return DataFrame(tr_id, False, count, cut_records(tr_id, payload, count))
    if first == "{":
        return parse_control(text)
    stripped = text.lstrip()
    if stripped[:1] == "{":
        return parse_control(stripped)
    raise ParseError(f"frame is neither data ('0|'/'1|') nor JSON: {_show(text)}")


def _str(value: Any, where: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ParseError(f"control frame field {where} is a {type(value).__name__}, expected a string")


def _loads(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ParseError(f"{what} is not valid JSON ({type(exc).__name__}): {_show(text)}") from None


def parse_control(text: str) -> ControlFrame:
    """A JSON control frame: ``header.tr_id`` required; ``body`` (rt_cd/msg_cd/msg1/output) optional."""
    obj = _loads(text, "control frame")
    if not isinstance(obj, dict):
        raise ParseError(f"control frame is not a JSON object: {_show(text)}")
    header = obj.get("header")
    if not isinstance(header, dict):
        raise ParseError(f"control frame has no 'header' object: {_show(text)}")
    tr_id = _str(header.get("tr_id"), "header.tr_id")
    if not tr_id:
        raise ParseError(f"control frame has no header.tr_id: {_show(text)}")
    body = obj.get("body")
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ParseError(f"control frame 'body' is not an object: {_show(text)}")
    iv = key = None
    output = body.get("output")
    if isinstance(output, dict):
        iv_v, key_v = output.get("iv"), output.get("key")
        iv = _str(iv_v, "body.output.iv") if iv_v is not None else None
        key = _str(key_v, "body.output.key") if key_v is not None else None
    return ControlFrame(
        tr_id=tr_id,
        tr_key=_str(header.get("tr_key"), "header.tr_key"),
        encrypt=_str(header.get("encrypt"), "header.encrypt"),
        rt_cd=_str(body.get("rt_cd"), "body.rt_cd"),
        msg_cd=_str(body.get("msg_cd"), "body.msg_cd"),
        msg1=_str(body.get("msg1"), "body.msg1"),
        iv=iv,
        key=key,
        datetime=_str(header.get("datetime"), "header.datetime"),
        raw=text,
    )


def encode_data_frame(
    tr_id: str,
    records: Sequence[Sequence[str]],
    encrypted: bool = False,
    cipher: AesCipher | None = None,
) -> str:
    """``<enc>|<tr_id>|<count:03d>|<payload>``; records are concatenated with ``^``.
    Encrypted frames need the session ``cipher`` and carry the base64 of the whole payload."""
    if not records:
        raise ValueError(f"{tr_id} frame needs at least one record")
    if len(records) > 999:
        raise ValueError(f"{tr_id} frame has {len(records)} records; the count field holds 3 digits")
    payload = "^".join("^".join(r) for r in records)
    if "|" in payload:
        raise ValueError(f"{tr_id} record contains '|', which cannot be sent in a data frame")
    if encrypted:
        if cipher is None:
            raise ValueError(f"{tr_id} encrypted frame needs the session cipher")
        return f"1|{tr_id}|{len(records):03d}|{cipher.encrypt(payload)}"
    return f"0|{tr_id}|{len(records):03d}|{payload}"


# ---- subscribe / unsubscribe requests (§6.2) ----

TR_TYPE_SUBSCRIBE: Final = "1"
TR_TYPE_UNSUBSCRIBE: Final = "2"


class WsRequestError(ParseError):
    """A client WS request the server must refuse; ``msg_cd`` is the OPSP code to answer with."""

    def __init__(self, message: str, msg_cd: str) -> None:
        super().__init__(message)
        self.msg_cd = msg_cd


class SubscribeRequest(msgspec.Struct, frozen=True):
    tr_id: str
    tr_key: str
    subscribe: bool  # tr_type "1"; False for "2" (release)
    approval_key: str = ""
    custtype: str = "P"
    appkey: str = ""  # legacy variant: appkey + appsecret instead of approval_key
    appsecret: str = ""


def build_subscribe(
    approval_key: str, tr_id: str, tr_key: str, *, subscribe: bool = True, custtype: str = "P"
) -> str:
    msg = {
        "header": {
            "approval_key": approval_key,
            "custtype": custtype,
            "tr_type": TR_TYPE_SUBSCRIBE if subscribe else TR_TYPE_UNSUBSCRIBE,
            "content-type": "utf-8",
        },
        "body": {"input": {"tr_id": tr_id, "tr_key": tr_key}},
    }
    return json.dumps(msg, ensure_ascii=False, separators=(",", ":"))


def _req_str(value: Any, what: str, code: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise WsRequestError(f"subscribe request {what} is not a string", code)
    return value


def parse_subscribe(text: str) -> SubscribeRequest:
    """Parse a client request; errors carry the OPSP code a KIS server answers with.
    Header ``custtype`` may be absent (defaults to ``P``); the approval key is not checked here."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        raise WsRequestError("subscribe request is not valid JSON", "OPSP9999") from None
    if not isinstance(obj, dict):
        raise WsRequestError("subscribe request is not a JSON object", "OPSP9999")
    header = obj.get("header")
    if not isinstance(header, dict):
        raise WsRequestError("subscribe request has no header", "OPSP9998")
    body = obj.get("body")
    if not isinstance(body, dict):
        raise WsRequestError("subscribe request has no body", "OPSP9992")
    inp = body.get("input")
    if not isinstance(inp, dict):
        raise WsRequestError("subscribe request has no body.input", "OPSP9991")
    tr_type = _req_str(header.get("tr_type"), "header.tr_type", "OPSP8997")
    if tr_type not in (TR_TYPE_SUBSCRIBE, TR_TYPE_UNSUBSCRIBE):
        raise WsRequestError(f"subscribe request tr_type {tr_type[:8]!r} is not '1' or '2'", "OPSP8997")
    custtype = _req_str(header.get("custtype"), "header.custtype", "OPSP8998") or "P"
    if custtype not in ("P", "B"):
        raise WsRequestError(f"subscribe request custtype {custtype[:8]!r} is not 'P' or 'B'", "OPSP8998")
    tr_id = _req_str(inp.get("tr_id"), "body.input.tr_id", "OPSP8991")
    if not tr_id:
        raise WsRequestError("subscribe request has no body.input.tr_id", "OPSP8991")
    tr_key = _req_str(inp.get("tr_key"), "body.input.tr_key", "OPSP9990")
    if not tr_key:
        raise WsRequestError("subscribe request has no body.input.tr_key", "OPSP9990")
    return SubscribeRequest(
        tr_id=tr_id,
        tr_key=tr_key,
        subscribe=tr_type == TR_TYPE_SUBSCRIBE,
        approval_key=_req_str(header.get("approval_key"), "header.approval_key", "OPSP0011"),
        custtype=custtype,
        appkey=_req_str(header.get("appkey"), "header.appkey", "OPSP9994"),
        appsecret=_req_str(header.get("appsecret"), "header.appsecret", "OPSP8995"),
    )


# ---- acks (§6.3) and PINGPONG (§6.4, §11.8) ----


def build_ack(
    tr_id: str,
    tr_key: str,
    msg_cd: str = "OPSP0000",
    *,
    encrypt: bool | None = None,
    iv: str | None = None,
    key: str | None = None,
    msg1: str | None = None,
    stamp: str | None = None,
) -> str:
    """A control reply. ``encrypt`` defaults to "Y" for the notice TRs, else "N" (§11.7); ``output``
    (iv+key) is included only when both are given; ``stamp`` adds ``header.datetime``."""
    rt_cd, default_msg = WS_CONTROL_CODES.get(msg_cd, ("1", ""))
    header: dict[str, str] = {"tr_id": tr_id, "tr_key": tr_key}
    enc = encrypt if encrypt is not None else tr_id in NOTICE_TRS
    header["encrypt"] = "Y" if enc else "N"
    if stamp is not None:
        header["datetime"] = stamp
    body: dict[str, Any] = {
        "rt_cd": rt_cd,
        "msg_cd": msg_cd,
        "msg1": msg1 if msg1 is not None else default_msg,
    }
    if iv is not None and key is not None:
        body["output"] = {"iv": iv, "key": key}
    return json.dumps({"header": header, "body": body}, ensure_ascii=False, separators=(",", ":"))


def parse_ack(text: str) -> ControlFrame:
    """A subscribe/unsubscribe ack (any control frame other than PINGPONG)."""
    frame = parse_control(text)
    if frame.is_pingpong:
        raise ParseError("expected a subscribe ack, got PINGPONG")
    return frame


def build_pingpong(when: datetime | str) -> str:
    """``{"header":{"tr_id":"PINGPONG","datetime":"YYYYMMDDHHMMSS"}}`` (no body; < 125 bytes)."""
    stamp = when if isinstance(when, str) else when.strftime("%Y%m%d%H%M%S")
    return json.dumps({"header": {"tr_id": TR_PINGPONG, "datetime": stamp}}, separators=(",", ":"))


def is_pingpong(text: str) -> bool:
    """Whether a text frame is a PINGPONG (cheap pre-check, then a JSON parse)."""
    if text[:1] != "{" or TR_PINGPONG not in text:
        return False
    try:
        return parse_control(text).is_pingpong
    except ParseError:
        return False
