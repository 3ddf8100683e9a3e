// RB-06: mail scanners and link previews fetch the link before the person does. HEAD and GET
// only show the form; the token is used up only by the POST that sets the password, and the
// link does not depend on a cookie from the browser that asked for it.
import * as http from "node:http";
import { request as playwrightRequest } from "@playwright/test";

import { expect, newContext, requestResetLinkDirect, signIn, submitForm, test } from "../support/fixtures";
import { NEW_PASSWORDS, USERS } from "../support/users";

const SCANNER_UA = "Mozilla/5.0 (compatible; SafeLinksScanner/2.1; +https://scanner.example/bot) HeadlessChrome/120.0";

/** A GET from another loopback address (127.0.0.2), as a scanner on another host would. */
function getFromOtherAddress(u: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(u, { localAddress: "127.0.0.2", headers: { "user-agent": "Outlook-LinkPreview/1.0" } }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
  });
}

test("rb_06 scanners opening the link with HEAD and GET do not consume it", async ({ request, browser }) => {
  const user = USERS.frank;
  const link = await requestResetLinkDirect(request, user);

  // A scanner: its own user agent, no cookies, no browser.
  const scanner = await playwrightRequest.newContext({ userAgent: SCANNER_UA, extraHTTPHeaders: {} });
  const head = await scanner.head(link.url, { maxRedirects: 0 });
  expect(head.status()).toBe(200);
  for (let i = 0; i < 2; i++) {
    const get = await scanner.get(link.url, { maxRedirects: 0 });
    expect(get.status()).toBe(200);
    const body = await get.text();
    expect(body).toContain('id="new-password"');
    expect(body).toContain("Choose a new password");
  }
  // Opening the link sets nothing tied to it: the only cookie is the anti-CSRF one every page
  // sets, and the person's own device later gets its own.
  expect((await scanner.storageState()).cookies.map((c) => c.name)).toEqual(["hmis_csrf"]);
  await scanner.dispose();

  const preview = await getFromOtherAddress(link.url);
  expect(preview.status).toBe(200);
  expect(preview.body).toContain('id="new-password"');

  // The person, on another device: a fresh browser context with nothing from the request.
  const phone = await newContext(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  const p = await phone.newPage();
  await p.goto(link.url);
  await expect(p.getByRole("heading", { level: 1 })).toHaveText("Choose a new password");
  await p.locator("#new-password").fill(NEW_PASSWORDS.frankReset);
  await p.locator("#confirm-password").fill(NEW_PASSWORDS.frankReset);
  const saved = await submitForm(p, () => p.getByRole("button", { name: "Save new password" }).click(), "/reset-password");
  expect(saved.status()).toBe(303);
  await expect(p).toHaveURL(/\/reset-password\/done$/);
  expect(await signIn(p, user.username, NEW_PASSWORDS.frankReset)).toBe(303);
  await expect(p.locator("#signed-in-username")).toHaveText(user.username);
  await phone.close();

  // RB-01 on the way out: now that the POST used it, the link is refused as used.
  const after = await playwrightRequest.newContext({ userAgent: SCANNER_UA });
  const again = await after.get(link.url, { maxRedirects: 0 });
  expect(again.status()).toBe(410);
  expect(await again.text()).toContain("This link has already been used");
  await after.dispose();
});
