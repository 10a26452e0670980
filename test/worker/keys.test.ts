import { describe, expect, it } from "vitest";
import { constantTimeEqual, generateKey, hashKey, parseKey } from "../../functions/lib/keys.ts";
import { isId, newId } from "../../schemas/ids.ts";

describe("API keys", () => {
  it.each([
    ["secret", "live", /^rb_live_[0-9A-Za-z]{32}$/],
    ["secret", "test", /^rb_test_[0-9A-Za-z]{32}$/],
    ["publishable", "live", /^rb_pk_live_[0-9A-Za-z]{32}$/],
    ["publishable", "test", /^rb_pk_test_[0-9A-Za-z]{32}$/],
  ] as const)("a %s %s key has its documented format", (kind, mode, pattern) => {
    const key = generateKey(kind, mode);
    expect(key).toMatch(pattern);
    expect(parseKey(key)).toEqual({ kind, mode });
  });

  it("carries at least 128 bits of randomness", () => {
    // 32 characters from 62: log2(62) × 32 ≈ 190 bits. Check the alphabet is really used.
    const seen = new Set(Array.from({ length: 200 }, () => generateKey("secret", "live").slice(8)).join(""));
    expect(seen.size).toBe(62);
    expect(32 * Math.log2(62)).toBeGreaterThan(128);
  });

  it("never repeats", () => {
    const keys = new Set(Array.from({ length: 1000 }, () => generateKey("secret", "test")));
    expect(keys.size).toBe(1000);
  });

  it("hashes to sha256 hex", async () => {
    expect(await hashKey("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it.each(["", "rb_live_", "rb_live_short", "rb_prod_0123456789abcdefghijklmnopqrstuv", "xrb_live_0123456789abcdefghijklmnopqrstuv"])(
    "rejects the malformed key %j",
    (key) => expect(parseKey(key)).toBeNull(),
  );

  it("compares hashes exactly", () => {
    expect(constantTimeEqual("abcd", "abcd")).toBe(true);
    expect(constantTimeEqual("abcd", "abce")).toBe(false);
    expect(constantTimeEqual("abcd", "abc")).toBe(false);
  });
});

describe("ids", () => {
  it("are prefixed and sort by creation time", () => {
    const earlier = newId("lead", 1_700_000_000_000);
    const later = newId("lead", 1_700_000_000_001);
    expect(earlier).toMatch(/^lead_[0-9a-hjkmnp-tv-z]{26}$/);
    expect(isId("lead", earlier)).toBe(true);
    expect(isId("callback", earlier)).toBe(false);
    expect(earlier < later).toBe(true);
  });

  it("count up within one millisecond", () => {
    const ids = Array.from({ length: 100 }, () => newId("event", 1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(100);
  });
});
