// axe-core on every screen, in the states a person meets them. A violation is reported with
// its rule id and the elements, and fails the test: fix the markup, do not silence the rule.
// Screens reached by GET come first, then those that need a form POST.
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";

import { expect, meterReady, newContext, requestResetLinkDirect, signIn, submitForm, test } from "../support/fixtures";
import { NEW_PASSWORDS, USERS } from "../support/users";

async function axe(page: Page, screen: string): Promise<void> {
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.passes.length, `axe ran on ${screen}`).toBeGreaterThan(10);
  const lines = results.violations.map(
    (v) =>
      `${v.id} [${v.impact}] ${v.help} (${v.helpUrl})\n` +
      v.nodes.map((n) => `    at ${n.target.join(" ")}: ${n.failureSummary?.replace(/\s+/g, " ") ?? ""}\n      ${n.html}`).join("\n"),
  );
  expect.soft(lines, `axe violations on ${screen} (${page.url().replace(/token=[^&]+/, "token=…")})`).toEqual([]);
}

async function save(page: Page): Promise<number> {
  const res = await submitForm(page, () => page.getByRole("button", { name: "Save new password" }).click(), new URL(page.url()).pathname);
  return res.status();
}

test("axe finds no accessibility violations on any screen", async ({ page, browser, request }) => {
  const user = USERS.carol;

  await page.goto("/login");
  await axe(page, "/login");

  await page.goto("/forgot-password");
  await axe(page, "/forgot-password");

  await page.goto("/forgot-password/sent");
  await axe(page, "/forgot-password/sent");

  await page.goto("/reset-password?token=garbage");
  await expect(page.locator("[data-link-problem]")).toBeVisible();
  await axe(page, "a link-problem page (invalid link)");

  await page.goto("/no-such-page");
  await axe(page, "the not-found page");

  const link = await requestResetLinkDirect(request, user);
  await page.goto(link.url);
  await meterReady(page);
  await axe(page, "the reset form");

  await page.locator("#new-password").fill(NEW_PASSWORDS.weak);
  await page.locator("#confirm-password").fill("password12");
  await expect(page.locator("#strength")).toBeVisible();
  await expect(page.locator("#match-status")).toHaveAttribute("data-state", "unmet");
  await axe(page, "the reset form with the meter showing a weak password");

  await page.locator("#new-password").fill(NEW_PASSWORDS.carolReset);
  await page.locator("#confirm-password").fill(NEW_PASSWORDS.carolReset);
  await expect(page.locator("[data-new-password]")).toHaveAttribute("data-acceptable", "true");
  await expect(page.locator("#match-status")).toHaveAttribute("data-state", "met");
  await axe(page, "the reset form with an acceptable password");

  // From here on, each screen needs a form POST.
  await page.locator("#new-password").fill(NEW_PASSWORDS.weak);
  await page.locator("#confirm-password").fill(NEW_PASSWORDS.weak);
  expect(await save(page)).toBe(422);
  await axe(page, "the reset form after a refused weak password");

  // The same refusal as a browser without the script shows it: the server's verdict in the meter.
  {
    const ctx = await newContext(browser);
    const noScript = await ctx.newPage();
    // The script under its logical name or its content-hashed one (/assets/enhance.<hash>.js).
    let blocked = 0;
    await noScript.route(/\/(js\/enhance|assets\/enhance\.[0-9a-f]{12})\.js$/, (r) => {
      blocked += 1;
      return r.abort();
    });
    await noScript.goto(link.url);
    expect(blocked, "the page asked for enhance.js and it was blocked").toBe(1);
    await noScript.locator("#new-password").fill(NEW_PASSWORDS.weak);
    await noScript.locator("#confirm-password").fill(NEW_PASSWORDS.weak);
    expect(await save(noScript)).toBe(422);
    await expect(noScript.locator("#strength")).toBeVisible();
    await axe(noScript, "the reset form after a refused weak password, without the script");
    await ctx.close();
  }

  await meterReady(page);
  await page.locator("#new-password").fill(NEW_PASSWORDS.carolReset);
  await page.locator("#confirm-password").fill(NEW_PASSWORDS.carolReset);
  expect(await save(page)).toBe(303);
  await expect(page).toHaveURL(/\/reset-password\/done$/);
  await axe(page, "/reset-password/done");

  await page.goto(link.url);
  await expect(page.getByRole("heading", { level: 1 })).toHaveText("This link has already been used");
  await axe(page, "a link-problem page (used link)");

  await page.goto("/login");
  expect(await signIn(page, user.username, NEW_PASSWORDS.wrong)).toBe(401);
  await axe(page, "/login after a refused sign-in");

  expect(await signIn(page, user.username, NEW_PASSWORDS.carolReset)).toBe(303);
  await expect(page).toHaveURL(/\/account$/);
  await axe(page, "/account");

  await page.getByRole("link", { name: "Change password" }).click();
  await meterReady(page);
  await axe(page, "/account/password");

  await page.locator("#current-password").fill(NEW_PASSWORDS.wrong);
  await page.locator("#new-password").fill(NEW_PASSWORDS.weak);
  await page.locator("#confirm-password").fill(NEW_PASSWORDS.weak);
  expect(await save(page)).toBe(422);
  await axe(page, "/account/password after a refused change");
});
