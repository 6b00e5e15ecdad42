// kistrade dashboard: live over SSE (/events), charts with plotly.js served by the bot.
"use strict";

const $ = (id) => document.getElementById(id);
const won = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("ko-KR") + "원");
const num = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("ko-KR"));
const signed = (n) => (n > 0 ? "+" : "") + won(n);
const cls = (n) => (n > 0 ? "up" : n < 0 ? "down" : "");
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString("en-GB", { hourCycle: "h23", timeZone: "Asia/Seoul" }) : "");
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
const SIDE = { BUY: "매수", SELL: "매도", buy: "매수", sell: "매도" };
const PLOT_LAYOUT = {
  paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)", font: { color: "#c9d4de", size: 11 },
  margin: { l: 60, r: 20, t: 10, b: 30 }, showlegend: false,
  xaxis: { gridcolor: "#26313d" }, yaxis: { gridcolor: "#26313d" },
};
const PLOT_CONFIG = { displayModeBar: false, responsive: true };

// The token, when the page was opened with ?token=: the server set a cookie, so drop it from the URL.
if (new URLSearchParams(location.search).has("token")) history.replaceState(null, "", location.pathname);

const state = { status: null, positions: [], fills: [], equity: [], symbol: null, userPicked: false, seenFills: new Set() };

function plot(id, data, layout) {
  if (typeof Plotly === "undefined") return;
  Plotly.react($(id), data, Object.assign({}, PLOT_LAYOUT, layout || {}), PLOT_CONFIG);
}

function rows(tbodyId, items, render, empty) {
  const body = $(tbodyId);
  const cols = body.closest("table").querySelectorAll("th").length;
  body.innerHTML = items.length ? items.map(render).join("") : `<tr><td class="muted txt" colspan="${cols}">${empty}</td></tr>`;
}

function onStatus(s) {
  state.status = s;
  $("mode").textContent = s.mode;
  $("mode").className = "badge " + s.mode;
  $("state").textContent = s.state;
  $("state").className = "badge " + s.state;
  $("phase").textContent = s.phase;
  $("clock").textContent = time(s.now);
  $("equity").textContent = won(s.equity);
  $("cash").textContent = won(s.cash);
  $("day-pnl").textContent = signed(s.day_pnl);
  $("day-pnl").className = "big " + cls(s.day_pnl);
  $("day-pnl-pct").textContent = s.day_pnl_pct + "%";
  $("counts").textContent = `${s.positions} / ${s.open_orders}`;
  $("state-reason").textContent = `리스크 상태 ${s.state}: ${s.state_reason} (${s.state_source})`;
  for (const b of document.querySelectorAll("#controls button")) {
    const a = b.dataset.action;
    b.disabled = (a === "pause" && s.state === "REDUCING") || (a === "resume" && s.state === "ACTIVE") || (a === "stop" && s.state === "HALTED");
  }
  refreshSymbols();
  refreshHealth();
}

function onPnl(p) {
  $("realized").innerHTML = `<span class="${cls(p.realized)}">${signed(p.realized)}</span> / <span class="${cls(p.unrealized)}">${signed(p.unrealized)}</span>`;
}

function onPositions(list) {
  state.positions = list;
  rows("positions-body", list, (p) => `<tr><td>${esc(p.symbol)} <span class="muted">${esc(p.name)}</span></td>
    <td>${num(p.qty)}</td><td>${num(Math.round(Number(p.avg_price)))}</td><td>${num(p.last_price)}</td><td>${won(p.value)}</td>
    <td class="${cls(p.pnl)}">${signed(p.pnl)}</td><td class="${cls(p.pnl)}">${p.pnl_pct}%</td>
    <td>${num(p.stop_loss_price)}</td><td>${num(p.take_profit_price)}</td></tr>`, "보유종목 없음 (no positions)");
  refreshSymbols();
}

function onOrders(list) {
  rows("orders-body", list, (o) => `<tr><td>${time(o.updated_at)}</td><td>${esc(o.symbol)}</td><td>${SIDE[o.side] || esc(o.side)}</td>
    <td>${esc(o.order_type)}</td><td>${num(o.qty)}</td><td>${num(o.filled_qty)}</td><td>${num(o.limit_price)}</td>
    <td>${esc(o.state)}</td><td>${esc(o.purpose)}</td><td class="txt">${esc(o.reason)}</td></tr>`, "주문 없음 (no orders)");
}

function onFills(list) {
  state.fills = list;
  const key = (f) => `${f.ts}|${f.client_order_id}|${f.qty}|${f.price}`;
  const first = state.seenFills.size === 0;
  rows("fills-body", list, (f) => `<tr class="${first || state.seenFills.has(key(f)) ? "" : "new"}"><td>${time(f.ts)}</td>
    <td>${esc(f.symbol)}</td><td class="${f.side.toUpperCase() === "BUY" ? "up" : "down"}">${SIDE[f.side] || esc(f.side)}</td>
    <td>${num(f.qty)}</td><td>${num(f.price)}</td><td>${num(f.commission)}</td><td>${num(f.tax)}</td>
    <td class="muted">${esc(f.client_order_id)}</td></tr>`, "체결 없음 (no fills)");
  list.forEach((f) => state.seenFills.add(key(f)));
  refreshPerformance();
  refreshMarket();
}

function onSignals(list) {
  rows("signals-body", list, (s) => `<tr><td>${time(s.ts)}</td><td>${esc(s.symbol)}</td><td>${SIDE[s.side] || esc(s.side)}</td>
    <td>${Number(s.strength).toFixed(2)}</td><td class="txt">${esc(s.reasons)}</td><td>${esc(s.strategy)}</td>
    <td>${s.acted ? "✔" : ""}</td></tr>`, "신호 없음 (no signals)");
}

function onEquity(msg) {
  state.equity = msg.reset ? msg.points : state.equity.concat(msg.points);
  const pts = state.equity;
  plot("equity-chart", [
    { x: pts.map((p) => p.ts), y: pts.map((p) => p.equity), name: "평가자산", type: "scatter", line: { color: "#3e8ef7" } },
    { x: pts.map((p) => p.ts), y: pts.map((p) => p.day_pnl), name: "당일손익", type: "scatter", yaxis: "y2", line: { color: "#f5a524" } },
  ], { showlegend: true, legend: { orientation: "h", y: 1.15 }, margin: { l: 80, r: 70, t: 10, b: 30 },
       xaxis: Object.assign({ type: "date", gridcolor: "#26313d", tickformat: "%H:%M" }, around(pts.map((p) => p.ts), 30 * 60e3)),
       yaxis: Object.assign({ title: "평가자산", gridcolor: "#26313d", tickformat: ",.0f" }, spread(pts.map((p) => p.equity))),
       yaxis2: Object.assign({ title: "당일손익", overlaying: "y", side: "right", tickformat: "+,.0f" }, spread(pts.map((p) => p.day_pnl))) });
}

// With a single point plotly zooms to nothing: give the axes a sensible span instead.
function around(xs, halfMs) {
  if (new Set(xs).size > 1 || !xs.length) return {};
  // plotly plots an ISO time at its own wall clock (the offset is ignored): stay in that frame.
  const t = Date.parse(xs[0].slice(0, 19) + "Z");
  const wall = (ms) => new Date(ms).toISOString().slice(0, 19);
  return { range: [wall(t - halfMs), wall(t + halfMs)] };
}
function spread(ys) {
  if (!ys.length) return {};
  const lo = Math.min(...ys), hi = Math.max(...ys);
  if (hi - lo >= 100) return {};
  const pad = Math.max(1000, Math.abs(hi) * 0.002);
  return { range: [lo - pad, hi + pad] };
}

function card(label, value, extra) {
  return `<div class="card"><label>${label}</label><div class="mid">${value}</div>${extra ? `<div class="muted small">${extra}</div>` : ""}</div>`;
}

function onUsage(u) {
  const rps = u.requests_per_s === null ? "–" : Number(u.requests_per_s).toFixed(1);
  const errors = Object.entries(u.errors_by_code || {}).map(([c, n]) => `${esc(c)}: ${n}`).join(", ") || "없음 none";
  const hit = u.cache_hit_rate === null ? "–" : (u.cache_hit_rate * 100).toFixed(0) + "%";
  $("usage-cards").innerHTML = [
    card("요청/초 Requests/s", `${rps} / ${u.limit_per_s}`, `누적 total ${num(u.requests_total)}`),
    card("대기 Waits", num(u.waits), `${Number(u.wait_seconds).toFixed(2)}s`),
    card("오류 Errors by code", "", errors),
    card("지연 Latency", `${Number(u.latency_mean_ms).toFixed(0)} ms`, `max ${Number(u.latency_max_ms).toFixed(0)} ms`),
    card("캐시 적중 Cache hit", hit, `${num(u.cache_hits)} / ${num(u.cache_hits + u.cache_misses)}`),
    card("WS 재연결 Reconnects", num(u.ws_reconnects), `lag ${Number(u.ws_lag_mean_ms).toFixed(0)} / max ${Number(u.ws_lag_max_ms).toFixed(0)} ms`),
  ].join("");
}

async function getJson(path) {
  const r = await fetch(path, { credentials: "same-origin" });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

let healthAt = -Infinity;
async function refreshHealth() {
  if (performance.now() - healthAt < 3000) return;
  healthAt = performance.now();
  try {
    const h = await getJson("/api/v1/health");
    $("health").innerHTML = h.ready ? '<span class="okc">정상 Ready</span>' : '<span class="badc">주의 Not ready</span>';
    const age = h.last_tick_age_s === null ? "–" : Number(h.last_tick_age_s).toFixed(1) + "s";
    $("health-detail").textContent = (h.problems.length ? h.problems.join("; ") + " · " : "") +
      `feed ${h.feed_connected ? "on" : "off"} · tick ${age} · token ${h.token_valid ? "ok" : "bad"} · store ${h.store_writable ? "ok" : "bad"}`;
  } catch (e) { $("health").textContent = String(e.message); }
}

async function refreshPerformance() {
  try {
    const p = await getJson("/api/v1/performance");
    const t = p.trades;
    $("perf-cards").innerHTML = [
      card("거래 Trades", num(t.trades), `승 ${t.wins} / 패 ${t.losses}`),
      card("승률 Win rate", t.win_rate_pct === null ? "–" : t.win_rate_pct + "%"),
      card("순손익 Net P&amp;L", `<span class="${cls(t.net_pnl)}">${signed(t.net_pnl)}</span>`),
      card("손익비 Profit factor", t.profit_factor ?? "–"),
      card("평균 이익/손실 Avg win/loss", `${won(t.avg_win)} / ${won(t.avg_loss)}`),
      card("수수료·세금 Costs", won(p.pnl.commission + p.pnl.tax), `일손실한도 ${p.pnl.daily_loss_limit_pct}%`),
    ].join("");
  } catch (e) { $("perf-cards").textContent = String(e.message); }
}

function refreshSymbols() {
  const sel = $("symbol-select");
  const syms = new Set([...(state.status?.watchlist || []), ...state.positions.map((p) => p.symbol), ...state.fills.map((f) => f.symbol)]);
  const have = new Set([...sel.options].map((o) => o.value));
  for (const s of [...syms].sort()) if (!have.has(s)) sel.add(new Option(s, s));
  // Until the user picks one, show the first held symbol (else the first on the watchlist).
  const preferred = state.positions[0]?.symbol || state.status?.watchlist?.[0] || sel.options[0]?.value;
  if (!state.userPicked && preferred && preferred !== state.symbol) { state.symbol = preferred; refreshMarket(); }
  if (state.symbol) sel.value = state.symbol;
}

let marketBusy = false, marketAgain = false;
async function refreshMarket() {
  if (!state.symbol) return;
  if (marketBusy) { marketAgain = true; return; }
  marketBusy = true;
  try {
    do {
      marketAgain = false;
      const m = await getJson(`/api/v1/market/${encodeURIComponent(state.symbol)}`);
      if (m.symbol === state.symbol) renderMarket(m);
    } while (marketAgain);
  } catch (e) { $("market-note").textContent = String(e.message); } finally { marketBusy = false; }
}

function renderMarket(m) {
  const buys = m.fills.filter((f) => f.side.toUpperCase() === "BUY");
  const sells = m.fills.filter((f) => f.side.toUpperCase() !== "BUY");
  const marks = (list, name, color, symbol) => ({ x: list.map((f) => f.ts), y: list.map((f) => f.price), mode: "markers",
    type: "scatter", name, marker: { color, size: 11, symbol, line: { color: "#fff", width: 1 } } });
  const traces = [marks(buys, "진입 Entry", "#e5484d", "triangle-up"), marks(sells, "청산 Exit", "#3e8ef7", "triangle-down")];
  if (!m.available) {
    $("market-note").textContent = "분봉·호가 데이터 없음 (bars and book not available): 체결만 표시";
    plot("price-chart", traces, {});
    $("book-body").innerHTML = "";
    return;
  }
  const bars = m.bars || [];
  $("market-note").textContent = `${m.symbol}: ${bars.length}개 분봉 (minute bars), RSI(${m.rsi_period})`;
  const x = bars.map((b) => b.start);
  traces.unshift({ type: "candlestick", x, open: bars.map((b) => b.open), high: bars.map((b) => b.high), low: bars.map((b) => b.low),
    close: bars.map((b) => b.close), name: m.symbol, increasing: { line: { color: "#e5484d" } }, decreasing: { line: { color: "#3e8ef7" } } });
  if (m.rsi.length) traces.push({ x, y: m.rsi, type: "scatter", name: "RSI", yaxis: "y2", line: { color: "#f5a524", width: 1.5 } });
  plot("price-chart", traces, { xaxis: { rangeslider: { visible: false }, gridcolor: "#26313d", tickformat: "%H:%M" },
    yaxis: { domain: [0.3, 1], gridcolor: "#26313d" }, yaxis2: { domain: [0, 0.24], range: [0, 100], gridcolor: "#26313d", title: "RSI" },
    shapes: [30, 70].map((v) => ({ type: "line", xref: "paper", x0: 0, x1: 1, yref: "y2", y0: v, y1: v, line: { color: "#555", dash: "dot" } })) });
  const book = m.book;
  if (!book) { $("book-body").innerHTML = '<tr><td colspan="3" class="muted txt">호가 없음</td></tr>'; return; }
  const asks = [...book.asks].reverse().map((l) => `<tr><td class="ask">${num(l.qty)}</td><td class="px">${num(l.price)}</td><td></td></tr>`);
  const bids = book.bids.map((l) => `<tr><td></td><td class="px">${num(l.price)}</td><td class="bid">${num(l.qty)}</td></tr>`);
  $("book-body").innerHTML = asks.concat(bids).join("");
}

async function control(action) {
  if (action === "stop" && !confirm("거래를 중지할까요? (HALTED: 신규 주문 없음)")) return;
  const r = await fetch(`/api/v1/control/${action}`, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" }, body: "{}" });
  if (r.ok) onStatus(await r.json()); else banner(`${action}: HTTP ${r.status}`);
}

function banner(text) { const b = $("banner"); b.textContent = text; b.classList.toggle("hidden", !text); }

function connect() {
  const es = new EventSource("/events");
  const handlers = { status: onStatus, positions: onPositions, orders: onOrders, fills: onFills, signals: onSignals,
    pnl: onPnl, usage: onUsage, equity: onEquity };
  for (const [topic, fn] of Object.entries(handlers)) es.addEventListener(topic, (ev) => fn(JSON.parse(ev.data)));
  es.onopen = () => { $("live").classList.add("on"); banner(""); };
  es.onerror = () => { $("live").classList.remove("on"); banner("실시간 연결 끊김 — 재연결 중 (live updates disconnected, retrying)"); };
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("#controls button")) b.addEventListener("click", () => control(b.dataset.action));
  $("symbol-select").addEventListener("change", (e) => { state.symbol = e.target.value; state.userPicked = true; refreshMarket(); });
  setInterval(refreshMarket, 5000);
  setInterval(refreshHealth, 5000);
  connect();
  refreshPerformance();
});
