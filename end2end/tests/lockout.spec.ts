// Issue 3 in a real browser: three bad attempts lock the account, the right password then fails
// like a wrong one, the owner is emailed, an administrator unlocks it with the CLI, and the
// right password signs in again.
import { expect, test, signIn } from "../support/fixtures";
import { emailsTo, runCli } from "../support/run";
import { NEW_PASSWORDS, USERS } from "../support/users";

const gina = USERS.gina;

test("three bad attempts lock the account until an administrator unlocks it with the CLI", async ({ page }) => {
  await page.goto("/login");
  for (let i = 0; i < 3; i++) {
    expect(await signIn(page, gina.username, NEW_PASSWORDS.wrong)).toBe(401);
    await expect(page.locator(".error-summary")).toContainText("The username or password is not right");
  }
  // Locked: the right password gets exactly the same answer as a wrong one (RB-12).
  expect(await signIn(page, gina.username, gina.password)).toBe(401);
  await expect(page.locator(".error-summary")).toContainText("The username or password is not right");
  await expect(page).toHaveURL(/\/login/);

  // The owner is told by email, through the real SMTP server.
  await expect
    .poll(async () => (await emailsTo(gina.email)).map((m) => m.subject), { timeout: 20_000 })
    .toContain("Your HMIS account is locked");

  const listed = await runCli(["user", "list"], "");
  expect(listed.code, listed.stderr).toBe(0);
  expect(listed.stdout).toMatch(/gina\s+gina@example\.com\s+user\s+\w+\s+yes/);

  const unlocked = await runCli(["user", "unlock", gina.username], "");
  expect(unlocked.code, unlocked.stderr).toBe(0);
  expect(unlocked.stdout).toContain('unlocked "gina"');

  expect(await signIn(page, gina.username, gina.password)).toBe(303);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.locator("#signed-in-username")).toHaveText(gina.username);
});
