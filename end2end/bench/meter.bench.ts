// The browser half of `scripts/bench` (issue 6), in Debian's Chromium:
//   1. the bytes a browser downloads for /login and for the reset page (every request the page
//      and its worker made, re-fetched raw, gzip and brotli);
//   2. strength-meter time per input for the 12 inputs of issue 6: our wasm meter against
//      zxcvbn.js 4.4.2 (npm), each in its own Web Worker in the same browser; first-call set-up
//      and warm per-call time reported separately; the reference is cut off after 30 s per input;
//   3. on the real reset page: a 4,000-character paste and a 128-character look-alike string,
//      and how long a click on the show-password toggle takes to show, measured in the page.
// Results are written to BENCH_OUT as JSON; scripts/bench turns them into docs/performance.md.
import { test } from "@playwright/test";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import * as zlib from "zlib";

const BASE = required("BENCH_BASE_URL");
const RESET_URL = required("BENCH_RESET_URL");
const OUT = required("BENCH_OUT");
const SITE = path.resolve(__dirname, "..", "..", "target", "site");
const ZXCVBN_JS = path.resolve(__dirname, "..", "node_modules", "zxcvbn", "dist", "zxcvbn.js");
const REFERENCE_LIMIT_MS = 30_000;

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this through scripts/bench`);
  return v;
}

/** Deterministic pseudo-random text (the same inputs in every run). */
function randomString(length: number, alphabet: string, seed: number): string {
  let x = seed >>> 0;
  let out = "";
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out += alphabet[x % alphabet.length];
  }
  return out;
}

const PRINTABLE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_=+[]{};:,.<>/?~";
const PHRASE = "the shelter intake desk opens at seven and the case manager files the housing referral before lunch ";
const phrase = (n: number) => PHRASE.repeat(Math.ceil(n / PHRASE.length)).slice(0, n);
const mixed = (n: number, seed: number) => {
  // Words, digits and symbols interleaved: the kind of long paste a password manager makes.
  const words = ["Shelter", "intake", "2024", "hmis", "P@ss", "Case!", "worker", "07/15", "qwerty", "Referral#"];
  let x = seed;
  let out = "";
  while (out.length < n) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out += words[x % words.length] + PRINTABLE[(x >>> 8) % PRINTABLE.length];
  }
  return out.slice(0, n);
};

export const INPUTS: { label: string; value: string }[] = [
  { label: "`password`", value: "password" },
  { label: "`P@ssw0rd1`", value: "P@ssw0rd1" },
  { label: "`correcthorsebatterystaple`", value: "correcthorsebatterystaple" },
  { label: "`Tr0ub4dor&3`", value: "Tr0ub4dor&3" },
  { label: "`hmis2024!`", value: "hmis2024!" },
  { label: "`ServicePoint1`", value: "ServicePoint1" },
  { label: "32-char random string", value: randomString(32, PRINTABLE, 32) },
  { label: "100-char phrase", value: phrase(100) },
  { label: "68 × `a`", value: "a".repeat(68) },
  { label: "256-char mixed string", value: mixed(256, 256) },
  { label: "1,000-char phrase", value: phrase(1000) },
  { label: "1,000-char random string", value: randomString(1000, PRINTABLE, 1000) },
];

type Sizes = { url: string; kind: string; raw: number; gzip: number; br: number }[];

/** Bytes on the wire for `url` when the client accepts `encoding` (node does not decompress). */
function wireBytes(url: string, encoding: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { "Accept-Encoding": encoding } }, (res) => {
      let n = 0;
      res.on("data", (c: Buffer) => (n += c.length));
      res.on("end", () => resolve(n));
    });
    req.on("error", reject);
  });
}

function kindOf(url: string, contentType: string): string {
  if (contentType.includes("html")) return "html";
  const ext = new URL(url).pathname.split(".").pop() ?? "";
  return ["js", "css", "wasm", "ico", "svg", "png"].includes(ext) ? ext : contentType.split(";")[0];
}

async function pageSizes(browser: import("@playwright/test").Browser, url: string, waitForMeter: boolean): Promise<Sizes> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const seen = new Map<string, string>();
  // Requests made by the page and by its dedicated worker (the meter) both arrive here.
  context.on("response", (res) => {
    if (res.request().method() === "GET" && res.url().startsWith(BASE)) seen.set(res.url(), res.headers()["content-type"] ?? "");
  });
  await page.goto(url);
  if (waitForMeter) await page.locator('[data-new-password][data-meter="ready"]').waitFor();
  await page.waitForLoadState("networkidle");
  await context.close();
  const rows: Sizes = [];
  for (const [u, type] of seen) {
    // A reset link is single-use-per-GET safe (GET never consumes it), so re-fetching is fine.
    rows.push({ url: u, kind: kindOf(u, type), raw: await wireBytes(u, "identity"), gzip: await wireBytes(u, "gzip"), br: await wireBytes(u, "br") });
  }
  return rows;
}

function siteFile(logical: string): string {
  // Hashed names when scripts/build fingerprinted the assets (target/site/assets.json).
  const manifest = path.join(SITE, "assets.json");
  if (fs.existsSync(manifest)) {
    const map = JSON.parse(fs.readFileSync(manifest, "utf8")) as Record<string, string>;
    if (map[logical]) return path.join(SITE, map[logical]);
  }
  return path.join(SITE, logical);
}

const BENCH_HTML = `<!doctype html><meta charset="utf-8"><title>meter bench</title><p>meter bench</p>`;

// Inputs both meters see during their warm-up (not the measured ones).
const WARM_INPUTS = ["hunter2", "Summer2019!", "blue house 44", "qwerty123456", "Zebra-Lamp-Window", "aaaaaaaa"];
// What both workers share: the warm-up and the timing loop, so both meters are measured alike.
const PRELUDE = `
const WARM = ${JSON.stringify(WARM_INPUTS)};
// 1.5 s of ordinary inputs, so the engine has compiled the hot code at its top tier before
// anything is timed.
function warmUp(call) {
  const until = performance.now() + 1500;
  while (performance.now() < until) for (const w of WARM) call(w);
}
// Calls \`call\` until maxReps calls or budgetMs. Per-call times are kept for the slowest call;
// the warm figure is the time of all calls but the first quarter (they warm up for this input)
// divided by their number, since a worker's clock ticks in 0.1 ms steps and many calls are
// faster than that.
function timeCalls(call, maxReps, budgetMs) {
  const times = [];
  const marks = [];
  let last;
  const start = performance.now();
  do {
    const t = performance.now();
    marks.push(t);
    last = call();
    times.push(performance.now() - t);
  } while (times.length < maxReps && performance.now() - start < budgetMs);
  const end = performance.now();
  const skip = Math.floor(marks.length / 4);
  return { times, warm_mean_ms: (end - marks[skip]) / (marks.length - skip), last };
}
`;

// Our meter: the wasm-bindgen module, exactly as the product's worker loads it.
const OURS_WORKER = `${PRELUDE}
import init, { evaluate } from "/ours/meter.js";
self.onmessage = async (e) => {
  const m = e.data;
  if (m.cmd === "init") {
    const t0 = performance.now();
    await init({ module_or_path: "/ours/meter_bg.wasm" });
    const t1 = performance.now();
    evaluate("warm-up 1", m.inputs, m.policy);
    const first_call_ms = performance.now() - t1;
    warmUp((w) => evaluate(w, m.inputs, m.policy));
    self.postMessage({ load_ms: t1 - t0, first_call_ms });
  } else {
    const { times, warm_mean_ms, last } = timeCalls(() => evaluate(m.password, m.inputs, m.policy), m.maxReps, m.budgetMs);
    const r = JSON.parse(last);
    self.postMessage({ times, warm_mean_ms, score: r.verdict.score, too_long: r.verdict.too_long });
  }
};`;

// The reference: zxcvbn.js 4.4.2 from npm, loaded the way its README shows (a plain script).
const REF_WORKER = `${PRELUDE}
self.onmessage = (e) => {
  const m = e.data;
  if (m.cmd === "init") {
    const t0 = performance.now();
    importScripts("/ref/zxcvbn.js");
    const t1 = performance.now();
    zxcvbn("warm-up 1", m.inputs);
    const first_call_ms = performance.now() - t1;
    warmUp((w) => zxcvbn(w, m.inputs));
    self.postMessage({ load_ms: t1 - t0, first_call_ms });
  } else {
    const { times, warm_mean_ms, last } = timeCalls(() => zxcvbn(m.password, m.inputs), m.maxReps, m.budgetMs);
    self.postMessage({ times, warm_mean_ms, score: last.score, too_long: false });
  }
};`;

test("benchmark", async ({ browser }) => {
  const results: Record<string, unknown> = { chromium: browser.version() };

  // 1. Sizes.
  results.login = await pageSizes(browser, `${BASE}/login`, false);
  results.reset = await pageSizes(browser, RESET_URL, true);
  const ref = fs.readFileSync(ZXCVBN_JS);
  results.zxcvbn_js = {
    raw: ref.length,
    gzip: zlib.gzipSync(ref, { level: 9 }).length,
    br: zlib.brotliCompressSync(ref, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };

  // The person's data and the policy exactly as the reset page gives them to the meter.
  const page = await browser.newPage();
  await page.goto(RESET_URL);
  const box = page.locator("[data-new-password]");
  const userInputs = (await box.getAttribute("data-user-inputs")) ?? "{}";
  const policy = (await box.getAttribute("data-policy")) ?? "{}";
  // zxcvbn.js gets the same words ours does (domain::password::UserInputs::words): each field and
  // context word whole, without spaces, and split on anything not a letter or digit; lower case.
  const refInputs: string[] = [];
  const fields = [...Object.values(JSON.parse(userInputs)), ...((JSON.parse(policy).context_words as string[]) ?? [])];
  for (const field of fields.filter((v): v is string => typeof v === "string")) {
    for (const w of [field, field.split(/\s+/).join(""), ...field.split(/[^\p{L}\p{N}]/u)]) {
      const word = w.trim().toLowerCase();
      if ([...word].length >= 2 && !refInputs.includes(word)) refInputs.push(word);
    }
  }
  console.log(`ref inputs: ${refInputs.length} words (${refInputs.join(", ")})`);

  // 2. Meter timings on a private origin served from disk (no CSP, nothing else running).
  const bench = await browser.newPage();
  await bench.route("http://bench.invalid/**", async (route) => {
    const p = new URL(route.request().url()).pathname;
    const js = "text/javascript";
    if (p === "/") return route.fulfill({ body: BENCH_HTML, contentType: "text/html" });
    if (p === "/ours-worker.js") return route.fulfill({ body: OURS_WORKER, contentType: js });
    if (p === "/ref-worker.js") return route.fulfill({ body: REF_WORKER, contentType: js });
    if (p === "/ours/meter.js") return route.fulfill({ body: fs.readFileSync(siteFile("/pkg/meter.js")), contentType: js });
    if (p === "/ours/meter_bg.wasm") return route.fulfill({ body: fs.readFileSync(siteFile("/pkg/meter_bg.wasm")), contentType: "application/wasm" });
    if (p === "/ref/zxcvbn.js") return route.fulfill({ body: ref, contentType: js });
    return route.fulfill({ status: 404, body: "" });
  });
  await bench.goto("http://bench.invalid/");
  await bench.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    const workers: Record<string, Worker> = {};
    const call = (engine: string, msg: unknown, limitMs: number) =>
      new Promise((resolve) => {
        const worker = workers[engine];
        const timer = setTimeout(() => {
          // Cut off: the worker is still scoring; throw it away (a new one is made next time).
          worker.terminate();
          delete workers[engine];
          resolve({ timeout: true });
        }, limitMs);
        worker.onmessage = (e) => {
          clearTimeout(timer);
          resolve(e.data);
        };
        worker.postMessage(msg);
      });
    w.benchStart = (engine: string, inputs: unknown, policy: string) => {
      workers[engine] = new Worker(engine === "ours" ? "/ours-worker.js" : "/ref-worker.js", { type: engine === "ours" ? "module" : "classic" });
      return call(engine, { cmd: "init", inputs, policy }, 60_000);
    };
    w.benchRun = (engine: string, msg: unknown, limitMs: number) => call(engine, { cmd: "run", ...(msg as object) }, limitMs);
    w.benchAlive = (engine: string) => engine in workers;
  });

  const meter: Record<string, unknown>[] = [];
  const setup: Record<string, unknown> = {};
  for (const engine of ["ours", "ref"]) {
    const inputs = engine === "ours" ? userInputs : refInputs;
    setup[engine] = await bench.evaluate(([e, i, p]) => (window as any).benchStart(e, i, p), [engine, inputs, policy] as const);
    for (const { label, value } of INPUTS) {
      const alive = await bench.evaluate((e) => (window as any).benchAlive(e), engine);
      if (!alive) await bench.evaluate(([e, i, p]) => (window as any).benchStart(e, i, p), [engine, inputs, policy] as const);
      const r = (await bench.evaluate(
        ([e, msg, limit]) => (window as any).benchRun(e, msg, limit),
        [engine, { password: value, inputs, policy, maxReps: 5000, budgetMs: 1000 }, engine === "ref" ? REFERENCE_LIMIT_MS : 60_000] as const,
      )) as { timeout?: boolean; times?: number[]; warm_mean_ms?: number; score?: number | null; too_long?: boolean };
      const times = (r.times ?? []).slice().sort((a, b) => a - b);
      meter.push({
        engine,
        input: label,
        chars: [...value].length,
        timeout: !!r.timeout,
        reps: times.length,
        mean_ms: r.warm_mean_ms ?? null,
        max_ms: times.length ? times[times.length - 1] : null,
        score: r.score ?? null,
        too_long: r.too_long ?? false,
      });
      console.log(`${engine} ${label}: ${r.timeout ? "> 30 s" : `${(r.warm_mean_ms ?? 0).toFixed(4)} ms a call (warm; ${times.length} calls)`}`);
    }
  }
  results.meter = meter;
  results.meter_setup = setup;

  // 3. The real reset page: long pastes and the show-password toggle, timed inside the page.
  await page.locator('[data-new-password][data-meter="ready"]').waitFor();
  const lookalikes = [..."раѕѕwоrd-Ρаѕѕ-ｐａｓｓ-p@55w0rd-Ι1|l-О0ο-".repeat(8)].slice(0, 128).join("");
  const huge = "correct horse battery staple ".repeat(140).slice(0, 4000);
  const responsiveness = [];
  // Each paste waits for its own verdict (as tests/meter-long-input.spec.ts checks it): the
  // 4,000 characters for "Too long" with the length rule unmet; the 128 look-alikes for a score
  // with the length rule met. The previous paste's verdict never satisfies the next one's check.
  for (const [label, value, overLimit] of [["paste of 4,000 characters", huge, true], ["paste of 128 look-alike symbols", lookalikes, false]] as const) {
    responsiveness.push(
      await page.evaluate(async ([v, over]) => {
        const field = document.getElementById("new-password") as HTMLInputElement;
        const toggle = document.querySelector('button[data-toggle-for="new-password"]') as HTMLButtonElement;
        const label = document.getElementById("strength-label") as HTMLElement;
        const score = document.getElementById("strength-score") as HTMLElement;
        const lengthRule = document.querySelector('#password-rules li[data-rule="MaxLength"]') as HTMLElement;
        const frame = () => new Promise((r) => requestAnimationFrame(() => r(null)));
        const shown = () =>
          over
            ? label.textContent === "Too long" && lengthRule.dataset.state === "unmet"
            : score.textContent !== "–" && score.textContent !== "" && lengthRule.dataset.state === "met";
        if (field.type !== "password") toggle.click();
        await frame();
        const t0 = performance.now();
        field.value = v; // what a paste does, then the input event
        field.dispatchEvent(new Event("input", { bubbles: true }));
        const inputHandlerMs = performance.now() - t0;
        while (!shown() && performance.now() - t0 < 20_000) await frame();
        const verdictMs = performance.now() - t0;
        const t1 = performance.now();
        toggle.click();
        const clickHandlerMs = performance.now() - t1;
        await frame();
        const toggleFrameMs = performance.now() - t1;
        return { chars: [...v].length, shown: label.textContent, score: score.textContent, seen: shown(), type_after_click: field.type, inputHandlerMs, verdictMs, clickHandlerMs, toggleFrameMs };
      }, [value, overLimit] as const),
    );
    (responsiveness[responsiveness.length - 1] as Record<string, unknown>).label = label;
  }
  results.responsiveness = responsiveness;
  fs.writeFileSync(OUT, JSON.stringify(results, null, 2));
});
