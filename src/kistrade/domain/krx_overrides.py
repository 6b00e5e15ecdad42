"""What exchange-calendars' XKRX (4.13) misses, as committed data, with the public sources used.

KrxCalendar applies these on top of XKRX, whether XKRX comes from the committed snapshot
(krx_xkrx_snapshot.py, the default) or from live exchange-calendars (from_exchange_calendars()).

* EXTRA_HOLIDAYS: weekday closures XKRX treats as sessions.
  - 2026-06-03 제9회 전국동시지방선거 (KRX 2026 holiday list as reported by e.g.
    b83.nicesongtoyou.com/?p=10145 and fdn7500.tistory.com/4166).
  - 2026-07-17 제헌절: made a public holiday again by the 공휴일법 amendment passed 2026-01-29
    (koreadaily.com/article/20260128225255115, segye.com 2026-02-04); KRX closes on every
    public holiday (유가증권시장업무규정 §5).
* CSAT_DAYS: 수능 days since 2021 (XKRX stops at 2020-12-03). KRX delays the open and the close
  by one hour (10:00-16:30); after hours still end at 18:00.
  2021-11-18 (donga.com 2021-11-04), 2022-11-17 (khan.co.kr 2022-11-16), 2023-11-16
  (etoday.co.kr 2023-11-02), 2024-11-14 (wikitree.co.kr/articles/999852), 2025-11-13
  (edaily.co.kr 2025-11-12, donga.com 2025-11-13), 2026-11-19 (교육부 2027학년도 수능 계획,
  news1.kr/society/education/5511338).
* HOLIDAY_NAMES: Korean names of the 2024-2026 closures and of a few earlier one-off ones
  (XKRX's own names are English and rule based; one-off closures have none).
"""

from __future__ import annotations

from datetime import date

EXTRA_HOLIDAYS: dict[date, str] = {
    date(2026, 6, 3): "전국동시지방선거",
    date(2026, 7, 17): "제헌절",
}

CSAT_DAYS: dict[date, str] = {
    date(2021, 11, 18): "2022학년도 수능",
    date(2022, 11, 17): "2023학년도 수능",
    date(2023, 11, 16): "2024학년도 수능",
    date(2024, 11, 14): "2025학년도 수능",
    date(2025, 11, 13): "2026학년도 수능",
    date(2026, 11, 19): "2027학년도 수능",
}

HOLIDAY_NAMES: dict[date, str] = {
    # earlier one-off closures XKRX has but cannot name
    date(2022, 3, 9): "대통령 선거",
    date(2022, 6, 1): "전국동시지방선거",
    date(2023, 5, 29): "부처님오신날 대체휴일",
    date(2023, 10, 2): "임시공휴일",
    # 2024
    date(2024, 1, 1): "신정",
    date(2024, 2, 9): "설날 연휴",
    date(2024, 2, 12): "설날 대체휴일",
    date(2024, 3, 1): "삼일절",
    date(2024, 4, 10): "국회의원 선거",
    date(2024, 5, 1): "근로자의 날",
    date(2024, 5, 6): "어린이날 대체휴일",
    date(2024, 5, 15): "부처님오신날",
    date(2024, 6, 6): "현충일",
    date(2024, 8, 15): "광복절",
    date(2024, 9, 16): "추석 연휴",
    date(2024, 9, 17): "추석",
    date(2024, 9, 18): "추석 연휴",
    date(2024, 10, 1): "국군의 날 (임시공휴일)",
    date(2024, 10, 3): "개천절",
    date(2024, 10, 9): "한글날",
    date(2024, 12, 25): "성탄절",
    date(2024, 12, 31): "연말 휴장일",
    # 2025
    date(2025, 1, 1): "신정",
    date(2025, 1, 27): "임시공휴일",
    date(2025, 1, 28): "설날 연휴",
    date(2025, 1, 29): "설날",
    date(2025, 1, 30): "설날 연휴",
    date(2025, 3, 3): "삼일절 대체휴일",
    date(2025, 5, 1): "근로자의 날",
    date(2025, 5, 5): "어린이날·부처님오신날",
    date(2025, 5, 6): "대체휴일",
    date(2025, 6, 3): "대통령 선거",
    date(2025, 6, 6): "현충일",
    date(2025, 8, 15): "광복절",
    date(2025, 10, 3): "개천절",
    date(2025, 10, 6): "추석",
    date(2025, 10, 7): "추석 연휴",
    date(2025, 10, 8): "추석 대체휴일",
    date(2025, 10, 9): "한글날",
    date(2025, 12, 25): "성탄절",
    date(2025, 12, 31): "연말 휴장일",
    # 2026
    date(2026, 1, 1): "신정",
    date(2026, 2, 16): "설날 연휴",
    date(2026, 2, 17): "설날",
    date(2026, 2, 18): "설날 연휴",
    date(2026, 3, 2): "삼일절 대체휴일",
    date(2026, 5, 1): "근로자의 날",
    date(2026, 5, 5): "어린이날",
    date(2026, 5, 25): "부처님오신날 대체휴일",
    date(2026, 6, 3): "전국동시지방선거",
    date(2026, 7, 17): "제헌절",
    date(2026, 8, 17): "광복절 대체휴일",
    date(2026, 9, 24): "추석 연휴",
    date(2026, 9, 25): "추석",
    date(2026, 10, 5): "개천절 대체휴일",
    date(2026, 10, 9): "한글날",
    date(2026, 12, 25): "성탄절",
    date(2026, 12, 31): "연말 휴장일",
}

# Fixed-date holidays, for naming closures outside HOLIDAY_NAMES.
FIXED_HOLIDAY_NAMES: dict[tuple[int, int], str] = {
    (1, 1): "신정",
    (3, 1): "삼일절",
    (5, 1): "근로자의 날",
    (5, 5): "어린이날",
    (6, 6): "현충일",
    (7, 17): "제헌절",
    (8, 15): "광복절",
    (10, 3): "개천절",
    (10, 9): "한글날",
    (12, 25): "성탄절",
}

# Words in XKRX's English holiday names -> Korean.
XKRX_NAME_WORDS: tuple[tuple[str, str], ...] = (
    ("Seollal", "설날"),
    ("Chuseok", "추석"),
    ("Buddha", "부처님오신날"),
    ("Children", "어린이날"),
    ("Independence", "삼일절"),
    ("Labor", "근로자의 날"),
    ("Memorial", "현충일"),
    ("Liberation", "광복절"),
    ("Foundation", "개천절"),
    ("Hangul", "한글날"),
    ("Christmas", "성탄절"),
    ("New Year's Day", "신정"),
    ("End of Year", "연말 휴장일"),
    ("Election", "선거"),
)
