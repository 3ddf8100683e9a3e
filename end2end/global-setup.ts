// Starts what the tests need, on free loopback ports, in a fresh temporary folder:
//   1. maildev (SMTP sink + REST API), from node_modules;
//   2. the test accounts, through `hmis-access user add --password-stdin`;
//   3. target/debug/hmis-access in local mode (HMIS_DEV=1), sending mail to maildev.
// The tests learn the URLs from E2E_RUN_INFO (see support/run.ts); global-teardown.ts stops
// both processes. Build first with `scripts/build` (repository root).
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { FullConfig } from "@playwright/test";

import { REPO_ROOT, RUN_ENV, SERVER_BIN, runCli, type RunInfo } from "./support/run";
import { USERS } from "./support/users";

export const PIDS_ENV = "E2E_CHILD_PIDS";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function distinctFreePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

function tcpOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

async function waitFor(what: string, child: ChildProcess, logFile: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before it was ready; its log:\n${tail(logFile)}`);
    }
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} was not ready within ${timeoutMs} ms; its log:\n${tail(logFile)}`);
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, "utf8").split("\n").slice(-40).join("\n");
  } catch {
    return "(no log)";
  }
}

async function httpOk(u: string): Promise<boolean> {
  const res = await fetch(u);
  return res.ok;
}

/** Our own environment without any HMIS_* or LEPTOS_* setting a developer may have exported. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("HMIS_") && !k.startsWith("LEPTOS_") && !k.startsWith("E2E_")) env[k] = v;
  }
  return env;
}

export default async function globalSetup(_config: FullConfig): Promise<void> {
  if (!fs.existsSync(SERVER_BIN)) {
    throw new Error(`${SERVER_BIN} is missing: run scripts/build from the repository root first`);
  }
  const maildevBin = path.join(__dirname, "node_modules", ".bin", "maildev");
  if (!fs.existsSync(maildevBin)) {
    throw new Error(`${maildevBin} is missing: run \`PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci\` in end2end/`);
  }

  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "hmis-e2e-"));
  const [smtpPort, webPort, appPort] = await distinctFreePorts(3);
  const children: ChildProcess[] = [];
  // If the runner dies between here and the teardown, take the children with it.
  process.on("exit", () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  });

  try {
    // 1. maildev
    const maildevLog = path.join(runDir, "maildev.log");
    const mailDir = path.join(runDir, "maildev");
    fs.mkdirSync(mailDir);
    const maildev = spawn(
      maildevBin,
      ["--smtp", String(smtpPort), "--web", String(webPort), "--ip", "127.0.0.1", "--web-ip", "127.0.0.1", "--mail-directory", mailDir],
      { cwd: __dirname, env: cleanEnv(), stdio: ["ignore", fs.openSync(maildevLog, "a"), fs.openSync(maildevLog, "a")] },
    );
    children.push(maildev);
    const maildevUrl = `http://127.0.0.1:${webPort}`;
    await waitFor("maildev", maildev, maildevLog, async () => (await httpOk(`${maildevUrl}/api/healthz`)) && (await tcpOpen(smtpPort)));

    // 2. the accounts
    const baseUrl = `http://127.0.0.1:${appPort}`;
    const hmisEnv: Record<string, string> = {
      HMIS_DEV: "1",
      // E2E_DATABASE_URL: run against PostgreSQL instead (scripts/test does one walk that way).
      HMIS_DATABASE_URL: process.env.E2E_DATABASE_URL || `sqlite:${path.join(runDir, "hmis-access.db")}`,
      HMIS_PUBLIC_URL: baseUrl,
      HMIS_LISTEN_ADDR: `127.0.0.1:${appPort}`,
      HMIS_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      HMIS_MAILBOX_DIR: path.join(runDir, "mailbox"),
      // Debug level on purpose: not even the most verbose log may hold a password or a token.
      HMIS_LOG: process.env.E2E_HMIS_LOG ?? "debug",
      LEPTOS_SITE_ROOT: path.join(REPO_ROOT, "target", "site"),
    };
    for (const u of Object.values(USERS)) {
      const r = await runCli(
        ["user", "add", "--username", u.username, "--email", u.email, "--full-name", u.fullName, "--agency", u.agency, "--password-stdin"],
        u.password + "\n",
        hmisEnv,
      );
      if (r.code !== 0) throw new Error(`creating the account ${u.username} failed (${r.code}): ${r.stderr}${r.stdout}`);
    }

    // 3. the server (cwd = repository root, like scripts/run)
    const serverLog = path.join(runDir, "server.log");
    const server = spawn(SERVER_BIN, ["serve"], {
      cwd: REPO_ROOT,
      env: { ...cleanEnv(), ...hmisEnv },
      stdio: ["ignore", fs.openSync(serverLog, "a"), fs.openSync(serverLog, "a")],
    });
    children.push(server);
    await waitFor("hmis-access", server, serverLog, () => httpOk(`${baseUrl}/healthz`));

    const info: RunInfo = { baseUrl, maildevUrl, runDir, serverLog, hmisEnv };
    fs.writeFileSync(path.join(runDir, "run.json"), JSON.stringify(info, null, 2));
    process.env[RUN_ENV] = JSON.stringify(info);
    process.env[PIDS_ENV] = JSON.stringify(children.map((c) => c.pid));
  } catch (e) {
    for (const c of children) c.kill("SIGKILL");
    throw e;
  }
}
