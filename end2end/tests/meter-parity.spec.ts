// RB-18 / RB-14: the browser's meter (wasm in a Web Worker) and the server (`hmis-access
// password check`, the same policy code) give the same verdict, with the user's own name,
// email, username and agency as zxcvbn user inputs on both sides, on NFC-normalised text.
import { expect, meterReady, requestResetLinkDirect, test, type MeterReport } from "../support/fixtures";
import { runCli } from "../support/run";
import { USERS } from "../support/users";

const SAMPLES: [string, string][] = [
  ["very common", "password1234"],
  ["short and common", "password"],
  ["one character", "a"],
  ["11 characters, leetspeak", "Tr0ub4dor&3"],
  ["keyboard walk", "qwertyuiop123"],
  ["the user's own name", "AliceSmithExample"],
  ["the user's email", "alice@example.com"],
  ["the user's agency", "Harbor Shelter 2024"],
  ["common phrase with spaces", "correct horse battery staple"],
  ["strong passphrase", "Correct-Horse-Battery-Staple-42"],
  ["random symbols", "x7$Kq!v9Lm#2Zp"],
  ["dictionary word and year", "ilovemydog2020!"],
  ["NFC accent", "V\u00e9lo-du-matin-12"],
  ["NFD accent (e + combining acute)", "Ve\u0301lo-du-matin-12"],
  ["spaces inside and out", "  two  spaces inside and out  "],
  ["Latin letters with diacritics", "\u00dcn\u00efc\u00f6d\u00e9-\u03a9mega-Stra\u00dfe-77"],
  ["Japanese", "\u65e5\u672c\u8a9e\u306e\u30d1\u30b9\u30ef\u30fc\u30c9\u3067\u3059\u9577\u3044"],
  ["emoji (outside the BMP)", "\u{1F600}\u{1F34E}\u{1F680}\u{1F308}\u{1F431}\u{1F3B8}\u{1F30D}\u{1F36A}\u{1F6B2}\u{1F4DA}\u{1F9E9}\u{1F3AF}"],
  ["exactly 128 characters", "Zq9!".repeat(32)],
  ["129 characters (too long)", "a".repeat(129)],
];

/** The parts of a report both sides must agree on. */
function comparable(r: MeterReport) {
  return {
    chars: r.verdict.chars,
    score: r.verdict.score,
    acceptable: r.acceptable,
    too_short: r.verdict.too_short,
    too_long: r.verdict.too_long,
    problems: r.problems,
  };
}

test("the browser's meter and the server give the same verdict for 20 sample passwords", async ({ page, request }) => {
  expect(SAMPLES).toHaveLength(20);
  for (const [, pw] of SAMPLES) expect(pw).not.toMatch(/[\r\n]/); // the CLI reads one per line

  const alice = USERS.alice;
  const inputs = { username: alice.username, email: alice.email, full_name: alice.fullName, agency: alice.agency };

  // Any reset form will do as the host page: erin's, so alice's own walk is not disturbed.
  const link = await requestResetLinkDirect(request, USERS.erin);
  await page.goto(link.url);
  await meterReady(page);
  // The page's own inputs have the shape we pass for alice.
  const pageInputs = JSON.parse((await page.locator("[data-new-password]").getAttribute("data-user-inputs")) ?? "{}");
  expect(Object.keys(pageInputs).sort()).toEqual(Object.keys(inputs).sort());
  expect(pageInputs.username).toBe(USERS.erin.username);

  const cli = await runCli(
    ["password", "check", "--username", alice.username, "--email", alice.email, "--full-name", alice.fullName, "--agency", alice.agency],
    SAMPLES.map(([, pw]) => pw).join("\n") + "\n",
  );
  expect(cli.code, cli.stderr).toBe(0);
  const server = cli.stdout.trim().split("\n").map((l) => JSON.parse(l) as MeterReport);
  expect(server).toHaveLength(SAMPLES.length);

  for (const [i, [name, pw]] of SAMPLES.entries()) {
    const browser = await page.evaluate(([p, inp]) => window.hmisMeter!.score(p, inp), [pw, inputs] as const);
    expect.soft(comparable(browser), `sample ${i + 1}: ${name}`).toEqual(comparable(server[i]));
  }

  // Sanity checks on the server side itself (the cases this sample set is about).
  const byName = new Map(SAMPLES.map(([name], i) => [name, server[i]]));
  expect(byName.get("the user's own name")!.acceptable).toBe(false);
  expect(byName.get("the user's email")!.acceptable).toBe(false);
  expect(byName.get("very common")!.acceptable).toBe(false);
  expect(byName.get("strong passphrase")!.acceptable).toBe(true);
  expect(byName.get("129 characters (too long)")!.verdict.too_long).toBe(true);
  expect(byName.get("exactly 128 characters")!.verdict.too_long).toBe(false);
  expect(byName.get("one character")!.verdict.too_short).toBe(true);
  expect(comparable(byName.get("NFD accent (e + combining acute)")!)).toEqual(comparable(byName.get("NFC accent")!));
});
