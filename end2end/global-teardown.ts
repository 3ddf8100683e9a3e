// Stops the server and maildev that global-setup.ts started, keeps their logs in
// end2end/test-results/ (for a look after a failure), and removes the temporary folder
// (set E2E_KEEP_TMP=1 to keep it).
import * as fs from "node:fs";
import * as path from "node:path";

import { PIDS_ENV } from "./global-setup";
import { RUN_ENV, type RunInfo } from "./support/run";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stop(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, "SIGTERM");
  const deadline = Date.now() + 5_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

export default async function globalTeardown(): Promise<void> {
  const pids = JSON.parse(process.env[PIDS_ENV] ?? "[]") as number[];
  // Server first (it may still be handing mail to maildev), then maildev.
  for (const pid of [...pids].reverse()) await stop(pid);

  const raw = process.env[RUN_ENV];
  if (!raw) return;
  const info = JSON.parse(raw) as RunInfo;
  const keep = path.join(__dirname, "test-results");
  fs.mkdirSync(keep, { recursive: true });
  for (const name of ["server.log", "maildev.log"]) {
    const from = path.join(info.runDir, name);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(keep, name));
  }
  if (!process.env.E2E_KEEP_TMP) fs.rmSync(info.runDir, { recursive: true, force: true });
}
