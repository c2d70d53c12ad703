// Completes package-lock.json with the platform-specific optional packages the registry mirror
// of our build machines does not serve (it holds only the variants someone already fetched,
// e.g. @rollup/rollup-linux-x64-gnu but not -darwin-arm64). npm then leaves them out of the
// lock, and `npm ci` refuses the lock as out of sync with package.json.
//
// Each missing optional dependency gets the entry npm itself would write for it: its version
// and its os/cpu/libc constraints, read from the package name (`cli-darwin-arm64`,
// `rollup-linux-x64-musl`, …). `npm ci` skips every entry whose constraints do not match the
// machine, so nothing unreachable is fetched. Run it after `npm install` changes the lock:
//   node scripts/complete-lock.mjs
import { readFileSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const OS = ["android", "darwin", "freebsd", "linux", "openbsd", "openharmony", "sunos", "win32", "aix", "netbsd"];
const CPU = ["arm64", "arm", "x64", "ia32", "loong64", "ppc64", "riscv64", "s390x", "mips64el", "wasm32"];

/** os, cpu and libc of a platform package from the parts of its name, or null if none. */
export function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((p) => OS.includes(p));
  const cpu = parts.find((p) => CPU.includes(p)) ?? (parts.includes("gnueabihf") || parts.includes("musleabihf") || parts.includes("eabi") ? "arm" : undefined);
  if (!os || !cpu) return null;
  const entry = { os: [os], cpu: [cpu] };
  if (os === "linux") {
    if (parts.some((p) => p.startsWith("musl"))) entry.libc = ["musl"];
    else if (parts.some((p) => p.startsWith("gnu"))) entry.libc = ["glibc"];
  }
  return entry;
}

/** Adds the missing platform entries to `lock` in place; returns how many were added. */
export function completeLock(lock) {
  const packages = lock.packages;
  let added = 0;
  for (const [key, meta] of Object.entries({ ...packages })) {
    for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
      const base = key === "" ? "" : `${key}/`;
      const candidates = [`${base}node_modules/${dep}`, `node_modules/${dep}`];
      if (candidates.some((c) => c in packages)) continue;
      const platform = platformOf(dep);
      if (!platform) {
        throw new Error(`${dep}@${version} (optional, of ${key || "the root"}) is not in the lock and is not a platform package; run npm install where the registry serves it`);
      }
      packages[`node_modules/${dep}`] = { version, dev: meta.dev, optional: true, ...platform };
      added += 1;
    }
  }

  lock.packages = Object.fromEntries(
    Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
  );
  return added;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const path = new URL("../package-lock.json", import.meta.url);
  const lock = JSON.parse(readFileSync(path, "utf8"));
  const added = completeLock(lock);
  writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
  console.log(`package-lock.json: added ${added} platform entries`);
}
