// The whole forgot-password walk a case worker makes, with JavaScript (live meter, "Show"
// toggles) and without it (RB-23: every step works and every refusal is explained).
import type { Page } from "@playwright/test";

import { expect, meterReady, requestResetLink, rule, signIn, submitForm, test, type MeterReport } from "../support/fixtures";
import { runCli } from "../support/run";
import { NEW_PASSWORDS, USERS, type TestUser } from "../support/users";

/** The server's own verdict (the CLI runs the same policy code) for `password` and `user`. */
async function cliReport(user: TestUser, password: string): Promise<MeterReport> {
  const r = await runCli(
    ["password", "check", "--username", user.username, "--email", user.email, "--full-name", user.fullName, "--agency", user.agency],
    password + "\n",
  );
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as MeterReport;
}

async function errorSummaryItems(page: Page): Promise<string[]> {
  await expect(page.locator(".error-summary")).toBeVisible();
  return (await page.locator(".error-summary li").allInnerTexts()).map((s) => s.trim());
}

async function typeNewPassword(page: Page, password: string, js: boolean) {
  if (js) {
    // Key by key, as a person types: the meter gets one message per keystroke, newest wins.
    // (After a refusal the refused password is put back in the field: clear it first.)
    await page.locator("#new-password").fill("");
    await page.locator("#confirm-password").fill("");
    await page.locator("#new-password").pressSequentially(password);
    await page.locator("#confirm-password").pressSequentially(password);
  } else {
    await page.locator("#new-password").fill(password);
    await page.locator("#confirm-password").fill(password);
  }
}

async function walk(page: Page, user: TestUser, newPassword: string, changedPassword: string, js: boolean) {
  const weak = NEW_PASSWORDS.weak;

  // Sign-in page → "Forgot password?" → username → "check your email".
  await page.goto("/login");
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Sign in to HMIS");
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page).toHaveURL(/\/forgot-password$/);
  const link = await requestResetLink(page, user);

  // The emailed link opens the form for this user.
  await page.goto(link.url);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Choose a new password");
  await expect(page.locator("main")).toContainText(`For the username ${user.username}`);
  await expect(page.locator("#new-password")).toHaveAttribute("autocomplete", "new-password");
  await expect(page.locator("#confirm-password")).toHaveAttribute("autocomplete", "new-password");

  const toggle = page.locator('button[data-toggle-for="new-password"]');
  if (js) {
    await meterReady(page);
    // "Show" switches the field to plain text and back.
    await expect(toggle).toBeVisible();
    await expect(toggle).toHaveText("Show");
    await expect(page.locator("#new-password")).toHaveAttribute("type", "password");
    await toggle.click();
    await expect(page.locator("#new-password")).toHaveAttribute("type", "text");
    await expect(toggle).toHaveText("Hide");
    await expect(toggle).toHaveAttribute("aria-pressed", "true");
    await toggle.click();
    await expect(page.locator("#new-password")).toHaveAttribute("type", "password");
    await expect(toggle).toHaveText("Show");
    await expect(toggle).toHaveAttribute("aria-pressed", "false");
  } else {
    // Without JavaScript the toggle could not work, so it stays hidden; no meter either.
    await expect.soft(toggle, "the Show toggle stays hidden without JavaScript").toBeHidden({ timeout: 1000 });
    await expect(page.locator("#strength")).toBeHidden();
    await expect(rule(page, "Strength")).toHaveAttribute("data-state", "pending");
  }

  // A weak password: the meter says so as it is typed (JS), and the server refuses it anyway.
  const serverVerdict = await cliReport(user, weak);
  expect(serverVerdict.acceptable).toBe(false);
  await typeNewPassword(page, weak, js);
  let meterProblems: string[] | null = null;
  if (js) {
    await expect(page.locator("#strength")).toBeVisible();
    await expect(rule(page, "MinLength")).toHaveAttribute("data-state", "met");
    await expect(rule(page, "Strength")).toHaveAttribute("data-state", "unmet");
    await expect(page.locator("[data-new-password]")).toHaveAttribute("data-acceptable", "false");
    const score = Number(await page.locator("#strength-score").innerText());
    expect(score).toBeLessThan(3);
    await expect(page.locator("#strength-warning")).not.toBeEmpty();
    await expect(page.locator("#match-status")).toHaveAttribute("data-state", "met");
    const last = await page.evaluate(() => window.hmisMeter!.last());
    expect(last).not.toBeNull();
    meterProblems = last!.problems;
    expect(meterProblems).toEqual(serverVerdict.problems);
  }
  const refused = await submitForm(page, () => page.getByRole("button", { name: "Save new password" }).click(), "/reset-password");
  expect(refused.status()).toBe(422);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("Choose a new password");
  const listed = await errorSummaryItems(page);
  expect(listed).toEqual(serverVerdict.problems);
  if (meterProblems) expect(listed).toEqual(meterProblems);
  // The refused password is put back so the person can adjust it (RB-18); never the confirmation.
  await expect(page.locator("#new-password")).toHaveValue(weak);
  await expect(page.locator("#confirm-password")).toHaveValue("");
  if (!js) {
    // The server's verdict fills the meter and the rule list (no script needed).
    await expect(page.locator("#strength")).toBeVisible();
    await expect(rule(page, "Strength")).toHaveAttribute("data-state", "unmet");
    await expect(rule(page, "MinLength")).toHaveAttribute("data-state", "met");
    await expect(page.locator("#strength-score")).toHaveText(String(serverVerdict.verdict.score));
    await expect(page.locator("#strength-warning")).toHaveText(serverVerdict.verdict.warning ?? "");
  }

  // A strong passphrase, twice: acceptable, and the two fields match.
  if (js) await meterReady(page);
  await typeNewPassword(page, newPassword, js);
  if (js) {
    await expect(page.locator("[data-new-password]")).toHaveAttribute("data-acceptable", "true");
    for (const r of ["MinLength", "MaxLength", "Strength"] as const) await expect(rule(page, r)).toHaveAttribute("data-state", "met");
    await expect(page.locator("#match-status")).toHaveAttribute("data-state", "met");
    await expect(page.locator("#match-status")).toHaveText("The two passwords match.");
    expect(Number(await page.locator("#strength-score").innerText())).toBeGreaterThanOrEqual(3);
  }
  const saved = await submitForm(page, () => page.getByRole("button", { name: "Save new password" }).click(), "/reset-password");
  expect(saved.status()).toBe(303);
  await expect(page).toHaveURL(/\/reset-password\/done$/);
  await expect(page.getByText("Password changed. Sign in with your new password.")).toBeVisible();

  // The old password no longer works; the new one does.
  await page.goto("/login");
  expect(await signIn(page, user.username, user.password)).toBe(401);
  await expect(page.locator(".error-summary")).toContainText("The username or password is not right.");
  expect(await signIn(page, user.username, newPassword)).toBe(303);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator("#signed-in-username")).toHaveText(user.username);

  // Change it again while signed in.
  await page.getByRole("link", { name: "Change password" }).click();
  await expect(page).toHaveURL(/\/account\/password$/);
  await page.locator("#current-password").fill(newPassword);
  if (js) await meterReady(page);
  await typeNewPassword(page, changedPassword, js);
  if (js) {
    await expect(page.locator("[data-new-password]")).toHaveAttribute("data-acceptable", "true");
    await expect(page.locator("#match-status")).toHaveAttribute("data-state", "met");
  }
  const changed = await submitForm(page, () => page.getByRole("button", { name: "Save new password" }).click(), "/account/password");
  expect(changed.status()).toBe(303);
  await expect(page).toHaveURL(/\/login\?notice=password-changed$/);
  await expect(page.locator(".notice")).toHaveText("Password changed. Sign in with your new password.");

  // Signed out by the change; the reset-time password is refused, the newest works.
  await page.goto("/account");
  await expect(page).toHaveURL(/\/login\?next=\/account/);
  expect(await signIn(page, user.username, newPassword)).toBe(401);
  expect(await signIn(page, user.username, changedPassword)).toBe(303);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator("#signed-in-username")).toHaveText(user.username);
}

test.describe("with JavaScript", () => {
  test("a case worker resets a forgotten password, signs in and changes it, with the live meter", async ({ page }) => {
    await walk(page, USERS.alice, NEW_PASSWORDS.aliceReset, NEW_PASSWORDS.aliceChanged, true);
  });
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("a case worker resets a forgotten password, signs in and changes it, with JavaScript disabled", async ({ page }) => {
    await walk(page, USERS.bob, NEW_PASSWORDS.bobReset, NEW_PASSWORDS.bobChanged, false);
  });
});
