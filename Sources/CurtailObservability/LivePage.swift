import Foundation

/// The live page: one self-contained HTML document (no CDN, no network) that reads the site's
/// messages from `/events` (server-sent events) and draws them; the agent's miners appear once
/// `curtail agent` publishes their statuses.
///
/// Everything the page inserts is set as text, never as HTML, so a reason or an id cannot inject
/// markup.
enum LivePage {
    static func html(title: String) -> String {
        let safeTitle = title.unicodeScalars.filter { $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_. ".unicodeScalars.contains($0) }
        return template.replacingOccurrences(of: "{{TITLE}}", with: String(String.UnicodeScalarView(safeTitle)))
    }

    static let template = #"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Curtail · {{TITLE}}</title><link rel="icon" href="data:,">
        <style>
        body{font:14px/1.4 system-ui,sans-serif;margin:16px;color:#1b1f24;background:#f6f7f9}
        h1{font-size:20px;margin:0 0 4px} h2{font-size:15px;margin:18px 0 6px}
        .cards{display:flex;gap:10px;flex-wrap:wrap}.card{background:#fff;border:1px solid #d8dde3;border-radius:6px;padding:8px 12px;min-width:130px}
        .card .v{font-size:20px;font-weight:600}.muted{color:#66707a}.bad{color:#b42318}.good{color:#067647}
        table{border-collapse:collapse;background:#fff;width:100%}th,td{border-bottom:1px solid #e3e6ea;padding:4px 8px;text-align:left}
        td.n,th.n{text-align:right;font-variant-numeric:tabular-nums} svg{background:#fff;border:1px solid #d8dde3;border-radius:6px}
        </style></head><body>
        <h1>Curtail · <span id="site">{{TITLE}}</span></h1>
        <div class="muted" id="status">connecting…</div>
        <div class="cards">
          <div class="card"><div class="muted">role</div><div class="v" id="role">–</div></div>
          <div class="card"><div class="muted">health</div><div class="v" id="health">–</div></div>
          <div class="card"><div class="muted">price $/MWh</div><div class="v" id="price">–</div></div>
          <div class="card"><div class="muted">target MW</div><div class="v" id="target">–</div></div>
          <div class="card"><div class="muted">measured MW</div><div class="v" id="measured">–</div></div>
          <div class="card"><div class="muted">constraints · rules</div><div class="v" id="constraints">–</div></div>
        </div>
        <h2>Price against the fleet's break-even band (last 24 h)</h2>
        <svg id="chart" width="900" height="180" viewBox="0 0 900 180"></svg>
        <h2>Groups</h2>
        <table><thead><tr><th>group</th><th class="n">break-even $/MWh</th><th class="n">target kW</th><th class="n">measured kW</th><th class="n">miners running</th><th>decided by</th></tr></thead><tbody id="groups"></tbody></table>
        <section id="agent-section" hidden>
        <h2>Miners · curtail agent <span id="agent">–</span></h2>
        <table><thead><tr><th>group</th><th class="n">ok</th><th class="n">waking</th><th class="n">sleeping</th><th class="n">unreachable</th><th class="n">refused</th><th class="n">mismatch</th></tr></thead><tbody id="miners"></tbody></table>
        <h2>Miners needing attention: <span id="attention-total">0</span></h2>
        <table><thead><tr><th>group</th><th>address</th><th>firmware</th><th>state</th><th>since</th><th>last error</th></tr></thead><tbody id="attention"></tbody></table>
        </section>
        <h2>Grid events</h2>
        <table><thead><tr><th>id</th><th>program</th><th class="n">target MW</th><th>deadline</th><th>ends</th><th>compliance</th></tr></thead><tbody id="events"></tbody></table>
        <h2>Ancillary awards</h2>
        <table><thead><tr><th>id</th><th>product</th><th class="n">MW</th><th>from</th><th>to</th><th class="n">$/MW/h</th></tr></thead><tbody id="awards"></tbody></table>
        <h2>Last commands</h2>
        <table><thead><tr><th>group</th><th class="n">seq</th><th class="n">term</th><th class="n">miners</th><th class="n">target kW</th><th>reason</th></tr></thead><tbody id="commands"></tbody></table>
        <h2>Last refused inputs</h2>
        <table><thead><tr><th>time</th><th>topic</th><th>kind</th><th>reason</th></tr></thead><tbody id="rejected"></tbody></table>
        <script>
        "use strict";
        const $ = (id) => document.getElementById(id);
        const fmt = (v, d) => (typeof v === "number" && isFinite(v)) ? v.toFixed(d) : "–";
        const reports = {}; let prices = []; let commands = []; let rejected = [];
        function rows(body, list) {
          body.replaceChildren(...list.map((cells) => { const tr = document.createElement("tr");
            cells.forEach(([text, cls]) => { const td = document.createElement("td"); td.textContent = text; if (cls) td.className = cls; tr.appendChild(td); });
            return tr; }));
        }
        function chart() {
          const svg = $("chart"); svg.replaceChildren();
          if (prices.length < 1) return;
          const ns = "http://www.w3.org/2000/svg", W = 900, H = 180, P = 30;
          const vals = prices.flatMap((p) => [p[1], p[2], p[3]]).filter((v) => isFinite(v));
          let lo = Math.min(...vals), hi = Math.max(...vals); if (hi - lo < 1) { hi += 1; lo -= 1; }
          const t0 = Date.parse(prices[0][0]), t1 = Math.max(Date.parse(prices[prices.length - 1][0]), t0 + 60000);
          const x = (t) => P + (W - 2 * P) * (Date.parse(t) - t0) / (t1 - t0), y = (v) => H - P - (H - 2 * P) * (v - lo) / (hi - lo);
          const band = document.createElementNS(ns, "polygon");
          band.setAttribute("points", prices.map((p) => x(p[0]) + "," + y(p[3])).concat(prices.slice().reverse().map((p) => x(p[0]) + "," + y(p[2]))).join(" "));
          band.setAttribute("fill", "#cfe3ff"); svg.appendChild(band);
          const line = document.createElementNS(ns, "polyline");
          line.setAttribute("points", prices.map((p) => x(p[0]) + "," + y(p[1])).join(" "));
          line.setAttribute("fill", "none"); line.setAttribute("stroke", "#b42318"); line.setAttribute("stroke-width", "2"); svg.appendChild(line);
          for (const [v, label] of [[hi, fmt(hi, 0)], [lo, fmt(lo, 0)]]) { const t = document.createElementNS(ns, "text");
            t.setAttribute("x", 2); t.setAttribute("y", y(v) + 4); t.setAttribute("font-size", "11"); t.textContent = label; svg.appendChild(t); }
        }
        function onState(s) {
          $("role").title = "instance " + (s.controller || "–") + ", term " + (s.term || 0);
          $("price").textContent = fmt(s.price_usd_per_mwh, 2);
          $("target").textContent = fmt(s.target_mw, 2);
          $("measured").textContent = fmt(s.measured_mw, 2);
          $("constraints").textContent = [(s.constraints || []).join(", "), (s.rules || []).join(", ")].filter((t) => t).join(" · ") || "none";
          rows($("groups"), (s.groups || []).map((g) => [[g.name], [fmt(g.break_even_usd_per_mwh, 1), "n"], [fmt(g.target_kw, 0), "n"], [fmt(g.measured_kw, 0), "n"],
            [(g.measured_miners_running ?? "–") + " / " + (g.miners_running ?? "–"), "n"], [g.reason || ""]]));
          rows($("events"), (s.active_events || []).map((e) => { const r = reports[e.id];
            const seconds = r && typeof r.response_seconds === "number" ? r.response_seconds : null;
            const deadline = seconds === null ? "–" : new Date(Date.parse(e.start) + seconds * 1000).toISOString();
            const compliance = e.reached_at ? "target reached " + e.reached_at : "not reached yet";
            return [[e.id], [e.program], [fmt(e.target_mw, 2), "n"], [deadline], [e.end], [r && r.status !== "acknowledged" ? r.status : compliance]]; }));
          rows($("awards"), (s.awards || []).map((a) => [[a.id], [a.product], [fmt(a.mw, 2), "n"], [a.start], [a.end], [fmt(a.price_usd_per_mw_h, 2), "n"]]));
          if (typeof s.price_usd_per_mwh === "number") {
            const be = (s.groups || []).map((g) => g.break_even_usd_per_mwh).filter((v) => typeof v === "number");
            prices.push([s.ts, s.price_usd_per_mwh, be.length ? Math.min(...be) : s.price_usd_per_mwh, be.length ? Math.max(...be) : s.price_usd_per_mwh]);
            const cut = Date.parse(s.ts) - 86400000; prices = prices.filter((p) => Date.parse(p[0]) >= cut).slice(-2000);
            chart();
          }
          $("status").textContent = "updated " + s.ts;
        }
        function onCommand(topic, c) {
          const group = topic.split("/").slice(-2)[0];
          commands.unshift([[group], [String(c.seq), "n"], [String(c.term ?? 0), "n"], [String(c.miners_running), "n"], [fmt(c.target_kw, 0), "n"], [c.reason || ""]]);
          commands = commands.slice(0, 20); rows($("commands"), commands);
        }
        function onRejected(r) {
          rejected.unshift([[r.ts || ""], [r.topic || ""], [r.kind || ""], [r.reason || ""]]);
          rejected = rejected.slice(0, 20); rows($("rejected"), rejected);
        }
        function onMiners(d) {
          $("agent-section").hidden = false;
          $("agent").textContent = d.agent || "status unknown"; $("agent").className = d.agent === "online" ? "good" : "bad";
          const n = (v, bad) => [String(v ?? 0), bad && v ? "n bad" : "n"];
          rows($("miners"), (d.groups || []).map((g) => [[g.group], n(g.ok), n(g.waking), n(g.sleeping), n(g.unreachable, true), n(g.refused, true), n(g.mismatch, true)]));
          const listed = (d.attention || []).length;
          $("attention-total").textContent = String(d.attention_total ?? 0) + (d.attention_total > listed ? " (first " + listed + " listed)" : "");
          rows($("attention"), (d.attention || []).map((a) => [[a.group], [a.address], [a.firmware], [a.state, "bad"], [a.ts], [a.last_error || ""]]));
        }
        async function health() {
          try { const h = await (await fetch("/health.json", {cache: "no-store"})).json();
            $("health").textContent = h.healthy ? "ok" : "unhealthy"; $("health").className = "v " + (h.healthy ? "good" : "bad"); $("health").title = h.detail;
            $("role").textContent = h.detail.split(/[\s:(]/)[0];
          } catch (e) { $("health").textContent = "unreachable"; $("health").className = "v bad"; }
        }
        const source = new EventSource("/events");
        source.addEventListener("prices", (m) => { prices = JSON.parse(m.data); chart(); });
        source.addEventListener("state", (m) => onState(JSON.parse(m.data).payload));
        source.addEventListener("command", (m) => { const d = JSON.parse(m.data); onCommand(d.topic, d.payload); });
        source.addEventListener("rejected", (m) => onRejected(JSON.parse(m.data).payload));
        source.addEventListener("miners", (m) => onMiners(JSON.parse(m.data)));
        source.addEventListener("report", (m) => { const d = JSON.parse(m.data); reports[d.payload.id] = d.payload; });
        source.onerror = () => { $("status").textContent = "disconnected; retrying…"; };
        health(); setInterval(health, 5000);
        </script></body></html>
        """#
}
