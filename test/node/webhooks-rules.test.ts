import { describe, expect, it } from "vitest";
import { maxAttempts, nextWaitSeconds, parseRetryAfter, retryWaitsSeconds } from "../../functions/lib/retry-schedule.ts";
import { checkWebhookUrl } from "../../functions/lib/ssrf.ts";
import { decideOutcome } from "../../functions/queue/delivery-outcome.ts";

describe("retry schedule", () => {
  it("is immediate, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h", () => {
    expect(retryWaitsSeconds).toEqual([0, 5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]);
    expect(maxAttempts).toBe(10);
  });

  it.each(retryWaitsSeconds.map((wait, i) => [i, wait]))("after %i attempt(s) waits %i s, give or take 10 percent", (made, wait) => {
    expect(nextWaitSeconds(made, null, () => 0)).toBe(Math.round(wait * 0.9));
    expect(nextWaitSeconds(made, null, () => 0.999999)).toBe(Math.round(wait * (0.9 + 0.2 * 0.999999)));
    for (let i = 0; i < 100; i++) {
      const w = nextWaitSeconds(made, null)!;
      expect(w).toBeGreaterThanOrEqual(Math.floor(wait * 0.9));
      expect(w).toBeLessThanOrEqual(Math.ceil(wait * 1.1));
    }
    const spread = new Set(Array.from({ length: 200 }, () => nextWaitSeconds(made, null)));
    if (wait >= 300) expect(spread.size).toBeGreaterThan(10); // it does jitter
  });

  it("has no wait after the tenth attempt", () => {
    expect(nextWaitSeconds(10, null)).toBeNull();
  });

  it("treats Retry-After as a floor, capped at a day", () => {
    expect(nextWaitSeconds(1, 120, () => 0.5)).toBe(120);
    expect(nextWaitSeconds(3, 60, () => 0.5)).toBe(1800);
    expect(nextWaitSeconds(1, 10 * 86400, () => 0.5)).toBe(86400);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    const now = Date.parse("2026-11-21T12:00:00Z");
    expect(parseRetryAfter("120", now)).toBe(120);
    expect(parseRetryAfter("Sat, 21 Nov 2026 12:01:30 GMT", now)).toBe(90);
    expect(parseRetryAfter("Sat, 21 Nov 2026 11:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe("outcome of an attempt", () => {
  const result = (status: number | null, extra: { retryAfterSeconds?: number; abort?: boolean } = {}) => ({
    attempt: { at: "", status_code: status, latency_ms: 1, response_body: null, error: status === null ? "timed out" : null },
    retryAfterSeconds: extra.retryAfterSeconds ?? null,
    abort: extra.abort ?? false,
    timedOut: status === null,
  });

  it.each([
    [200, "succeeded"],
    [204, "succeeded"],
    [301, "pending"],
    [302, "pending"],
    [400, "pending"],
    [404, "pending"],
    [410, "failed"],
    [429, "pending"],
    [500, "pending"],
    [null, "pending"],
  ])("%s → %s", (status, expected) => {
    expect(decideOutcome(result(status), 1, null).status).toBe(expected);
  });

  it("410 disables the endpoint; abort-message stops without blaming it", () => {
    expect(decideOutcome(result(410), 1, null).disable).toMatch(/410/);
    expect(decideOutcome(result(500, { abort: true }), 1, null)).toEqual({ status: "failed", waitSeconds: null, health: null, disable: null });
  });

  it("disables an endpoint failing for 5 days, not one failing for less", () => {
    const now = new Date();
    expect(decideOutcome(result(500), 1, new Date(now.getTime() - 5 * 86_400_000), now).disable).toMatch(/5 days/);
    expect(decideOutcome(result(500), 1, new Date(now.getTime() - 4.9 * 86_400_000), now).disable).toBeNull();
  });
});

describe("URL rules", () => {
  const strict = { allowLoopbackHttp: false };
  const dev = { allowLoopbackHttp: true };

  it.each([
    "http://127.0.0.1:8080/hook",
    "https://127.0.0.1/hook",
    "http://[::1]:8080/hook",
    "https://[::1]/",
  ])("refuses loopback %s without the development setting", (url) => {
    expect(checkWebhookUrl(url, strict).ok).toBe(false);
    expect(checkWebhookUrl(url, dev).ok).toBe(true);
  });

  it.each([
    "http://localhost:8080/",
    "http://127.0.0.2:8080/",
    "http://2130706433:8080/",
    "http://0x7f000001:8080/",
    "http://127.1:8080/",
    "http://[0:0:0:0:0:0:0:1]:8080/",
    "http://[::ffff:127.0.0.1]:8080/",
  ])("refuses %s even with it: only 127.0.0.1 and [::1], spelled so", (url) => {
    expect(checkWebhookUrl(url, dev).ok).toBe(false);
  });

  it.each([
    ["https://user:pw@hooks.example.com/", /userinfo/],
    ["https://10.1.2.3/", /private/],
    ["https://169.254.169.254/", /metadata/],
    ["https://100.64.1.1/", /CGNAT/],
    ["https://[fd12::1]/", /unique local/],
    ["https://[fe80::1]/", /link-local/],
    ["https://[::ffff:10.0.0.1]/", /private/],
    ["https://svc.internal/", /internal/],
    ["https://hooks.example.com:444/", /port 443/],
    // IPv4 in IPv6, every embedding: translated (::ffff:0:0/96), compatible, mapped, NAT64, 6to4, ISATAP
    ["https://[::ffff:0:7f00:1]/", /loopback/],
    ["https://[::ffff:0:a9fe:a9fe]/", /metadata/],
    ["https://[::ffff:0:127.0.0.1]/", /loopback/],
    ["https://[0:0:0:0:ffff:0:a00:1]/", /private/],
    ["https://[::ffff:0:808:808]/", /IPv4-translated/],
    ["https://[::7f00:1]/", /loopback/],
    ["https://[64:ff9b::7f00:1]/", /loopback/],
    ["https://[2002:7f00:1::]/", /loopback/],
    ["https://[2606:4700::5efe:a9fe:a9fe]/", /ISATAP address of a link-local or cloud metadata/],
    ["https://[2606:4700::200:5efe:7f00:1]/", /ISATAP address of a loopback/],
    ["https://[2606:4700::5efe:10.1.2.3]/", /ISATAP address of a private/],
    // and the rest of ::/8, where no other spelling can hide
    ["https://[::1:0:0:7f00:1]/", /reserved/],
    ["https://[::ffff:1:7f00:1]/", /reserved/],
  ])("explains why %s is refused", (url, reason) => {
    const verdict = checkWebhookUrl(url, dev);
    expect(verdict.ok).toBe(false);
    if (!verdict.ok) expect(verdict.reason).toMatch(reason);
  });

  it.each([
    "https://hooks.example.com/x",
    "https://8.8.8.8/",
    "https://[2001:4860:4860::8888]/",
    "https://[::ffff:8.8.8.8]/",
    "https://[2606:4700::5efe:808:808]/",
    "https://172.32.0.1/",
    "https://100.128.0.1/",
  ])(
    "accepts %s",
    (url) => {
      expect(checkWebhookUrl(url, strict).ok).toBe(true);
    },
  );
});
