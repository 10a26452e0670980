import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { hexSignature } from "../../functions/lib/signing.ts";
import { pythonJson } from "../../functions/lib/python-json.ts";
import { randomJson, rng } from "../setup/random-json.ts";

// Post-call bodies for seed 002's Python verifier (an agent's post_call_json = python): checked
// by that verifier itself, run verbatim by python3 (test/setup/seed-002-verify.py), where the
// machine has one.

const verifier = fileURLToPath(new URL("../setup/seed-002-verify.py", import.meta.url));
const hasPython = spawnSync("python3", ["--version"]).status === 0;
const bytes = (s: string) => new TextEncoder().encode(s);

function pythonVerdicts(cases: { body: string; signature: string; secret: string }[]): boolean[] {
  const run = spawnSync("python3", [verifier], { input: cases.map((c) => JSON.stringify(c)).join("\n"), encoding: "utf8" });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as boolean[];
}

// Numbers at the edges of Python's float repr (fixed from 1e-4 up to 1e16) and big whole numbers.
const numbers = [0, -0, 1, -1, 2.35, 0.1, 0.0001, 0.00001, 1e-7, -1.5e-5, 123456789.125, 1e15 + 0.5, 1e16, 1.5e16, 1e21, 12345678901234567e3, Number.MAX_SAFE_INTEGER, 5e-324];

describe.runIf(hasPython)("seed 002's Python verifier", () => {
  it("accepts python-style bodies, Unicode, control characters and edge numbers included, and refuses a changed one", async () => {
    const random = rng(20261201);
    const payloads = [...Array.from({ length: 150 }, () => randomJson(random)), { numbers }, { text: "\u007f\u0000\u001f\u2028 é 🎉 \"\\/" }];
    const cases = await Promise.all(
      payloads.map(async (payload, i) => {
        const body = pythonJson(payload);
        const secret = `secret-${i}-ü`;
        return { body, signature: await hexSignature(secret, bytes(body)), secret };
      }),
    );
    expect(pythonVerdicts(cases)).toEqual(cases.map(() => true));
    // The same payloads as compact JSON do not pass: one body cannot satisfy both verifiers.
    const compact = await Promise.all(cases.map(async (c) => ({ ...c, signature: await hexSignature(c.secret, bytes(JSON.stringify(JSON.parse(c.body)))) })));
    expect(pythonVerdicts(compact).filter(Boolean).length).toBe(0);
  });
});

describe("pythonJson", () => {
  it("writes what json.dumps writes", () => {
    expect(pythonJson({ a: [1, 2.5, null, true], "é": "日本 🎉\n", n: 1e-5, big: 1e21 })).toBe(
      '{"a": [1, 2.5, null, true], "\\u00e9": "\\u65e5\\u672c \\ud83c\\udf89\\n", "n": 1e-05, "big": 1000000000000000000000}',
    );
  });

  it("parses back to what it was given", () => {
    const random = rng(9);
    for (let i = 0; i < 200; i++) {
      const value = randomJson(random);
      expect(JSON.parse(pythonJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    }
    expect(JSON.parse(pythonJson({ numbers }))).toEqual({ numbers: numbers.map((n) => (Object.is(n, -0) ? 0 : n)) });
  });
});
