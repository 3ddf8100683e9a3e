// End-to-end tests for hmis-access: Debian's chromium (no browser download), one worker.
//
// global-setup.ts starts maildev and target/debug/hmis-access on free ports with a fresh SQLite
// database and the test users; global-teardown.ts stops both. Build first: `scripts/build`
// from the repository root. Run: `cd end2end && npx playwright test`.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "./tests",
  outputDir: "./test-results",
  // Test files run one after another in file-name order; `zz-server-log.spec.ts` runs last on
  // purpose (it checks the server log for every password and token the other tests used).
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: "list",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  globalSetup: require.resolve("./global-setup.ts"),
  globalTeardown: require.resolve("./global-teardown.ts"),
  use: {
    browserName: "chromium",
    headless: true,
    locale: "en-US",
    timezoneId: "UTC",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
      ],
    },
    trace: "retain-on-failure",
  },
  projects: [{ name: "chromium" }],
});
