"""Account TRs: balance, buyable amount, daily orders/fills, open orders."""

from __future__ import annotations

from datetime import date

from kistrade.domain.types import OrderType, Side, parse_symbol
from kistrade.kis.client import mapping
from kistrade.kis.client.env import KisAccount, KisEnv
from kistrade.kis.client.models import Balance, Buyable, DailyOrder, Holding, OpenOrder
from kistrade.kis.client.ratelimit import Priority
from kistrade.kis.client.rest import KisRestClient
from kistrade.ports import Clock

_SIDE_CODE = {None: "00", Side.SELL: "01", Side.BUY: "02"}


def _months_back(day: date, months: int) -> date:
    m = day.year * 12 + (day.month - 1) - months
    return date(m // 12, m % 12 + 1, 1)


class KisAccountApi:
    def __init__(
        self, rest: KisRestClient, account: KisAccount, clock: Clock, *, max_pages: int = 20
    ) -> None:
        self.rest = rest
        self.account = account
        self.clock = clock
        self.max_pages = max_pages

    def _acct(self) -> dict[str, str]:
        return {"CANO": self.account.cano, "ACNT_PRDT_CD": self.account.product}

    async def balance(self) -> Balance:
        params = {
            **self._acct(),
            "AFHR_FLPR_YN": "N",
            "OFL_YN": "",
            "INQR_DVSN": "02",
            "UNPR_DVSN": "01",
            "FUND_STTL_ICLD_YN": "N",
            "FNCG_AMT_AUTO_RDPT_YN": "N",
            "PRCS_DVSN": "00",
        }
        pages = await self.rest.paginate("inquire_balance", params, max_pages=self.max_pages)
        holdings: list[Holding] = []
        for page in pages:
            holdings.extend(mapping.holdings_from(page.body.get("output1")))
        return mapping.balance_from(holdings, pages[-1].body.get("output2") or pages[0].body.get("output2"))

    async def buyable(self, symbol: str, price: int = 0, order_type: OrderType = OrderType.LIMIT) -> Buyable:
        """Cash and quantity buyable at ``price`` (0 or MARKET: the broker's price)."""
        market = order_type is OrderType.MARKET or price <= 0
        params = {
            **self._acct(),
            "PDNO": parse_symbol(symbol),
            "ORD_UNPR": "" if market else str(price),
            "ORD_DVSN": "01" if market else "00",
            "CMA_EVLU_AMT_ICLD_YN": "N",
            "OVRS_ICLD_YN": "N",
        }
        resp = await self.rest.call("inquire_psbl_order", params=params, priority=Priority.ACCOUNT)
        return mapping.buyable_from(resp.body.get("output"))

    async def daily_orders(
        self,
        start: date | None = None,
        end: date | None = None,
        *,
        symbol: str = "",
        side: Side | None = None,
        filled: bool | None = None,
        order_id: str = "",
        priority: Priority = Priority.ACCOUNT,
    ) -> list[DailyOrder]:
        """Orders (with fills) between ``start`` and ``end`` (default today); ``filled`` True = filled
        only, False = unfilled only. Older than 3 calendar months uses the archive TR."""
        today = self.clock.now().date()
        first = start or today
        last = end or today
        name = "inquire_daily_ccld" if first >= _months_back(today, 2) else "inquire_daily_ccld_old"
        params = {
            **self._acct(),
            "INQR_STRT_DT": first.strftime("%Y%m%d"),
            "INQR_END_DT": last.strftime("%Y%m%d"),
            "SLL_BUY_DVSN_CD": _SIDE_CODE[side],
            "INQR_DVSN": "00",
            "PDNO": parse_symbol(symbol) if symbol else "",
            "CCLD_DVSN": "00" if filled is None else ("01" if filled else "02"),
            "ORD_GNO_BRNO": "",
            "ODNO": order_id,
            "INQR_DVSN_3": "00",
            "INQR_DVSN_1": "",
            "EXCG_ID_DVSN_CD": "KRX",
        }
        pages = await self.rest.paginate(name, params, priority=priority, max_pages=self.max_pages)
        out: list[DailyOrder] = []
        for page in pages:
            out.extend(mapping.daily_orders_from(page.body.get("output1")))
        return out

    async def open_orders(self, *, priority: Priority = Priority.ACCOUNT) -> list[OpenOrder]:
        """Orders with a revisable/cancelable remainder. Real: inquire-psbl-rvsecncl; paper (which
        lacks it): today's unfilled rows of inquire-daily-ccld."""
        if self.rest.env is KisEnv.PAPER:
            return mapping.open_orders_from_daily(await self.daily_orders(filled=False, priority=priority))
        params = {**self._acct(), "INQR_DVSN_1": "0", "INQR_DVSN_2": "0"}
        pages = await self.rest.paginate(
            "inquire_psbl_rvsecncl", params, priority=priority, max_pages=self.max_pages
        )
        today = self.clock.now().date()
        out: list[OpenOrder] = []
        for page in pages:
            out.extend(mapping.open_orders_from_psbl(page.body.get("output"), today))
        return out
