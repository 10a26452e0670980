import { describe, expect, it } from "vitest";
import { type Facts, localTimes, schedule } from "../../functions/compliance/decide.ts";
import { easterSunday, holidaysOf } from "../../functions/compliance/holidays.ts";
import { placeOfNumber } from "../../functions/compliance/where.ts";
import places from "../../functions/compliance/phone-places.json" with { type: "json" };
import { holidayCalendars } from "../../functions/compliance/rulebook.ts";

// The lawful-calling decision on fixed instants: the issue's own cases, each kind of hold, and
// the zone precedence. Property tests over the whole rulebook are in compliance-properties.test.ts.

function facts(phone: string, more: Partial<Facts> = {}): Facts {
  return {
    phone,
    explicitZone: null,
    homeZones: { domain: null, workspace: null },
    business: null,
    callingHours: { source: "default", hours: { start: "08:00", end: "21:00" } },
    workspaceCallingHours: null,
    dailyCap: { source: "default", calls: 3 },
    recentAttempts: [],
    notBefore: null,
    ...more,
  };
}

const at = (iso: string) => new Date(iso);

describe("where a number is", () => {
  it("names only zones this runtime knows", () => {
    const unknown = (places.zones as string[]).filter((zone) => {
      try {
        new Intl.DateTimeFormat("en-US", { timeZone: zone });
        return false;
      } catch {
        return true;
      }
    });
    expect(unknown).toEqual([]);
  });

  it.each([
    ["+12125550123", ["America/New_York"], ["US", "US-NY"], "prefix"],
    ["+13055550123", ["America/New_York"], ["US", "US-FL"], "prefix"],
    ["+14055550123", ["America/Chicago"], ["US", "US-OK"], "prefix"],
    ["+14105550123", ["America/New_York"], ["US", "US-MD"], "prefix"],
    ["+18085550123", ["Pacific/Honolulu"], ["US", "US-HI"], "prefix"],
    ["+14165550123", ["America/Toronto"], ["CA", "CA-ON"], "prefix"],
    ["+17875550123", ["America/Puerto_Rico"], ["US", "US-PR"], "prefix"],
    ["+442079460018", ["Europe/London"], ["GB"], "prefix"],
    ["+15005550001", [], ["US"], "none"], // the sandbox's numbers: all of North America, so nothing
    ["+18005551212", [], ["US"], "none"], // toll-free: no state either
    ["+1234567890", [], [], "none"], // seed 000's example is not a valid number
  ])("%s is in %j, %j (%s)", (phone, zones, regions, precision) => {
    const place = placeOfNumber(phone);
    expect(place).toEqual({ zones, regions, precision });
  });

  it("takes a mobile in a country of several zones as the whole country", () => {
    const place = placeOfNumber("+61412345678"); // an Australian mobile
    expect(place.precision).toBe("country");
    expect(place.zones).toEqual(expect.arrayContaining(["Australia/Perth", "Australia/Sydney"]));
  });
});

describe("the issue's cases", () => {
  it("dials a New York number sent in at 18:01 Eastern at once", () => {
    const verdict = schedule(facts("+12125550123"), at("2026-12-01T23:01:00Z"));
    expect(verdict.hold).toBeNull();
    expect(verdict.at?.toISOString()).toBe("2026-12-01T23:01:00.000Z");
    expect(verdict.place).toMatchObject({ zones: ["America/New_York"], zoneSource: "number" });
  });

  it("holds a Honolulu number at 22:00 Hawaii time until 08:00 Hawaii time", () => {
    const verdict = schedule(facts("+18085550123"), at("2026-12-02T08:00:00Z"));
    expect(verdict.hold).toEqual({
      until: "2026-12-02T18:00:00Z",
      reason: "calling_hours",
      rule: "US 08:00-21:00",
      citation: "47 CFR 64.1200(c)(1)",
      zone: "Pacific/Honolulu",
      zone_source: "number",
    });
  });

  it("dials a Los Angeles number at 15:13 local at once", () => {
    expect(schedule(facts("+14155550123"), at("2026-12-01T23:13:00Z")).hold).toBeNull();
  });

  it.each([
    ["+13055550123", "US-FL", "Fla. Stat. § 501.616"],
    ["+14055550123", "US-OK", "15 O.S. § 775C.4"],
    ["+14105550123", "US-MD", "§ 14-4502(c)"],
  ])("%s: 08:00 to 20:00 local, in its own zone", (phone, region, citation) => {
    const zone = placeOfNumber(phone).zones[0]!;
    const now = at("2026-12-02T02:30:00Z"); // 21:30 Eastern, 20:30 Central
    expect(localTimes(now, [zone])[zone]).toMatch(/T(20|21):30/);
    const verdict = schedule(facts(phone), now);
    expect(verdict.hold).toMatchObject({ reason: "calling_hours", rule: `${region} 08:00-20:00`, zone, zone_source: "number" });
    expect(verdict.hold?.citation).toContain(citation);
  });

  it.each(["+13055550123", "+14055550123", "+14105550123"])("%s: a fourth call in 24 hours waits for the first to age out", (phone) => {
    const now = at("2026-06-10T16:00:00Z");
    const earlier = [at("2026-06-10T13:00:00Z"), at("2026-06-10T14:00:00Z"), at("2026-06-10T15:00:00Z")];
    const verdict = schedule(facts(phone, { dailyCap: { source: "domain", calls: 10 }, recentAttempts: earlier }), now);
    expect(verdict.hold).toMatchObject({ reason: "daily_cap", until: "2026-06-11T13:00:00Z" });
    expect(verdict.hold?.rule).toMatch(/^US-(FL|OK|MD) 3 calls per 24 h$/);
  });
});

describe("no call a moment early", () => {
  it("holds half a second before 08:00, until 08:00", () => {
    expect(schedule(facts("+12125550123"), at("2026-12-01T12:59:59.500Z")).hold).toMatchObject({ until: "2026-12-01T13:00:00Z" });
  });

  it("holds until a cap frees, to the second", () => {
    const verdict = schedule(facts("+12125550123", { dailyCap: { source: "domain", calls: 1 }, recentAttempts: [at("2026-11-30T15:00:00.600Z")] }), at("2026-12-01T15:00:00Z"));
    expect(verdict.hold).toMatchObject({ reason: "daily_cap", until: "2026-12-01T15:00:01Z" });
  });

  it("rounding up to the second never lands on the excluded end of a window", () => {
    // The cap frees at 20:59:59.400 in New York; 21:00:00 is already outside the window.
    const verdict = schedule(facts("+12125550123", { dailyCap: { source: "domain", calls: 1 }, recentAttempts: [at("2026-12-01T01:59:59.400Z")] }), at("2026-12-01T20:00:00Z"));
    expect(verdict.hold).toMatchObject({ reason: "calling_hours", until: "2026-12-02T13:00:00Z" });
  });
});

describe("which rule a hold names", () => {
  it("the law's cap over the domain's when both free together", () => {
    const earlier = [at("2026-06-10T13:00:00Z"), at("2026-06-10T14:00:00Z"), at("2026-06-10T15:00:00Z")];
    const verdict = schedule(facts("+13055550123", { dailyCap: { source: "domain", calls: 3 }, recentAttempts: earlier }), at("2026-06-10T16:00:00Z"));
    expect(verdict.hold).toMatchObject({ reason: "daily_cap", rule: "US-FL 3 calls per 24 h" });
    expect(verdict.hold?.citation).toContain("501.616");
  });

  it("calling hours, when the cap frees at night", () => {
    // Three calls from 01:30 Eastern; the cap frees at 21:30 Eastern, when Florida's window is shut.
    const earlier = [at("2026-06-11T01:30:00Z"), at("2026-06-11T01:31:00Z"), at("2026-06-11T01:32:00Z")];
    const verdict = schedule(facts("+13055550123", { dailyCap: { source: "domain", calls: 10 }, recentAttempts: earlier }), at("2026-06-11T14:00:00Z"));
    expect(verdict.hold).toMatchObject({ reason: "calling_hours", rule: "US-FL 08:00-20:00", until: "2026-06-12T12:00:00Z" });
  });
});

describe("holds say why", () => {
  it("a Sunday in Alabama is a state ban", () => {
    const verdict = schedule(facts("+12055550123"), at("2026-12-06T16:00:00Z")); // Sunday 10:00 Central
    expect(verdict.hold).toMatchObject({ reason: "state_ban", rule: "US-AL no calls on Sunday", until: "2026-12-07T14:00:00Z" });
  });

  it("New Year's Day on a Saturday is observed, and banned, on the Friday before, across the year", () => {
    const verdict = schedule(facts("+12055550123"), at("2027-12-31T16:00:00Z")); // Friday 10:00 Central
    expect(verdict.hold).toMatchObject({ reason: "state_ban", rule: "US-AL no calls on New Year's Day (observed)" });
  });

  it("Christmas in Pennsylvania is a state ban", () => {
    const verdict = schedule(facts("+12155550123"), at("2026-12-25T15:00:00Z"));
    expect(verdict.hold).toMatchObject({ reason: "state_ban", rule: "US-PA no calls on Christmas Day", until: "2026-12-26T13:00:00Z" });
  });

  it("a Texas Sunday morning waits for noon", () => {
    const verdict = schedule(facts("+12145550123"), at("2026-12-06T16:00:00Z")); // Sunday 10:00 Central
    expect(verdict.hold).toMatchObject({ reason: "calling_hours", rule: "US-TX 12:00-21:00", until: "2026-12-06T18:00:00Z" });
  });

  it("Mississippi keeps Central Standard Time in summer: 08:30 CDT waits for 09:00 CDT", () => {
    const verdict = schedule(facts("+16015550123"), at("2026-07-07T13:30:00Z"));
    expect(verdict.hold).toMatchObject({ reason: "calling_hours", rule: "US-MS 08:00-20:00", zone: "Etc/GMT+6", until: "2026-07-07T14:00:00Z" });
  });

  it("France's lunch hour, then its weekend", () => {
    const lunch = schedule(facts("+33123456789"), at("2026-12-01T12:30:00Z")); // Tuesday 13:30 Paris
    expect(lunch.hold).toMatchObject({ reason: "calling_hours", rule: "FR 10:00-13:00, 14:00-20:00", until: "2026-12-01T13:00:00Z" });
    const saturday = schedule(facts("+33123456789"), at("2026-12-05T12:30:00Z"));
    expect(saturday.hold).toMatchObject({ reason: "state_ban", rule: "FR no calls on Saturday", until: "2026-12-07T09:00:00Z" });
  });

  it("business hours hold in the domain's zone", () => {
    const business = { timezone: "America/New_York", hours: { "1": [["09:00", "17:00"]] as [string, string][] }, holidays: [] };
    const verdict = schedule(facts("+12125550123", { business, callingHours: { source: "domain", hours: { start: "08:00", end: "21:00" } } }), at("2026-12-01T15:00:00Z"));
    expect(verdict.hold).toMatchObject({ reason: "business_hours", rule: "business hours (America/New_York)", until: "2026-12-07T14:00:00Z" });
  });

  it("a domain's own calling hours narrow the law's", () => {
    const verdict = schedule(facts("+12125550123", { callingHours: { source: "domain", hours: { start: "10:00", end: "18:00" } } }), at("2026-12-01T14:30:00Z"));
    expect(verdict.hold).toMatchObject({ reason: "calling_hours", rule: "domain 10:00-18:00", until: "2026-12-01T15:00:00Z" });
  });

  it("a workspace's own calling hours narrow them too", () => {
    const verdict = schedule(facts("+12125550123", { workspaceCallingHours: { start: "09:00", end: "17:00" } }), at("2026-12-01T22:30:00Z"));
    expect(verdict.hold).toMatchObject({ reason: "calling_hours", rule: "workspace 09:00-17:00", until: "2026-12-02T14:00:00Z" });
  });

  it("zones with no common hour hold with an empty window, not a guess", () => {
    const verdict = schedule(
      facts("+12125550123", { explicitZone: "Asia/Tokyo", callingHours: { source: "domain", hours: { start: "09:00", end: "12:00" } } }),
      at("2026-12-01T15:00:00Z"),
    );
    expect(verdict.at).toBeNull();
    expect(verdict.hold).toMatchObject({ reason: "empty_window", until: null, zone_source: "explicit+number" });
  });
});

describe("zone precedence", () => {
  it("takes both the given zone and the area code's when they disagree", () => {
    const miami = facts("+13055550123", { explicitZone: "America/Los_Angeles" });
    // 19:30 Eastern, 16:30 Pacific: both open.
    expect(schedule(miami, at("2026-12-02T00:30:00Z")).hold).toBeNull();
    // 20:30 Eastern: Florida's 20:00 holds it, though it is 17:30 in Los Angeles.
    expect(schedule(miami, at("2026-12-02T01:30:00Z")).hold).toMatchObject({ rule: "US-FL 08:00-20:00", zone: "America/New_York", zone_source: "explicit+number" });
    // 09:00 Eastern is 06:00 Pacific: held until 08:00 there. Florida's presumption makes its
    // window count wherever the lead may be, so its rule holds it in Los Angeles too.
    expect(schedule(miami, at("2026-12-02T14:00:00Z")).hold).toMatchObject({ rule: "US-FL 08:00-20:00", zone: "America/Los_Angeles", until: "2026-12-02T16:00:00Z" });
  });

  it("keeps every zone of an area code that spans two, even when a given zone is one of them", () => {
    const alaska = facts("+19075550123", { explicitZone: "America/Anchorage" });
    const verdict = schedule(alaska, at("2026-12-01T17:30:00Z")); // 08:30 in Anchorage, 07:30 on Adak
    expect(verdict.place).toMatchObject({ zones: ["America/Anchorage", "America/Adak"], zoneSource: "explicit+number" });
    expect(verdict.hold).toMatchObject({ reason: "calling_hours", zone: "America/Adak", until: "2026-12-01T18:00:00Z" });
  });

  it("keeps every zone of a number that only names its country, even with a zone given", () => {
    const verdict = schedule(facts("+61412345678", { explicitZone: "Australia/Perth" }), at("2026-12-01T01:00:00Z"));
    expect(verdict.place.zoneSource).toBe("explicit+number");
    expect(verdict.place.zones).toEqual(expect.arrayContaining(["Australia/Perth", "Australia/Sydney"]));
  });

  it("takes the domain's zone only when the number says nothing", () => {
    const home = { domain: "Europe/Berlin", workspace: "Asia/Tokyo" };
    expect(schedule(facts("+15005550001", { homeZones: home }), at("2026-12-01T12:00:00Z")).place).toMatchObject({ zones: ["Europe/Berlin"], zoneSource: "domain" });
    expect(schedule(facts("+12125550123", { homeZones: home }), at("2026-12-01T12:00:00Z")).place).toMatchObject({ zones: ["America/New_York"], zoneSource: "number" });
    expect(schedule(facts("+15005550001", { homeZones: { domain: null, workspace: "Asia/Tokyo" } }), at("2026-12-01T12:00:00Z")).place.zoneSource).toBe("workspace");
    expect(schedule(facts("+15005550001"), at("2026-12-01T12:00:00Z")).place).toMatchObject({ zones: ["UTC"], zoneSource: "default" });
  });

  it("an empty window is looked at again a day after the time asked for, not before it", () => {
    const verdict = schedule(
      facts("+12125550123", { explicitZone: "Asia/Tokyo", callingHours: { source: "domain", hours: { start: "09:00", end: "12:00" } }, notBefore: at("2026-12-10T12:00:00Z") }),
      at("2026-12-01T15:00:00Z"),
    );
    expect(verdict.hold?.reason).toBe("empty_window");
    expect(verdict.lookAgainAt.toISOString()).toBe("2026-12-11T12:00:00.000Z");
  });

  it("a scheduled time inside the window is no hold", () => {
    const verdict = schedule(facts("+12125550123", { notBefore: at("2026-12-03T15:00:00Z") }), at("2026-12-01T12:00:00Z"));
    expect(verdict).toMatchObject({ hold: null, at: at("2026-12-03T15:00:00Z") });
  });
});

describe("holiday calendars", () => {
  it.each([
    [2024, "2024-03-31"],
    [2025, "2025-04-20"],
    [2026, "2026-04-05"],
    [2027, "2027-03-28"],
    [2038, "2038-04-25"],
  ])("Easter %i is %s", (year, date) => {
    const easter = easterSunday(year);
    expect(`${easter.year}-${String(easter.month).padStart(2, "0")}-${String(easter.day).padStart(2, "0")}`).toBe(date);
  });

  it("counts weekdays and moves weekend holidays as each statute says", () => {
    const federal = holidaysOf(holidayCalendars["US-federal"]!, 2026);
    expect(federal.get("2026-11-26")).toBe("Thanksgiving Day");
    expect(federal.get("2026-05-25")).toBe("Memorial Day");
    expect(federal.get("2026-07-03")).toBe("Independence Day (observed)"); // 4 July 2026 is a Saturday
    const utah = holidaysOf(holidayCalendars["US-UT"]!, 2026);
    expect(utah.get("2026-06-15")).toBe("Juneteenth National Freedom Day (observed)"); // Friday the 19th → Monday the 15th
    expect(utah.get("2026-04-03")).toBe("Good Friday");
    const rhodeIsland = holidaysOf(holidayCalendars["US-RI"]!, 2026);
    expect(rhodeIsland.get("2026-11-03")).toBe("Election Day");
    expect(holidaysOf(holidayCalendars["US-RI"]!, 2027).has("2027-11-02")).toBe(false);
    const france = holidaysOf(holidayCalendars.FR!, 2026);
    expect(france.get("2026-05-14")).toBe("Ascension");
  });
});

describe("the lead's local time", () => {
  it("is written with its offset", () => {
    expect(localTimes(at("2026-12-01T23:01:00Z"), ["America/New_York", "Asia/Kolkata"])).toEqual({
      "America/New_York": "2026-12-01T18:01:00-05:00",
      "Asia/Kolkata": "2026-12-02T04:31:00+05:30",
    });
  });
});
