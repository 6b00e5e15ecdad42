"""Plain-text Telegram replies for the TradingService views: Korean labels with English, won
amounts with thousands separators (``1,234,500원``), signed P&L, KST times."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from kistrade.app.views import OrderView, PnlView, PositionView, StatusView
from kistrade.domain.types import KST
from kistrade.engine.events import TradingState

STATE_LABELS: dict[TradingState, str] = {
    TradingState.ACTIVE: "▶️ 정상 매매 ACTIVE",
    TradingState.REDUCING: "⏸ 청산만 REDUCING (exits only)",
    TradingState.HALTED: "⏹ 정지 HALTED",
}

HELP_TEXT = "\n".join(
    (
        "명령어 Commands",
        "/status - 상태 status",
        "/positions - 보유 종목 positions",
        "/orders - 미체결 주문 open orders",
        "/pnl - 당일 손익 today's P&L",
        "/pause [사유] - 신규 진입 중지, 청산만 (REDUCING)",
        "/resume [사유] - 매매 재개 (ACTIVE)",
        "/stop [사유] - 매매 정지 (HALTED)",
        "/report - 일일 보고서 daily report",
        "/help - 도움말 help",
    )
)


def won(amount: int) -> str:
    return f"{amount:,}원"


def signed_won(amount: int) -> str:
    return f"{amount:+,}원"


def pct(value: Decimal) -> str:
    return f"{value:+.2f}%"


def price(value: Decimal | int) -> str:
    number = Decimal(value)
    if number == number.to_integral_value():
        return f"{int(number):,}"
    return f"{number:,.2f}"


def when(ts: datetime) -> str:
    return f"{ts.astimezone(KST):%Y-%m-%d %H:%M:%S} KST"


def format_status(view: StatusView) -> str:
    feed = "연결 connected" if view.feed_connected else "끊김 DISCONNECTED"
    if view.last_tick_age_s is not None:
        feed += f" (last tick {view.last_tick_age_s:.1f}s ago)"
    lines = [
        f"상태 State: {STATE_LABELS.get(view.state, view.state.value)}",
        f"  사유 reason: {view.state_reason} (by {view.state_source})",
        f"시각 Time: {when(view.now)} · 장 phase: {view.phase}",
        f"평가금액 Equity: {won(view.equity)}",
        f"현금 Cash: {won(view.cash)}",
        f"당일손익 Day P&L: {signed_won(view.day_pnl)} ({pct(view.day_pnl_pct)})",
        f"보유 Positions: {view.positions} · 미체결 Open orders: {view.open_orders}",
        f"시세 Feed: {feed}",
        f"시작 Started: {when(view.started_at)}",
    ]
    if view.watchlist:
        lines.append(f"감시 Watchlist: {', '.join(view.watchlist)}")
    return "\n".join(lines)


def format_positions(views: Sequence[PositionView]) -> str:
    if not views:
        return "보유 종목 없음 (no positions)"
    lines = [f"보유 종목 Positions ({len(views)})"]
    total_value = sum(v.value for v in views)
    total_pnl = sum(v.pnl for v in views)
    for v in views:
        name = f"{v.symbol} {v.name}".strip()
        lines.append(
            f"• {name}: {v.qty:,}주 @ {price(v.avg_price)} → {price(v.last_price)}원\n"
            f"  평가 {won(v.value)} · 손익 {signed_won(v.pnl)} ({pct(v.pnl_pct)})"
        )
        exits = []
        if v.stop_loss_price is not None:
            exits.append(f"손절 SL {price(v.stop_loss_price)}")
        if v.take_profit_price is not None:
            exits.append(f"익절 TP {price(v.take_profit_price)}")
        if exits:
            lines.append("  " + " · ".join(exits))
    lines.append(f"합계 Total: 평가 {won(total_value)} · 손익 {signed_won(total_pnl)}")
    return "\n".join(lines)


def format_orders(views: Sequence[OrderView]) -> str:
    if not views:
        return "미체결 주문 없음 (no open orders)"
    lines = [f"미체결 주문 Open orders ({len(views)})"]
    for o in views:
        at = f" @ {price(o.limit_price)}원" if o.limit_price is not None else " 시장가 market"
        side = "매수 BUY" if o.side.upper() == "BUY" else "매도 SELL" if o.side.upper() == "SELL" else o.side
        lines.append(
            f"• {side} {o.symbol} {o.qty:,}주{at} · 체결 filled {o.filled_qty:,}/{o.qty:,}\n"
            f"  {o.state} · {o.purpose} · {o.created_at.astimezone(KST):%H:%M:%S} · id {o.client_order_id}"
        )
    return "\n".join(lines)


def format_pnl(view: PnlView) -> str:
    return "\n".join(
        (
            f"당일 손익 Day P&L: {signed_won(view.day_pnl)} ({pct(view.day_pnl_pct)})",
            f"  실현 realized: {signed_won(view.realized)}",
            f"  평가 unrealized: {signed_won(view.unrealized)}",
            f"  수수료 commission: {won(view.commission)} · 세금 tax: {won(view.tax)}",
            f"평가금액 Equity: {won(view.equity)} (시작 day start {won(view.day_start_equity)})",
            f"일일 손실 한도 Daily loss limit: {pct(view.daily_loss_limit_pct)}",
        )
    )


def format_state_change(view: StatusView) -> str:
    return (
        f"상태 State → {STATE_LABELS.get(view.state, view.state.value)}\n"
        f"사유 reason: {view.state_reason} (by {view.state_source})"
    )


def split_message(text: str, limit: int = 4000) -> list[str]:
    """Split ``text`` at line breaks into pieces of at most ``limit`` characters (a longer line
    is cut). Joining the pieces with ``"\n"`` gives ``text`` back when no line is too long."""
    if limit < 1:
        raise ValueError(f"limit must be >= 1, got {limit}")
    chunks: list[str] = []
    lines: list[str] = []
    size = 0
    for raw in text.split("\n"):
        for piece in [raw[i : i + limit] for i in range(0, len(raw), limit)] or [""]:
            extra = len(piece) + (1 if lines else 0)
            if lines and size + extra > limit:
                chunks.append("\n".join(lines))
                lines, size, extra = [], 0, len(piece)
            lines.append(piece)
            size += extra
    chunks.append("\n".join(lines))
    return chunks
