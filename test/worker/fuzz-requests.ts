import fc from "fast-check";
import { operationOf, routes, type Fixture } from "./route-families.ts";

// Generated requests for the fuzz test: every public route, each request one of its valid ones
// made hostile. Bodies are written as JSON text by hand (not JSON.stringify) so they can hold
// what JSON.stringify cannot: numbers past a double, duplicate keys, a literal __proto__ key.

/** Names of built-in object properties, which a plain {} used as a map would find already there. */
export const builtinNames = [
  "valueOf",
  "toString",
  "hasOwnProperty",
  "__defineGetter__",
  "__lookupSetter__",
  "isPrototypeOf",
  "propertyIsEnumerable",
  "toLocaleString",
  "constructor",
  "__proto__",
  "prototype",
  "then",
  "toJSON",
];

// Times at the edges of what ISO 8601, JavaScript and PostgreSQL each take.
const edgeTimes = [
  "0000-01-01T00:00:00Z",
  "0001-01-01T00:00:00+15:59",
  "2024-01-01T00:00:00+20:00",
  "9999-12-31T23:59:59-15:59",
  "2026-02-30T00:00:00Z",
  "2024-01-01T24:00:00Z",
  "2024-01-01T00:00:60Z",
  "275760-09-13T00:00:00Z",
  "2024-01-01 09:00:00",
  "1969-12-31T23:59:59.999999999Z",
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
const nasty = fc.constantFrom("\u0000", "\u202e", "\ufeff", "\u2028", "\r\n", "\t", "\u0007", "%00", "\\u0000", "'", '"', "<script>", "../", "😀", "é");
const char = fc.oneof({ weight: 3, arbitrary: fc.string({ unit: "grapheme", minLength: 1, maxLength: 1 }) }, { weight: 2, arbitrary: nasty }, { weight: 1, arbitrary: loneSurrogate });

export const hostileString = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: char, maxLength: 30 }) },
  { weight: 3, arbitrary: fc.constantFrom("", " ", "null", "NaN", "1e400", "-0", "+14155550100", "+1415555\u000000", "24:00", ...builtinNames) },
  { weight: 1, arbitrary: fc.constantFrom(...edgeTimes) },
  { weight: 1, arbitrary: fc.integer({ min: 1_000, max: 70_000 }).map((n) => "x".repeat(n)) },
);

/** A number as JSON text, including ones no double holds. */
const numberText = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.integer().map(String),
  fc.constantFrom("1e400", "-1e400", "1E-400", "-0", "123456789012345678901234567890", "9007199254740993", "0.1e1", "1e-7"),
);

/** A JSON value as text. Objects are written from entries, so keys may repeat or be __proto__. */
type Json = { text: string };
const jsonText = (value: unknown): string => (typeof value === "string" ? JSON.stringify(value) : (value as Json).text);
const leaf = fc.oneof(
  hostileString,
  numberText.map((text) => ({ text })),
  fc.constantFrom({ text: "true" }, { text: "false" }, { text: "null" }),
);
const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("value"), { maxLength: 4 }).map((items) => ({ text: `[${items.map(jsonText).join(",")}]` })),
    fc.array(fc.tuple(key(), tie("value")), { maxLength: 4 }).map((entries) => ({ text: objectText(entries) })),
  ),
})).value;

function key() {
  return fc.oneof(
    { weight: 2, arbitrary: fc.constantFrom(...builtinNames) },
    { weight: 2, arbitrary: hostileString },
    { weight: 1, arbitrary: fc.constantFrom("phone", "name", "email", "url", "events", "endpoint_id", "scheduled_at", "start_time", "timezone") },
  );
}

const objectText = (entries: [string, unknown][]) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`).join(",")}}`;

/** The route's valid body with fields added or replaced, at the top or one level down. */
function mutatedBody(valid: unknown) {
  return fc.array(fc.tuple(key(), value, fc.boolean()), { minLength: 1, maxLength: 3 }).map((changes) => {
    const base = valid && typeof valid === "object" && !Array.isArray(valid) ? Object.entries(valid as Record<string, unknown>) : [];
    const entries: [string, unknown][] = base.map(([k, v]) => [k, typeof v === "object" && v !== null ? { text: JSON.stringify(v) } : v]);
    for (const [k, v, nested] of changes) {
      const at = entries.findIndex(([name]) => name === k);
      if (nested && entries.length > 0) entries[0] = [entries[0]![0], { text: objectText([[k, v]]) }];
      else if (at >= 0) entries[at] = [k, v];
      else entries.push([k, v]);
    }
    return objectText(entries);
  });
}

const deepNesting = fc.tuple(fc.integer({ min: 21, max: 3000 }), fc.boolean()).map(([depth, arrays]) =>
  arrays ? "[".repeat(depth) + "]".repeat(depth) : `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
);

/** Bytes that are not UTF-8, and text that is not JSON. */
const brokenBody = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 40 }).map((bytes) => new Uint8Array([0x7b, 0x22, ...bytes, 0xff, 0xfe, 0x22, 0x7d])),
  fc.string({ unit: char, maxLength: 40 }),
  fc.constantFrom("", "{", '{"phone":', "[]", "null", "1e400", '{"phone":"+14155550100",}', "{'phone': 1}", "\u0000"),
);

const contentType = fc.oneof(
  { weight: 6, arbitrary: fc.constant("application/json") },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      null,
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=utf-16",
      "application/json; charset=iso-8859-1",
      "application/json, text/plain",
      "application/problem+json",
      "json",
      "*/*",
    ),
  },
);

const pathId = fc.oneof(hostileString.map(percentEncode), fc.constantFrom("%", "%ff", "%c3%28", "..%2f..%2fhealth", "%00", "%ed%a0%80", "a%2Fb"));

// Mostly the names the routes read, each with values at the edges of what it takes.
const valuesFor: Record<string, fc.Arbitrary<string>> = {
  created_after: fc.constantFrom(...edgeTimes),
  created_before: fc.constantFrom(...edgeTimes),
  limit: numberText,
  status: fc.constantFrom("scheduled", "completed", "pending", "valueOf", ""),
};
/** A query parameter: mostly one the route reads (from the OpenAPI document), at the edges of what it takes. */
const queryParam = (own: string[]) =>
  fc
    .oneof(
      ...(own.length > 0 ? [{ weight: 4, arbitrary: fc.constantFrom(...own) }] : []),
      { weight: 2, arbitrary: fc.constantFrom("limit", "starting_after", "status", "phone", "type", "endpoint_id", "created_after", "api_key", "widget_key", "lc_number") },
      { weight: 1, arbitrary: fc.constantFrom(...builtinNames) },
      { weight: 1, arbitrary: hostileString },
    )
    .chain((name) => {
      const edge = Object.hasOwn(valuesFor, name) ? valuesFor[name] : undefined;
      const value = edge ? fc.oneof({ weight: 3, arbitrary: edge }, { weight: 1, arbitrary: hostileString }) : fc.oneof(hostileString, numberText);
      return value.map((v): [string, string] => [name, v]);
    });
export type FuzzRequest = { route: string; method: string; path: string; contentType: string | null; body: string | Uint8Array | null; headers: Record<string, string> };

/**
 * The workspace the requests run in: its keys, a row of each kind the routes name by id, and the
 * query parameters each route reads ("GET /v1/callbacks" → ["status", …]).
 */
export type FuzzFixture = Fixture & { publishableKey: string; ids: { cb: string; lead: string; we: string; evt: string }; linkPath: string; queryNames: Record<string, string[]> };
type FuzzRoute = { name: string; request: (f: FuzzFixture) => [string, RequestInit] };

// Routes outside route-families: unkeyed, Twilio's (signed by Twilio, so refused here), signed
// links, unknown.
const extraRoutes: FuzzRoute[] = [
  { name: "GET /health", request: () => ["/health", { method: "GET" }] },
  { name: "GET /openapi.json", request: () => ["/openapi.json", { method: "GET" }] },
  ...["status", "twiml", "recording"].map(
    (kind): FuzzRoute => ({
      name: `POST /telephony/twilio/${kind}`,
      request: () => [`/telephony/twilio/${kind}?attempt=att_00000000000000000000000000&leg=agent`, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "CallSid=CA1&CallStatus=ringing" }],
    }),
  ),
  {
    name: "CallMeBack POST /api/v1/form_responses (publishable key)",
    request: (f) => [
      "/api/v1/form_responses",
      { method: "POST", headers: { Authorization: `Bearer ${f.publishableKey}`, Origin: "https://shop.example", "Content-Type": "application/json" }, body: JSON.stringify({ form_response: { domain_id: f.domain.id, form_data: { phone: "+14155550100" } } }) },
    ],
  },
  // A signed link, which takes no key: a person's form posted to it, or a method="get" form's query.
  {
    name: "POST /l/{token}",
    request: (f) => [f.linkPath, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body: "phone=%2B14155550100&name=Ada&consent=yes&consent_text=OK" }],
  },
  { name: "GET /l/{token}", request: (f) => [`${f.linkPath}?phone=%2B14155550100&name=Ada`, { method: "GET" }] },
  { name: "GET /no/such/route", request: (f) => ["/no/such/route", { method: "GET", headers: { Authorization: `Bearer ${f.key}` } }] },
];

export const fuzzedRoutes: FuzzRoute[] = [...routes, ...extraRoutes];


/** `arbitrary` one time in `n`, else null. */
const rarely = <T>(arbitrary: fc.Arbitrary<T>, n: number) => fc.oneof({ weight: n - 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary });

/** One hostile request for `route`, built from its valid one. */
export function fuzzRequest(f: FuzzFixture) {
  return fc
    .record({
      route: fc.constantFrom(...fuzzedRoutes),
      body: fc.oneof(
        { weight: 6, arbitrary: fc.constant("mutate" as const) },
        { weight: 2, arbitrary: value.map(jsonText) },
        { weight: 1, arbitrary: deepNesting },
        { weight: 1, arbitrary: brokenBody },
        { weight: 1, arbitrary: fc.constant("keep" as const) },
      ),
      contentType,
      id: rarely(pathId, 4), // the route's id, hostile
      method: rarely(fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"), 15), // another method
    })
    .chain((picked) => {
      const own = f.queryNames[operationOf(picked.route.name)] ?? [];
      const query = fc.oneof(fc.constant([]), queryParam(own).map((q) => [q]), fc.array(queryParam(own), { minLength: 2, maxLength: 3 }));
      return query.map((q) => ({ ...picked, query: q }));
    })
    .chain(({ route, body, contentType: type, id, query, method }) => {
      const [path, init] = route.request(f);
      const validBody = typeof init.body === "string" ? safeParse(init.body) : undefined;
      const bodyArb = body === "mutate" ? mutatedBody(validBody) : fc.constant(body === "keep" ? ((init.body as string | undefined) ?? null) : body);
      return bodyArb.map((finalBody): FuzzRequest => {
        const url = new URL(path, "https://ringback.test");
        // The route's id: a real row of the workspace, or a hostile one.
        url.pathname = url.pathname.replace(/\/(cb|lead|we|evt)_[0-9a-z]{26}/, (_, prefix: keyof FuzzFixture["ids"]) => `/${f.ids[prefix]}`);
        if (id !== null) url.pathname = url.pathname.replace(/\/((cb|lead|we|evt)_[0-9a-z]{26}|%2B\d+)/, `/${id}`);
        for (const [k, v] of query) url.search += `${url.search ? "&" : "?"}${percentEncode(k)}=${percentEncode(v)}`;
        const headers = Object.fromEntries(new Headers(init.headers).entries());
        delete headers["content-type"];
        const verb = method ?? init.method ?? "GET";
        const sendsBody = !["GET", "HEAD"].includes(verb);
        return {
          route: route.name,
          method: verb,
          path: url.pathname + url.search,
          contentType: sendsBody ? type : null,
          body: sendsBody ? finalBody : null,
          headers,
        };
      });
    });
}

/**
 * encodeURIComponent, except that half a surrogate pair, which it refuses, is written as the
 * three bytes WTF-8 gives it: what a client that does not check its strings would send.
 */
function percentEncode(text: string): string {
  return text.replace(/[\ud800-\udbff][\udc00-\udfff]|[\s\S]/g, (c) => {
    if (c.length === 2 || c.charCodeAt(0) < 0xd800 || c.charCodeAt(0) > 0xdfff) return encodeURIComponent(c);
    const code = c.charCodeAt(0);
    return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join("");
  });
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** How a failing request is shown: enough to send it again by hand. */
export function describeRequest(r: FuzzRequest): string {
  const body = r.body instanceof Uint8Array ? `bytes ${[...r.body].map((b) => b.toString(16).padStart(2, "0")).join(" ")}` : JSON.stringify(r.body)?.slice(0, 400);
  return `${r.method} ${r.path} [${r.contentType ?? "no content type"}] ${body}`;
}
