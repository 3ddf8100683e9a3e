#!/usr/bin/env python3
"""Turns the two JSON files of scripts/bench into the Markdown section of docs/performance.md.

Usage: bench-report.py BROWSER_JSON LOAD_JSON DATE MACHINE COMMIT
Every figure comes from those files; the pass/fail column compares them with issue 6's goals.
"""
import json
import sys

browser = json.load(open(sys.argv[1]))
load = json.load(open(sys.argv[2]))
date, machine, commit = sys.argv[3], sys.argv[4], sys.argv[5]

LOGIN_LIMIT = 150_000
WARM_LIMIT_MS = 50.0
RATIO_GOAL = 0.85
P99_LIMIT_MS = 50.0
REFERENCE_LIMIT = "> 30 s"


def kb(n):
    return f"{n / 1000:,.1f} KB"


def ms(v):
    if v is None:
        return "–"
    if v < 0.01:
        return f"{v * 1000:,.1f} µs"
    return f"{v:,.3f} ms" if v < 10 else f"{v:,.1f} ms"


def verdict(ok):
    return "yes" if ok else "**NO**"


out = []
w = out.append
w(f"Measured {date} on {machine}, Chromium {browser['chromium']}, commit `{commit}`, by `scripts/bench --write` (one run).")
w("")

# (a) sizes
w("### (a) What a browser downloads")
w("")
w("Every request the page and its meter worker made, fetched again raw, with gzip and with brotli. "
  "HTML is never compressed (BREACH: the reset page holds a secret); static files are served precompressed.")
w("")
w("| page | kind | file | raw bytes | gzip bytes | brotli bytes |")
w("|---|---|---|---:|---:|---:|")
totals = {}
for page in ("login", "reset"):
    rows = browser[page]
    for r in rows:
        path = r["url"].split("//", 1)[1].split("/", 1)[1].split("?")[0]
        w(f"| /{page} | {r['kind']} | `/{path}` | {r['raw']:,} | {r['gzip']:,} | {r['br']:,} |")
    totals[page] = {k: sum(r[k] for r in rows) for k in ("raw", "gzip", "br")}
for page in ("login", "reset"):
    t = totals[page]
    w(f"| **/{page} total** | | | **{t['raw']:,}** | **{t['gzip']:,}** | **{t['br']:,}** |")
meter_wasm = next((r for r in browser["reset"] if r["kind"] == "wasm"), None)
ref = browser["zxcvbn_js"]
w("")
w(f"zxcvbn.js 4.4.2 (npm `dist/zxcvbn.js`, compressed here the same way): {ref['raw']:,} B raw, "
  f"{ref['gzip']:,} B gzip, {ref['br']:,} B brotli.")
w("")

# (b) meter timings
w("### (b) Strength meter time per input (Chromium, each meter in its own Web Worker)")
w("")
setup = browser["meter_setup"]
w(f"First-call set-up, reported apart from the warm figures: ours {ms(setup['ours']['load_ms'])} to fetch, compile and "
  f"instantiate the wasm, then {ms(setup['ours']['first_call_ms'])} for the first call (building the dictionaries); "
  f"zxcvbn.js {ms(setup['ref']['load_ms'])} to load the script, then {ms(setup['ref']['first_call_ms'])} for the first call.")
w("")
w("Each meter first warms up for 1.5 s on other inputs. Warm per-call time = the time of repeated calls on the input, "
  "less the first quarter of them, divided by their number (as many calls as fit in 1 s, at most 5,000; a worker's "
  "clock ticks in 0.1 ms steps, so fast calls cannot be timed one by one); slowest = the slowest single call. "
  "The reference is cut off after 30 s per input. Inputs over our 128-character maximum are answered "
  "\"too long\" without scoring.")
w("")
w("| input | chars | ours (mean / slowest call) | ours' answer | zxcvbn.js (mean) | zxcvbn.js score | faster | ≤ 50 ms |")
w("|---|---:|---:|---|---:|---:|---|---|")
ours = [m for m in browser["meter"] if m["engine"] == "ours"]
refs = {m["input"]: m for m in browser["meter"] if m["engine"] == "ref"}
all_faster = True
all_under = True
for m in ours:
    r = refs[m["input"]]
    answer = "too long" if m["too_long"] else f"score {m['score']}"
    ref_time = REFERENCE_LIMIT if r["timeout"] else ms(r["mean_ms"])
    faster = r["timeout"] or (m["mean_ms"] is not None and r["mean_ms"] is not None and m["mean_ms"] < r["mean_ms"])
    under = m["max_ms"] is not None and m["max_ms"] <= WARM_LIMIT_MS
    all_faster &= faster
    all_under &= under
    x = None if r["timeout"] or not m["mean_ms"] else r["mean_ms"] / m["mean_ms"]
    ratio = "" if x is None else f" ({x:,.1f}×)" if x < 10 else f" ({x:,.0f}×)"
    w(f"| {m['input']} | {m['chars']:,} | {ms(m['mean_ms'])} / {ms(m['max_ms'])} | {answer} | {ref_time} | "
      f"{'–' if r['timeout'] else r['score']} | {verdict(faster)}{ratio} | {verdict(under)} |")
w("")

# toggle
w("### Long pastes and the show-password toggle (real reset page, timed inside the page)")
w("")
w("| paste | shown | input handler | verdict on the page | toggle click handler | toggle shown (next frame) |")
w("|---|---|---:|---:|---:|---:|")
for r in browser["responsiveness"]:
    shown = r["shown"] + ("" if r["shown"] == "Too long" else f" (score {r['score']})")
    if not r.get("seen", True):
        shown += " **(its verdict did not appear within 20 s)**"
    w(f"| {r['label']} | {shown}; field type after click: {r['type_after_click']} | {ms(r['inputHandlerMs'])} | "
      f"{ms(r['verdictMs'])} | {ms(r['clickHandlerMs'])} | {ms(r['toggleFrameMs'])} |")
w("")

# (c) saturation
sat = load["saturation"]
w(f"### (c) Sign-ins at saturation ({load['threads']} hashing threads, argon2id m={load['argon2']['m_kib']} KiB, "
  f"t={load['argon2']['t']}, p={load['argon2']['p']})")
w("")
w("| measure | figure |")
w("|---|---:|")
w(f"| raw argon2 verifications/s, {load['threads']} threads, no server | {load['raw_argon2_per_s']:,.1f} |")
w(f"| sign-ins/s over HTTP ({sat['concurrency']} clients, right passwords, {sat['seconds']:.0f} s) | {sat['sign_ins_per_s']:,.1f} |")
w(f"| ratio (goal ≥ 85 %) | **{load['ratio'] * 100:.1f} %** |")
w(f"| sign-ins answered 303 / 503 / other | {sat['signed_in']:,} / {sat['busy_503']:,} / {sat['other']:,} |")
w(f"| `GET /login` during saturation: p50 / p99 / max ({sat['login_samples']:,} samples) | "
  f"{ms(sat['login_p50_ms'])} / **{ms(sat['login_p99_ms'])}** / {ms(sat['login_max_ms'])} |")
w(f"| `GET /favicon.ico` (static) during saturation: p50 / p99 | {ms(sat['static_p50_ms'])} / {ms(sat['static_p99_ms'])} |")
w("")

# (d) memory
mem = load["memory"]
per_hash = load["argon2"]["m_kib"]  # p lanes share the m KiB of one hash
bound_kib = mem["rss_before_kib"] + load["threads"] * per_hash
peak = max(mem["hwm_after_kib"], mem["sampled_peak_rss_kib"])
mib = lambda k: f"{k / 1024:,.1f} MiB"
w("### (d) Memory under 100 simultaneous sign-ins")
w("")
w("| measure | figure |")
w("|---|---:|")
w(f"| server RSS before (warm; includes the {load['threads']} workers' argon2 memory, kept from start-up) | {mib(mem['rss_before_kib'])} |")
w(f"| peak RSS during the burst (VmHWM) | **{mib(peak)}** (+{mib(peak - mem['rss_before_kib'])}) |")
w(f"| the pool's bound, counted generously: before + {load['threads']} workers × {per_hash:,} KiB | {mib(bound_kib)} |")
w(f"| answered 303 / 503 (pool queue full) / other | {mem['signed_in']} / {mem['busy_503']} / {mem['other']} |")
w(f"| slowest 503 / slowest 303 / whole burst | {ms(mem['busy_max_ms'])} / {ms(mem['signed_in_max_ms'])} / {mem['wall_s']:.2f} s |")
w("")

# summary
login_br = totals["login"]["br"]
w("### Against issue 6's goals")
w("")
w("| goal | figure | met |")
w("|---|---|---|")
w(f"| `/login` downloads at most 150 KB compressed | {kb(login_br)} brotli, {kb(totals['login']['gzip'])} gzip, no wasm | {verdict(login_br <= LOGIN_LIMIT)} |")
if meter_wasm:
    w(f"| meter compressed size against zxcvbn.js's | {kb(meter_wasm['br'])} brotli against {kb(ref['br'])} | "
      f"{verdict(meter_wasm['br'] <= ref['br'])} (see \"Meter size\") |")
w(f"| meter faster than zxcvbn.js (warm) on every input | see (b) | {verdict(all_faster)} |")
w(f"| meter never over 50 ms warm | slowest warm call {ms(max(m['max_ms'] for m in ours))} | {verdict(all_under)} |")
w(f"| sign-ins/s ≥ 85 % of raw argon2 with the same threads | {load['ratio'] * 100:.1f} % | {verdict(load['ratio'] >= RATIO_GOAL)} |")
w(f"| `GET /login` p99 < 50 ms during saturation | {ms(sat['login_p99_ms'])} | {verdict(sat['login_p99_ms'] < P99_LIMIT_MS)} |")
w(f"| peak memory under 100 sign-ins within the pool's bound | {mib(peak)} against {mib(bound_kib)} | {verdict(peak <= bound_kib)} |")
print("\n".join(out))
