import { describe, expect, it } from "vitest";
import { redact } from "../../dev/redact.ts";

describe("redact", () => {
  it.each([
    ["GET /rest/v1/ext/add_call_api/?widget_key=wk_1&api_key=rb_live_abcdefghijklmnopqrstuvwxyz012345&lc_number=1 200", "api_key=[redacted]&lc_number"],
    ["Authorization: Bearer rb_test_abcdefghijklmnopqrstuvwxyz012345", "rb_test_[redacted]"],
    ["key rb_pk_live_abcdefghijklmnopqrstuvwxyz012345 used", "rb_pk_live_[redacted]"],
    ["?API_KEY=secret", "API_KEY=[redacted]"],
  ])("hides the key in %j", (line, expected) => {
    const out = redact(line);
    expect(out).toContain(expected);
    expect(out).not.toMatch(/abcdefghijklmnop|=secret/);
  });

  it("leaves other text alone", () => {
    expect(redact("GET /health 200 OK")).toBe("GET /health 200 OK");
  });
});
