// What global-setup.ts started, as the tests see it (through environment variables, which the
// test workers inherit), plus helpers for the mailbox (maildev's REST API) and the CLI.
import { spawn } from "node:child_process";
import * as path from "node:path";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const SERVER_BIN = path.join(REPO_ROOT, "target", "debug", "hmis-access");
export const SCREENSHOT_DIR = path.join(REPO_ROOT, "docs", "screenshots");

export interface RunInfo {
  /** http://127.0.0.1:PORT, no trailing slash. */
  baseUrl: string;
  /** maildev's web/API root, http://127.0.0.1:PORT, no trailing slash. */
  maildevUrl: string;
  /** The temporary folder holding the database, the logs and the mail spool. */
  runDir: string;
  /** stdout + stderr of the hmis-access server. */
  serverLog: string;
  /** The HMIS_* variables the server runs with (the CLI must use the same). */
  hmisEnv: Record<string, string>;
}

export const RUN_ENV = "E2E_RUN_INFO";

export function runInfo(): RunInfo {
  const raw = process.env[RUN_ENV];
  if (!raw) throw new Error(`${RUN_ENV} is not set: run the tests through playwright.config.ts (its globalSetup starts the server)`);
  return JSON.parse(raw) as RunInfo;
}

export function url(p: string): string {
  return runInfo().baseUrl + p;
}

// ---------------------------------------------------------------------------------------------
// Mailbox (maildev 3 REST API: GET /api/email lists every message with its text and HTML parts)

export interface MaildevEmail {
  id: string;
  time: string;
  subject: string;
  text?: string;
  html?: string;
  to: { address: string; name?: string }[];
}

export async function allEmails(): Promise<MaildevEmail[]> {
  const res = await fetch(`${runInfo().maildevUrl}/api/email`);
  if (!res.ok) throw new Error(`maildev answered ${res.status}`);
  return (await res.json()) as MaildevEmail[];
}

export async function emailsTo(address: string): Promise<MaildevEmail[]> {
  const want = address.toLowerCase();
  return (await allEmails())
    .filter((m) => m.to.some((t) => t.address.toLowerCase() === want))
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time)); // newest first
}

const LINK_RE = /(https?:\/\/[^\s"<>]+\/reset-password\?token=([A-Za-z0-9_-]+))/;

export interface ResetLink {
  url: string;
  token: string;
  email: MaildevEmail;
}

/** The ids of the mails `address` has now; pass them to `waitForResetLink` to skip them. */
export async function mailIds(address: string): Promise<Set<string>> {
  return new Set((await emailsTo(address)).map((m) => m.id));
}

/**
 * Waits for a reset email to `address` that is not in `seen` and returns the link from its
 * text part (the newest such email). The outbox worker polls every 2 s, so allow some seconds.
 */
export async function waitForResetLink(address: string, seen: Set<string>, timeoutMs = 20_000): Promise<ResetLink> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const m of await emailsTo(address)) {
      if (seen.has(m.id)) continue;
      const found = LINK_RE.exec(m.text ?? "");
      if (found) return { url: found[1], token: found[2], email: m };
    }
    if (Date.now() > deadline) throw new Error(`no new reset email to ${address} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every reset token any email of this run carried (the log test greps for them). */
export async function allTokensSent(): Promise<string[]> {
  const tokens = new Set<string>();
  for (const m of await allEmails()) {
    for (const part of [m.text ?? "", m.html ?? ""]) {
      for (const t of part.matchAll(/token=([A-Za-z0-9_-]{16,})/g)) tokens.add(t[1]);
    }
  }
  return [...tokens];
}

// ---------------------------------------------------------------------------------------------
// The CLI

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `hmis-access ARGS` from the repository root with the server's HMIS_* settings. */
export function runCli(args: string[], stdin: string, env: Record<string, string> = runInfo().hmisEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(SERVER_BIN, args, {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env, HMIS_LOG: "warn" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin, "utf8");
  });
}
