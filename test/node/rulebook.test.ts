import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildPhonePlaces, phonePlacesPath, renderPhonePlaces } from "../../dev/phone-places.ts";

// The data behind lawful calling: the rulebook names the version of what it holds, and the
// phone-places map is what Google's libphonenumber data, as installed, says.

type RuleData = { id: string; region: string; citation: string; sources: string[]; effective_from: string | null; effective_note?: string };
const book = JSON.parse(readFileSync(new URL("../../functions/compliance/rulebook.json", import.meta.url), "utf8")) as {
  content_sha256: string;
  holiday_calendars: unknown;
  rules: RuleData[];
};

describe("the rulebook", () => {
  it("carries the hash of its calendars and rules, so an edit must also change its version", () => {
    const hash = createHash("sha256").update(JSON.stringify({ holiday_calendars: book.holiday_calendars, rules: book.rules })).digest("hex");
    expect(book.content_sha256, `rulebook.json changed: give it a new version, and set content_sha256 to ${hash}`).toBe(hash);
  });

  it.each(book.rules.map((rule): [string, RuleData] => [rule.id, rule]))("%s has a citation, a source and an effective date or a reason why not", (_, r) => {
    expect(r.citation.length).toBeGreaterThan(5);
    expect(r.sources.length).toBeGreaterThan(0);
    expect(r.effective_from !== null || (r.effective_note ?? "").length > 0).toBe(true);
  });

  it("has Florida, Oklahoma and Maryland at 08:00 to 20:00 with 3 calls per 24 hours", () => {
    for (const region of ["US-FL", "US-OK", "US-MD"]) {
      const rule = book.rules.find((r) => r.region === region);
      expect(rule, region).toMatchObject({ hours: { "mon-sun": [["08:00", "20:00"]] }, cap: { calls: 3, hours: 24 } });
    }
  });
});

describe("phone-places.json", () => {
  it("is what the installed libphonenumber data gives (npm run data:phone-places rewrites it)", () => {
    expect(readFileSync(phonePlacesPath, "utf8")).toBe(renderPhonePlaces(buildPhonePlaces()));
  });
});
