// Runs last (file-name order, one worker): the server's log, written at debug level for the
// whole run, must not hold any password or reset token the other tests used.
import * as fs from "node:fs";

import { expect, test } from "../support/fixtures";
import { allTokensSent, runInfo } from "../support/run";
import { allKnownPasswords } from "../support/users";

/** The ways a secret could show up in a log: as typed, percent-encoded, form-encoded, JSON. */
function spellings(secret: string): string[] {
  const forms = new Set([
    secret,
    secret.normalize("NFC"),
    encodeURIComponent(secret),
    new URLSearchParams({ x: secret }).toString().slice(2),
    JSON.stringify(secret).slice(1, -1),
  ]);
  return [...forms];
}

test("the server log never contains a password or a reset token", async () => {
  const { serverLog } = runInfo();
  // Colour codes could sit between characters of a field; drop them before searching.
  const log = fs.readFileSync(serverLog, "utf8").replace(/\x1b\[[0-9;]*m/g, "");
  expect(log).toContain("listening");
  expect(log.length).toBeGreaterThan(1000);

  const passwords = allKnownPasswords();
  const tokens = await allTokensSent();
  const found: string[] = [];
  for (const [kind, list] of [["password", passwords], ["token", tokens]] as const) {
    for (const secret of list) {
      for (const s of spellings(secret)) {
        if (log.includes(s)) found.push(`${kind} ${JSON.stringify(secret)} (as ${JSON.stringify(s)})`);
      }
    }
  }
  expect(found, `secrets in ${serverLog}`).toEqual([]);
  test.info().annotations.push({
    type: "checked",
    description: `${passwords.length} passwords and ${tokens.length} tokens against ${log.split("\n").length} log lines`,
  });
});
