// A double tap on "Save new password" sends the form once: the person sees "Password changed",
// never the alarming "already used" page (the reviewer reproduced that with two submits 60 ms apart).
import { expect, requestResetLinkDirect, test } from "../support/fixtures";
import { NEW_PASSWORDS, USERS } from "../support/users";

test("submitting the reset form twice quickly changes the password once and shows success", async ({ page, request }) => {
  const user = USERS.ivan;
  const link = await requestResetLinkDirect(request, user);
  await page.goto(link.url);
  await page.locator("#new-password").fill(NEW_PASSWORDS.ivanReset);
  await page.locator("#confirm-password").fill(NEW_PASSWORDS.ivanReset);
  const posts: number[] = [];
  page.on("request", (r) => {
    if (r.method() === "POST") posts.push(Date.now());
  });
  await page.evaluate(() => {
    const form = document.querySelector<HTMLFormElement>("form[action='/reset-password']")!;
    form.requestSubmit();
    setTimeout(() => form.requestSubmit(), 60);
  });
  await expect(page).toHaveURL(/\/reset-password\/done$/);
  await expect(page.locator("h1")).toHaveText("Password changed");
  expect(posts.length).toBe(1);
});
