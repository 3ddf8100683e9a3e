// `test` with the base URL of the server global-setup.ts started, and page-level helpers
// shared by the spec files.
import { test as base, expect, type APIRequestContext, type Browser, type BrowserContext, type BrowserContextOptions, type Page, type Response } from "@playwright/test";

import { mailIds, runInfo, waitForResetLink, type ResetLink } from "./run";
import type { TestUser } from "./users";

export { expect };

export const test = base.extend({
  // The port is chosen at run time by global-setup.ts, so the base URL cannot be in the config.
  baseURL: async ({}, use) => {
    await use(runInfo().baseUrl);
  },
});

/** A second browser context ("another device"): no cookies or storage from the first. */
export async function newContext(browser: Browser, options: BrowserContextOptions = {}): Promise<BrowserContext> {
  return browser.newContext({ baseURL: runInfo().baseUrl, locale: "en-US", timezoneId: "UTC", ...options });
}

/** The meter API enhance.js puts on new-password pages (for these tests). */
export interface MeterReport {
  verdict: {
    chars: number;
    min_chars: number;
    max_chars: number;
    min_score: number;
    too_short: boolean;
    too_long: boolean;
    score: number | null;
    crack_time: string | null;
    warning: string | null;
    suggestions: string[];
  };
  acceptable: boolean;
  label: string;
  checks: { rule: string; met: boolean; label: string }[];
  problems: string[];
}

declare global {
  interface Window {
    hmisMeter?: {
      score(password: string, inputs?: Record<string, string>): Promise<MeterReport>;
      last(): MeterReport | null;
    };
  }
}

/** Clicks `button` (or presses Enter) and returns the response to the form POST it caused. */
export async function submitForm(page: Page, action: () => Promise<void>, pathname: string): Promise<Response> {
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === pathname),
    action(),
  ]);
  await page.waitForLoadState("domcontentloaded");
  if (res.status() === 403) {
    // Name the cause plainly: the product's same-origin check refused its own form.
    const origin = (await res.request().allHeaders())["origin"];
    const heading = await page.getByRole("heading", { level: 1 }).first().textContent();
    throw new Error(
      `POST ${pathname} from the site's own page was refused with 403 ("${heading}"); the browser sent Origin: ${origin ?? "(none)"}. ` +
        `Browsers send "Origin: null" on form POSTs from a page served with "Referrer-Policy: no-referrer", so the server's same-origin check refuses every real form.`,
    );
  }
  return res;
}

/** Asks for a reset link for `identifier` through the forgot-password form; returns the link. */
export async function requestResetLink(page: Page, user: TestUser, identifier = user.username): Promise<ResetLink> {
  const seen = await mailIds(user.email);
  await page.goto("/forgot-password");
  await page.locator("#identifier").fill(identifier);
  await submitForm(page, () => page.getByRole("button", { name: "Send" }).click(), "/forgot-password");
  await expect(page).toHaveURL(/\/forgot-password\/sent$/);
  await expect(page.getByText("If an account matches, we sent a link")).toBeVisible();
  const link = await waitForResetLink(user.email, seen);
  expect(link.url.startsWith(runInfo().baseUrl + "/reset-password?token=")).toBe(true);
  expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return link;
}

/**
 * Asks for a reset link with a plain HTTP POST (no browser, no Origin header), for tests whose
 * subject is the link rather than the forgot-password page.
 */
export async function requestResetLinkDirect(request: APIRequestContext, user: TestUser): Promise<ResetLink> {
  const seen = await mailIds(user.email);
  // Like a browser: open the form first (the request context keeps the CSRF cookie it sets).
  const form = await (await request.get("/forgot-password")).text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(form)?.[1] ?? "";
  expect(csrf).not.toBe("");
  const res = await request.post("/forgot-password", { form: { identifier: user.username, csrf }, maxRedirects: 0 });
  expect(res.status()).toBe(303);
  expect(res.headers()["location"]).toBe("/forgot-password/sent");
  const link = await waitForResetLink(user.email, seen);
  expect(link.url.startsWith(runInfo().baseUrl + "/reset-password?token=")).toBe(true);
  expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return link;
}

/** Signs in through /login; returns the status of the POST (303 on success, 401 refused). */
export async function signIn(page: Page, username: string, password: string): Promise<number> {
  if (new URL(page.url(), "http://x").pathname !== "/login") await page.goto("/login");
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(password);
  const res = await submitForm(page, () => page.getByRole("button", { name: "Sign in" }).click(), "/login");
  return res.status();
}

/** Waits until the meter worker answered once (JavaScript on). */
export async function meterReady(page: Page): Promise<void> {
  await expect(page.locator('[data-new-password][data-meter="ready"]')).toBeVisible();
}

/** The state of one policy rule in the list under the new-password field. */
export function rule(page: Page, name: "MinLength" | "MaxLength" | "Strength") {
  return page.locator(`#password-rules li[data-rule="${name}"]`);
}
