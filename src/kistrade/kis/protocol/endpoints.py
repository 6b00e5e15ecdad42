"""The REST TRs kistrade uses/serves (shared/kis-protocol.md §1, §2, §3.3, §4), as one registry.

Each ``Endpoint`` names a TR by a stable name and holds its method, path, TR ids per environment
(new and old generation; ``None`` where the environment does not offer it), pagination, and the
shape of each output block. Lookups work both ways: ``tr_id(name, env)`` and ``lookup_tr(tr_id)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final, NamedTuple

from kistrade.domain.errors import KistradeError


class Env(StrEnum):
    REAL = "real"
    PAPER = "paper"


class Shape(StrEnum):
    OBJECT = "object"
    ARRAY = "array"


class UnknownTrError(KistradeError, LookupError):
    """An endpoint name or TR id is not in the registry, or not offered in an environment."""


REST_HOSTS: Final[dict[Env, str]] = {
    Env.REAL: "https://openapi.koreainvestment.com:9443",
    Env.PAPER: "https://openapivts.koreainvestment.com:29443",
}
WS_HOSTS: Final[dict[Env, str]] = {
    Env.REAL: "ws://ops.koreainvestment.com:21000",
    Env.PAPER: "ws://ops.koreainvestment.com:31000",
}
WS_PATH: Final = "/tryitout"
#: Paths a KIS-compatible WS server accepts (§1, §11.10): "/", "/tryitout", "/tryitout/<anything>".
WS_PATHS: Final = ("/", "/tryitout", "/tryitout/{tail}")

# §2 OAuth and hashkey (no tr_id).
TOKEN_PATH: Final = "/oauth2/tokenP"
REVOKE_PATH: Final = "/oauth2/revokeP"
APPROVAL_PATH: Final = "/oauth2/Approval"
HASHKEY_PATH: Final = "/uapi/hashkey"
AUTH_PATHS: Final = (TOKEN_PATH, REVOKE_PATH, APPROVAL_PATH, HASHKEY_PATH)


@dataclass(frozen=True, slots=True)
class Endpoint:
    name: str
    method: str
    path: str
    real: str
    real_old: str | None
    paper: str | None
    paper_old: str | None
    outputs: tuple[tuple[str, Shape], ...]
    paginated: bool = False  # tr_cont / ctx_area pagination (§3.3)
    rows_real: int | None = None  # page size (paginated) or max rows per call (charts)
    rows_paper: int | None = None
    #: Continuation keys (lowercase, as in the response body; the request uses the UPPERCASE names).
    ctx_keys: tuple[str, str] | None = None

    def tr_ids(self, env: Env) -> tuple[str, ...]:
        """Every TR id (new first, then old) this endpoint answers in ``env``."""
        ids = (self.real, self.real_old) if env is Env.REAL else (self.paper, self.paper_old)
        return tuple(i for i in ids if i)

    def supports(self, env: Env) -> bool:
        return bool(self.tr_ids(env))

    def rows(self, env: Env) -> int | None:
        return self.rows_real if env is Env.REAL else self.rows_paper


def paper_tr_id(real_id: str) -> str:
    """Paper twin of a real TR id: a leading ``T``, ``J`` or ``C`` becomes ``V`` (§3.1);
    market-data TRs (``FHK...``) are the same in both environments."""
    if real_id[:1] in ("T", "J", "C"):
        return "V" + real_id[1:]
    return real_id


_O, _A = Shape.OBJECT, Shape.ARRAY
CTX_KEYS_100: Final = ("ctx_area_fk100", "ctx_area_nk100")
#: chk-holiday pages with 20-char keys named without "100" (official example reads
#: ``ctx_area_fk``/``ctx_area_nk`` from the body and sends ``CTX_AREA_FK``/``CTX_AREA_NK``).
CTX_KEYS_20: Final = ("ctx_area_fk", "ctx_area_nk")
_QUOT: Final = "/uapi/domestic-stock/v1/quotations/"
_TRAD: Final = "/uapi/domestic-stock/v1/trading/"


def _both(
    name: str,
    method: str,
    path: str,
    real: str,
    real_old: str | None,
    *,
    outputs: tuple[tuple[str, Shape], ...],
    paginated: bool = False,
    rows_real: int | None = None,
    rows_paper: int | None = None,
) -> Endpoint:
    """An endpoint whose paper ids follow the T/J/C -> V rule."""
    return Endpoint(
        name,
        method,
        path,
        real,
        real_old,
        paper_tr_id(real),
        paper_tr_id(real_old) if real_old else None,
        outputs,
        paginated,
        rows_real,
        rows_paper,
        CTX_KEYS_100 if paginated else None,
    )


ENDPOINTS: Final[tuple[Endpoint, ...]] = (
    _both("inquire_price", "GET", _QUOT + "inquire-price", "FHKST01010100", None, outputs=(("output", _O),)),
    _both(
        "inquire_asking_price_exp_ccn",
        "GET",
        _QUOT + "inquire-asking-price-exp-ccn",
        "FHKST01010200",
        None,
        outputs=(("output1", _O), ("output2", _O)),
    ),
    _both(
        "inquire_daily_itemchartprice",
        "GET",
        _QUOT + "inquire-daily-itemchartprice",
        "FHKST03010100",
        None,
        outputs=(("output1", _O), ("output2", _A)),
        rows_real=100,
        rows_paper=100,
    ),
    _both(
        "inquire_time_itemchartprice",
        "GET",
        _QUOT + "inquire-time-itemchartprice",
        "FHKST03010200",
        None,
        outputs=(("output1", _O), ("output2", _A)),
        rows_real=30,
        rows_paper=30,
    ),
    _both(
        "order_cash_buy", "POST", _TRAD + "order-cash", "TTTC0012U", "TTTC0802U", outputs=(("output", _O),)
    ),
    _both(
        "order_cash_sell", "POST", _TRAD + "order-cash", "TTTC0011U", "TTTC0801U", outputs=(("output", _O),)
    ),
    _both(
        "order_rvsecncl",
        "POST",
        _TRAD + "order-rvsecncl",
        "TTTC0013U",
        "TTTC0803U",
        outputs=(("output", _O),),
    ),
    Endpoint(
        "inquire_psbl_rvsecncl",
        "GET",
        _TRAD + "inquire-psbl-rvsecncl",
        "TTTC0084R",
        "TTTC8036R",
        None,
        None,
        outputs=(("output", _A),),
        paginated=True,
        rows_real=50,
        ctx_keys=CTX_KEYS_100,
    ),
    _both(
        "inquire_balance",
        "GET",
        _TRAD + "inquire-balance",
        "TTTC8434R",
        None,
        outputs=(("output1", _A), ("output2", _A)),
        paginated=True,
        rows_real=50,
        rows_paper=20,
    ),
    _both(
        "inquire_psbl_order",
        "GET",
        _TRAD + "inquire-psbl-order",
        "TTTC8908R",
        None,
        outputs=(("output", _O),),
    ),
    _both(
        "inquire_daily_ccld",
        "GET",
        _TRAD + "inquire-daily-ccld",
        "TTTC0081R",
        "TTTC8001R",
        outputs=(("output1", _A), ("output2", _O)),
        paginated=True,
        rows_real=100,
        rows_paper=15,
    ),
    _both(
        "inquire_daily_ccld_old",
        "GET",
        _TRAD + "inquire-daily-ccld",
        "CTSC9215R",
        "CTSC9115R",
        outputs=(("output1", _A), ("output2", _O)),
        paginated=True,
        rows_real=100,
        rows_paper=15,
    ),
    # §4.12: real only (third-party clients note "모의투자 미지원"); output rows; 20-char ctx keys.
    Endpoint(
        "chk_holiday",
        "GET",
        _QUOT + "chk-holiday",
        "CTCA0903R",
        None,
        None,
        None,
        outputs=(("output", _A),),
        paginated=True,
        ctx_keys=CTX_KEYS_20,
    ),
    # 상품기본조회 [v1_국내주식-029]: real only (PORTAL25 "모의투자 미지원"); query PDNO + PRDT_TYPE_CD
    # ("300" = stock); one output object; not paginated. python-kis calls it from ``kis.stock()``.
    Endpoint(
        "search_info",
        "GET",
        _QUOT + "search-info",
        "CTPF1604R",
        None,
        None,
        None,
        outputs=(("output", _O),),
    ),
)

BY_NAME: Final[dict[str, Endpoint]] = {e.name: e for e in ENDPOINTS}


class TrMatch(NamedTuple):
    endpoint: Endpoint
    env: Env | None  # None: the same id serves both environments (market data)
    is_old: bool


def _build_tr_index() -> dict[str, TrMatch]:
    index: dict[str, TrMatch] = {}
    for e in ENDPOINTS:
        shared = e.real == e.paper
        for tr, env, old in (
            (e.real, Env.REAL, False),
            (e.real_old, Env.REAL, True),
            (e.paper, Env.PAPER, False),
            (e.paper_old, Env.PAPER, True),
        ):
            if tr:
                index[tr] = TrMatch(e, None if shared else env, old)
    return index


_BY_TR: Final[dict[str, TrMatch]] = _build_tr_index()


def endpoint(name: str) -> Endpoint:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownTrError(f"no KIS endpoint named {name!r}; known: {', '.join(BY_NAME)}") from None


def tr_id(name: str, env: Env | str) -> str:
    """The (new-generation) TR id of endpoint ``name`` in ``env``; ``UnknownTrError`` if not offered."""
    e = endpoint(name)
    ev = Env(env)
    tr = e.real if ev is Env.REAL else e.paper
    if not tr:
        raise UnknownTrError(f"KIS endpoint {name!r} is not offered in the {ev.value} environment")
    return tr


def lookup_tr(tr: str) -> TrMatch | None:
    """``(endpoint, env, is_old)`` for a real/paper, new/old TR id; ``None`` if unknown (OPSQ0002)."""
    return _BY_TR.get(tr)


def accepts(tr: str, env: Env | str) -> bool:
    """Whether a server of environment ``env`` serves TR id ``tr``."""
    m = _BY_TR.get(tr)
    return m is not None and (m.env is None or m.env is Env(env))


def endpoints_at(method: str, path: str) -> tuple[Endpoint, ...]:
    """Endpoints served at ``method path`` (order-cash holds buy and sell; the tr_id header decides)."""
    m = method.upper()
    return tuple(e for e in ENDPOINTS if e.method == m and e.path == path)
