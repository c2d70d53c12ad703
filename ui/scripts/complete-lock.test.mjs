import { describe, expect, it } from "vitest";
import { completeLock, platformOf } from "./complete-lock.mjs";

describe("platformOf", () => {
  it("reads os, cpu and libc from platform package names", () => {
    expect(platformOf("@rollup/rollup-linux-x64-musl")).toEqual({ os: ["linux"], cpu: ["x64"], libc: ["musl"] });
    expect(platformOf("@rollup/rollup-linux-arm-gnueabihf")).toEqual({ os: ["linux"], cpu: ["arm"], libc: ["glibc"] });
    expect(platformOf("@tauri-apps/cli-darwin-arm64")).toEqual({ os: ["darwin"], cpu: ["arm64"] });
    expect(platformOf("@tauri-apps/cli-win32-ia32-msvc")).toEqual({ os: ["win32"], cpu: ["ia32"] });
    expect(platformOf("fsevents"), "not a platform package").toBeNull();
  });
});

describe("completeLock", () => {
  it("adds missing platform variants as skipped optional entries and keeps present ones", () => {
    const lock = {
      packages: {
        "": { devDependencies: { rollup: "^4" } },
        "node_modules/rollup": {
          version: "4.1.0",
          dev: true,
          optionalDependencies: { "@rollup/rollup-linux-x64-gnu": "4.1.0", "@rollup/rollup-darwin-arm64": "4.1.0" },
        },
        "node_modules/@rollup/rollup-linux-x64-gnu": { version: "4.1.0", integrity: "sha512-x" },
      },
    };
    expect(completeLock(lock)).toBe(1);
    expect(lock.packages["node_modules/@rollup/rollup-darwin-arm64"]).toEqual({
      version: "4.1.0", dev: true, optional: true, os: ["darwin"], cpu: ["arm64"],
    });
    expect(lock.packages["node_modules/@rollup/rollup-linux-x64-gnu"].integrity, "present entries untouched").toBe("sha512-x");
    expect(completeLock(lock), "running again adds nothing").toBe(0);
  });

  it("refuses a missing optional dependency that is not a platform package", () => {
    const lock = { packages: { "node_modules/x": { version: "1.0.0", optionalDependencies: { fsevents: "2.0.0" } } } };
    expect(() => completeLock(lock)).toThrow(/fsevents/);
  });
});
