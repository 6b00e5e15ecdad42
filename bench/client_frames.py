# ruff: noqa: E501
"""Frames parsed per second into typed events by the KIS client (goal: >= 500k frames/s).

Peers measured in the same run: kis.protocol.parse_frame alone (cut records, no events), and a
naive hand split into dicts. Usage: uv run --frozen python bench/client_frames.py [--seconds S]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date

from kistrade.kis.client.ws_events import FrameDecoder
from kistrade.kis.protocol.crypto import AesCipher
from kistrade.kis.protocol.realtime import parse_frame
from kistrade.kis.protocol.realtime_fields import TRADE_FIELDS

TRADE = "005930^093354^71900^5^-100^-0.14^72023.83^72100^72400^71700^71900^71800^1^3052507^219853241700^5105^6937^1832^84.90^1366314^1159996^1^0.39^20.28^090020^5^-200^090820^5^-500^092619^2^200^20230612^20^N^65945^216924^1118750^2199206^0.05^2424142^125.92^0^^72100"
BOOK = "005930^093730^0^71900^72000^72100^72200^72300^72400^72500^72600^72700^72800^71800^71700^71600^71500^71400^71300^71200^71100^71000^70900^91918^117942^92673^79708^106729^141988^176192^113906^134077^104229^95221^159371^220746^284657^212742^195370^182710^209747^376432^158171^1159362^2095167^0^0^0^0^525579^-72000^5^-100.00^3159115^0^8^0^0^0"
NOTICE = "myhtsid^1234567801^0000012345^^02^0^00^0^005930^0000000010^000071900^093512^0^2^2^00950^000000010^홍길동^^1^N^^^^삼성전자^000071900"
KEY, IV = "abcdefghijklmnopabcdefghijklmnop", "0123456789abcdef"


def _frames() -> dict[str, list[str]]:
    trades = []
    for i in range(1000):
        sec = f"09{(i // 60) % 60:02d}{i % 60:02d}"
        trades.append(
            "0|H0STCNT0|001|" + TRADE.replace("^093354^71900^", f"^{sec}^{71900 + (i % 7) * 100}^", 1)
        )
    multi = ["0|H0STCNT0|004|" + "^".join([t.split("|", 3)[3]] * 4) for t in trades[:250]]
    return {
        "trade x1": trades,
        "trade x4": multi,
        "orderbook": ["0|H0STASP0|001|" + BOOK] * 1000,
        "notice (AES)": ["1|H0STCNI0|001|" + AesCipher(KEY, IV).encrypt(NOTICE)] * 200,
    }


def rate(fn: Callable[[str], object], frames: list[str], seconds: float, rounds: int = 5) -> float:
    """Best of ``rounds`` runs of ``seconds / rounds`` each (the machine is shared and noisy)."""
    best = 0.0
    for _ in range(rounds):
        n = 0
        start = time.perf_counter()
        deadline = start + seconds / rounds
        while time.perf_counter() < deadline:
            for f in frames:
                fn(f)
            n += len(frames)
        best = max(best, n / (time.perf_counter() - start))
    return best


def naive(text: str) -> list[dict[str, str]]:
    _, _, cnt, payload = text.split("|", 3)
    items = payload.split("^")
    width = len(items) // int(cnt)
    return [dict(zip(TRADE_FIELDS, items[i : i + width], strict=False)) for i in range(0, len(items), width)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=1.5)
    args = ap.parse_args()
    dec = FrameDecoder(lambda: date(2025, 3, 14))
    dec.set_cipher("H0STCNI0", KEY, IV)
    frames = _frames()
    print(f"{'frames':<14}{'client->events/s':>18}{'parse_frame/s':>16}{'naive dict/s':>14}{'vs parse':>10}")
    for name, fs in frames.items():
        ours = rate(dec.decode, fs, args.seconds)
        cipher = AesCipher(KEY, IV) if fs[0][0] == "1" else None
        peer = rate(lambda t, c=cipher: parse_frame(t, c), fs, args.seconds)
        hand = rate(naive, fs, args.seconds) if name.startswith("trade") else float("nan")
        print(f"{name:<14}{ours:>18,.0f}{peer:>16,.0f}{hand:>14,.0f}{ours / peer:>10.2f}")
    print("goal: >= 500,000 trade frames/s into typed events")


if __name__ == "__main__":
    main()
