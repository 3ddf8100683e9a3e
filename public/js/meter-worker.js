// hmis-access strength-meter worker: runs the `frontend` wasm module (the domain password
// policy with zxcvbn) off the main thread, so scoring never blocks typing.
// Protocol: {id, password, inputs, policy} in; {id, report} out. The newest input wins: when
// several messages are waiting, only the last one is scored.
import init, { evaluate } from "/pkg/meter.js";

// Loading starts when the page opens (the worker is made then), and one throw-away evaluation
// builds zxcvbn's dictionaries (100-200 ms once) before the person's first keystroke.
const ready = init({ module_or_path: "/pkg/meter_bg.wasm" }).then(() => {
  evaluate("warm-up", "{}", "{}");
});
let pending = null;
let scheduled = false;

self.onmessage = (event) => {
  pending = event.data;
  if (!scheduled) {
    scheduled = true;
    // A macrotask later: messages already queued replace `pending` first.
    setTimeout(run, 0);
  }
};

async function run() {
  try {
    await ready;
  } catch (e) {
    scheduled = false;
    self.postMessage({ error: String(e) });
    return;
  }
  scheduled = false;
  const job = pending;
  pending = null;
  if (!job) return;
  const report = JSON.parse(evaluate(job.password, JSON.stringify(job.inputs), JSON.stringify(job.policy)));
  self.postMessage({ id: job.id, report });
}
