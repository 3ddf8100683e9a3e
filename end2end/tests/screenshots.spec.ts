// Screenshots of every screen at desktop (1280 px) and phone (390 px) width, written to
// docs/screenshots/<screen>-desktop.png and <screen>-phone.png at the repository root.
// Screens reached by GET come first, then those that need a form POST.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Page } from "@playwright/test";

import { expect, meterReady, requestResetLinkDirect, signIn, submitForm, test } from "../support/fixtures";
import { SCREENSHOT_DIR } from "../support/run";
import { NEW_PASSWORDS, USERS } from "../support/users";

const SIZES = [
  { suffix: "desktop", width: 1280, height: 800 },
  { suffix: "phone", width: 390, height: 844 },
] as const;

async function shoot(page: Page, screen: string): Promise<void> {
  for (const s of SIZES) {
    await page.setViewportSize({ width: s.width, height: s.height });
    const file = path.join(SCREENSHOT_DIR, `${screen}-${s.suffix}.png`);
    await page.screenshot({ path: file, fullPage: true, animations: "disabled", caret: "hide" });
    expect(fs.statSync(file).size).toBeGreaterThan(1000);
  }
  await page.setViewportSize({ width: SIZES[0].width, height: SIZES[0].height });
}

async function typeTwice(page: Page, password: string): Promise<void> {
  await page.locator("#new-password").fill(password);
  await page.locator("#confirm-password").fill(password);
}

async function save(page: Page): Promise<number> {
  const res = await submitForm(page, () => page.getByRole("button", { name: "Save new password" }).click(), "/reset-password");
  return res.status();
}

test("every screen is captured at desktop and phone width", async ({ page, request }) => {
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const user = USERS.dana;

  await page.goto("/login");
  await shoot(page, "login");

  await page.goto("/forgot-password");
  await shoot(page, "forgot-password");

  await page.goto("/forgot-password/sent");
  await shoot(page, "forgot-password-sent");

  await page.goto("/reset-password?token=garbage");
  await shoot(page, "link-invalid");

  const link = await requestResetLinkDirect(request, user);
  await page.goto(link.url);
  await meterReady(page);
  await shoot(page, "reset-password");

  await page.locator("#new-password").fill(NEW_PASSWORDS.weak);
  await expect(page.locator("#strength-warning")).not.toBeEmpty();
  await shoot(page, "reset-password-weak");

  await typeTwice(page, NEW_PASSWORDS.danaReset);
  await expect(page.locator("#match-status")).toHaveAttribute("data-state", "met");
  await expect(page.locator("[data-new-password]")).toHaveAttribute("data-acceptable", "true");
  await shoot(page, "reset-password-strong");

  // From here on, each screen needs a form POST.
  await typeTwice(page, NEW_PASSWORDS.weak);
  expect(await save(page)).toBe(422);
  await expect(page.locator(".error-summary")).toBeVisible();
  await shoot(page, "reset-password-refused");

  await meterReady(page);
  await typeTwice(page, NEW_PASSWORDS.danaReset);
  expect(await save(page)).toBe(303);
  await expect(page).toHaveURL(/\/reset-password\/done$/);
  await shoot(page, "reset-password-done");

  await page.goto(link.url);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This link has already been used");
  await shoot(page, "link-used");

  await page.goto("/login");
  expect(await signIn(page, user.username, NEW_PASSWORDS.wrong)).toBe(401);
  await shoot(page, "login-refused");

  expect(await signIn(page, user.username, NEW_PASSWORDS.danaReset)).toBe(303);
  await expect(page).toHaveURL(/\/account$/);
  await shoot(page, "account");

  await page.getByRole("link", { name: "Change password" }).click();
  await meterReady(page);
  await shoot(page, "account-password");

  await page.getByRole("link", { name: "Cancel" }).click();
  await expect(page).toHaveURL(/\/account$/);
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login\?notice=signed-out$/);
  await shoot(page, "signed-out");
});
