// Fingerprints the files pages load, so the server can let browsers and CDNs cache them for a
// year (`Cache-Control: immutable`): each one is copied to `assets/<stem>.<hash>.<ext>`, where
// <hash> is the first 12 hex digits of the SHA-256 of the bytes written, and `assets.json` maps
// every logical path to its hashed URL (the server reads it at start-up; the benchmark reads it
// too, so keep its shape: one flat object, logical path -> URL).
//
// Files that name other files are done after them, and those names are rewritten to the hashed
// ones, so a change anywhere changes every hash that depends on it:
//   meter_bg.wasm -> meter.js -> meter-worker.js -> enhance.js;  hmis_access.css stands alone.
// Every rewrite must match exactly as often as expected: if a file stops naming another the way
// we expect, the build fails instead of shipping a page that loads a stale or missing file.
// The unhashed originals are left where they are (pages cached before a deploy may ask for them).
//
// Usage: node scripts/fingerprint-assets.mjs target/site    (run by scripts/build)
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, posix } from "node:path";

const site = process.argv[2];
if (!site) {
  console.error("usage: node scripts/fingerprint-assets.mjs SITE_DIR");
  process.exit(2);
}

// In dependency order. `rewrites`: [text in the file, logical path it stands for, times expected,
// how to write the hashed URL]. meter.js names the wasm relative to itself (its default when the
// worker passes no URL); the others use absolute paths.
const FILES = [
  { path: "/pkg/meter_bg.wasm", rewrites: [] },
  { path: "/pkg/meter.js", rewrites: [["'meter_bg.wasm'", "/pkg/meter_bg.wasm", 1, (u) => `'${posix.basename(u)}'`]] },
  {
    path: "/js/meter-worker.js",
    rewrites: [
      ['"/pkg/meter.js"', "/pkg/meter.js", 1, (u) => `"${u}"`],
      ['"/pkg/meter_bg.wasm"', "/pkg/meter_bg.wasm", 1, (u) => `"${u}"`],
    ],
  },
  { path: "/js/enhance.js", rewrites: [['"/js/meter-worker.js"', "/js/meter-worker.js", 1, (u) => `"${u}"`]] },
  { path: "/pkg/hmis_access.css", rewrites: [] },
];

const outDir = join(site, "assets");
rmSync(outDir, { recursive: true, force: true }); // no stale hashes from earlier builds
mkdirSync(outDir, { recursive: true });

const manifest = {};
for (const { path, rewrites } of FILES) {
  let bytes = readFileSync(join(site, path));
  if (rewrites.length > 0) {
    let text = bytes.toString("utf8");
    for (const [from, logical, expected, write] of rewrites) {
      const found = text.split(from).length - 1;
      if (found !== expected) {
        throw new Error(`${path}: expected ${from} ${expected} time(s), found it ${found} time(s)`);
      }
      text = text.replaceAll(from, write(manifest[logical]));
    }
    bytes = Buffer.from(text, "utf8");
  }
  const hash = createHash("sha256").update(bytes).digest("hex").slice(0, 12);
  const { name, ext } = posix.parse(path);
  const hashedName = `${name}.${hash}${ext}`;
  writeFileSync(join(outDir, hashedName), bytes);
  manifest[path] = `/assets/${hashedName}`;
}

writeFileSync(join(site, "assets.json"), JSON.stringify(manifest, null, 2) + "\n");
for (const [logical, url] of Object.entries(manifest)) console.log(`  ${logical} -> ${url}`);
