// Playwright configuration for the browser half of `scripts/bench` (issue 6): not part of the
// test suite. scripts/bench starts a release server and passes BENCH_BASE_URL, BENCH_RESET_URL
// and BENCH_OUT; the spec writes its measurements to BENCH_OUT as JSON.
import { defineConfig } from "@playwright/test";
import base from "./playwright.config";

export default defineConfig({
  ...base,
  testDir: "./bench",
  testMatch: /.*\.bench\.ts/,
  outputDir: "./test-results-bench",
  globalSetup: undefined,
  globalTeardown: undefined,
  // The reference meter needs minutes on long input (each call is cut off at 30 s).
  timeout: 15 * 60_000,
});
