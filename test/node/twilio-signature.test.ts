import { parse, stringify } from "node:querystring";
import twilio from "twilio";
import { describe, expect, it } from "vitest";
import { twilioSignature, validTwilioRequest } from "../../functions/lib/twilio-signature.ts";

// Twilio's own library is the oracle throughout: whatever it signs we must sign, and whatever it
// accepts or refuses we must accept or refuse.
type Params = Record<string, string | string[]>;

// Twilio's library throws where `new URL()` does; a request it cannot read is one it refuses.
function twilioAccepts(token: string, signature: string, url: string, params: Params): boolean {
  try {
    return twilio.validateRequest(token, signature, url, params);
  } catch {
    return false;
  }
}

describe("the documented example", () => {
  const token = "12345";
  const url = "https://mycompany.com/myapp.php?foo=1&bar=2";
  const params = { CallSid: "CA1234567890ABCDE", Caller: "+12349013030", Digits: "1234", From: "+12349013030", To: "+18005551212" };
  const expected = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";
  const withPort = twilio.getExpectedTwilioSignature(token, "https://mycompany.com:443/myapp.php?foo=1&bar=2", params);

  it("signs to Twilio's published signature", async () => {
    expect(twilio.getExpectedTwilioSignature(token, url, params)).toBe(expected);
    expect(await twilioSignature(token, url, params)).toBe(expected);
    expect(await twilioSignature(token, url, new URLSearchParams(params))).toBe(expected);
  });

  it.each([
    ["as signed", url, expected, true],
    ["with the default port added", "https://mycompany.com:443/myapp.php?foo=1&bar=2", expected, true],
    ["with the query changed", "https://mycompany.com/myapp.php?foo=1&bar=3", expected, false],
    // Twilio's library strips whatever port the request shows, so a port-less signature covers all.
    ["with another port", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", expected, true],
    ["signed with :443, shown without", url, withPort, true],
    ["signed with :443, shown with :8443", "https://mycompany.com:8443/myapp.php?foo=1&bar=2", withPort, false],
    ["with the signature's case changed", url, expected.toUpperCase(), false],
    ["with no signature", url, "", false],
  ])("%s: %s", async (_, requestUrl, signature, valid) => {
    expect(twilioAccepts(token, signature, requestUrl, params)).toBe(valid);
    expect(await validTwilioRequest(token, signature, requestUrl, { params })).toBe(valid);
  });

  it("refuses a missing header and an empty token", async () => {
    expect(await validTwilioRequest(token, null, url, { params })).toBe(false);
    await expect(twilioSignature("", url, params)).rejects.toThrow(/empty/);
  });
});

// A small seeded generator, so that a failure names a case that can be run again.
function generator(seed: number) {
  let state = seed;
  const random = () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const text = (pool: readonly string[], max: number) => Array.from({ length: int(max + 1) }, () => pick(pool)).join("");
  return { random, int, pick, text };
}

// Characters that make URLs interesting: escapes valid and not, reserved ones, non-ASCII.
const urlChars = ["a", "Z", "0", "-", "_", ".", "~", "'", "!", "*", "(", "+", " ", "%20", "%27", "%2B", "%C3%A9", "%FF", "%", "é", "ü", "😀", "中", ":", "@", ";", ","];
const queryChars = [...urlChars, "=", "&", "?", "/"];
const paramChars = ["a", "B", "1", " ", "+", "=", "&", "%", "é", "😀", "\u00a0", "中", "-", ""];
const hosts = ["mycompany.com", "Example.COM", "api.ringback.dev", "bücher.example", "127.0.0.1", "[::1]", "xn--bcher-kva.example"];

function randomRequest(seed: number) {
  const g = generator(seed);
  const scheme = g.pick(["https://", "http://", "HTTPS://"]);
  const host = (g.random() < 0.1 ? "user:pw@" : "") + g.pick(hosts);
  const port = g.pick(["", "", "", ":443", ":80", ":8080"]);
  const path = Array.from({ length: g.int(4) }, () => `/${g.text(urlChars, 5)}`).join("");
  const query = g.random() < 0.8 ? `?${g.text(queryChars, 20)}` : "";
  const fragment = g.random() < 0.1 ? `#${g.text(urlChars, 4)}` : "";
  const url = scheme + host + port + path + query + fragment;
  const params: Params = {};
  for (let i = g.int(8); i > 0; i--) {
    const name = g.pick(["CallSid", "From", "To", "Body", "body", "Digits", "a", "A", "é", ""]) + g.text(paramChars, 2);
    params[name] = g.random() < 0.2 ? Array.from({ length: g.int(4) }, () => g.text(paramChars, 4)) : g.text(paramChars, 12);
  }
  return { g, token: `${g.text(["a", "f", "0", "9", "é", "$"], 32)}x`, url, params, other: { scheme, host, port, rest: path + query + fragment } };
}

/** The forms of a URL that Twilio's validateRequest accepts a signature over, built here independently. */
function acceptedForms(url: string, parts: { scheme: string; host: string; port: string; rest: string }): string[] {
  const defaultPort = parts.scheme.toLowerCase() === "https://" ? ":443" : ":80";
  const forms = [parts.scheme + parts.host + parts.rest, parts.scheme + parts.host + (parts.port || defaultPort) + parts.rest];
  const normalized = new URL(url).toString();
  const query = normalized.indexOf("?");
  forms.push(normalized);
  if (query !== -1 && query < normalized.length - 1) forms.push(normalized.slice(0, query + 1) + stringify(parse(normalized.slice(query + 1))));
  return forms;
}

describe("URLs that only Twilio's legacy querystring form matches", () => {
  const token = "12345";
  const params = { CallSid: "CA1" };
  const many = Array.from({ length: 1002 }, (_, i) => `k${i}=%27`).join("&");
  it.each([
    ["an escaped quote", "https://mycompany.com/hook?q=it%27s"],
    ["a plus", "https://mycompany.com/hook?q=1+2&r=%2B"],
    ["bytes that are not UTF-8", "https://mycompany.com/hook?a=%FF%C3&b=%E2%82"],
    ["a byte-order mark before bad bytes", "https://mycompany.com/hook?a=%EF%BB%BF%FF"],
    ["a stray percent", "https://mycompany.com/hook?a=%27%&b=%2"],
    ["empty pieces and bare names", "https://mycompany.com/hook?a=%27&&b&=c&d=e=f&"],
    ["repeated names", "https://mycompany.com/hook?a=%27&b=2&a=3"],
    ["keys JavaScript orders first", "https://mycompany.com/hook?b=%27&2=x&__proto__=y&1=z"],
    ["more than 1000 pieces", `https://mycompany.com/hook?${many}`],
  ])("%s", async (_, url) => {
    const legacy = url.slice(0, url.indexOf("?") + 1) + stringify(parse(url.slice(url.indexOf("?") + 1)));
    expect(legacy).not.toBe(url);
    const signature = twilio.getExpectedTwilioSignature(token, legacy, params);
    expect(twilioAccepts(token, signature, url, params)).toBe(true);
    expect(await validTwilioRequest(token, signature, url, { params })).toBe(true);
  });
});

const seeds = Array.from({ length: 300 }, (_, i) => 1000 + i);

describe("random requests, against Twilio's library", () => {
  it.each(seeds)("seed %i: same signature, same verdict over every accepted form", async (seed) => {
    const { token, url, params, other } = randomRequest(seed);
    const form = new URLSearchParams(Object.entries(params).flatMap(([n, v]) => [v].flat().map((x) => [n, x])));
    for (const signedUrl of acceptedForms(url, other)) {
      const signature = twilio.getExpectedTwilioSignature(token, signedUrl, params);
      expect(await twilioSignature(token, signedUrl, params)).toBe(signature);
      expect(await twilioSignature(token, signedUrl, form)).toBe(signature);
      expect(twilioAccepts(token, signature, url, params)).toBe(true);
      expect(await validTwilioRequest(token, signature, url, { params })).toBe(true);
    }
  });

  it.each(seeds)("seed %i: a one-character change to the URL, a parameter or the signature is refused", async (seed) => {
    const { g, token, url, params } = randomRequest(seed);
    const signature = twilio.getExpectedTwilioSignature(token, url, params);
    // A letter or digit that differs even ignoring case, since hosts and escapes are case-blind.
    const otherThan = (c: string) => g.pick([..."0123456789abcdefghijklmnopqrstuvwxyz"].filter((d) => d !== c.toLowerCase()));
    const change = (s: string) => {
      const chars = [...s];
      const at = g.int(chars.length);
      chars[at] = otherThan(chars[at]!);
      return chars.join("");
    };

    const badUrl = change(url);
    expect(twilioAccepts(token, signature, badUrl, params)).toBe(false);
    expect(await validTwilioRequest(token, signature, badUrl, { params })).toBe(false);

    const badSignature = change(signature);
    expect(twilioAccepts(token, badSignature, url, params)).toBe(false);
    expect(await validTwilioRequest(token, badSignature, url, { params })).toBe(false);

    // A name with no values (an empty array) is not signed at all, so changing it changes nothing.
    const names = Object.keys(params).filter((name) => [params[name]!].flat().length > 0);
    if (names.length === 0) return;
    const name = g.pick(names);
    const value = params[name]!;
    const badParams: Params = { ...params };
    if (typeof value === "string" && value !== "" && g.random() < 0.5) badParams[name] = change(value);
    else if (name !== "") {
      delete badParams[name];
      badParams[change(name)] = value;
    } else return;
    expect(twilioAccepts(token, signature, url, badParams)).toBe(false);
    expect(await validTwilioRequest(token, signature, url, { params: badParams })).toBe(false);
  });
});

describe("JSON bodies (bodySHA256)", () => {
  it.each(seeds.slice(0, 100))("seed %i: agrees with validateRequestWithBody", async (seed) => {
    const { g, token } = randomRequest(seed);
    const body = JSON.stringify({ CallSid: `CA${g.text(["a", "1", "é", "😀"], 30)}`, n: g.int(1000) });
    const hash = twilio.getExpectedBodyHash(body);
    const url = `${g.pick(["https://mycompany.com/myapp.php", "https://mycompany.com:443/hook", "http://127.0.0.1:8787/v1/twilio"])}?bodySHA256=${hash}`;
    const signature = twilio.getExpectedTwilioSignature(token, url, {});

    const cases: [string, string, string | Uint8Array<ArrayBuffer>, boolean][] = [
      [signature, url, body, true],
      [signature, url, new TextEncoder().encode(body), true],
      [signature, url, `${body} `, false],
      [signature, url, body.replace("{", "["), false],
      [signature, url.replace(hash, twilio.getExpectedBodyHash(`${body} `)), `${body} `, false],
      [`${signature.slice(1)}A`, url, body, false],
    ];
    for (const [sig, requestUrl, requestBody, valid] of cases) {
      const text = typeof requestBody === "string" ? requestBody : new TextDecoder().decode(requestBody);
      expect(twilio.validateRequestWithBody(token, sig, requestUrl, text)).toBe(valid);
      expect(await validTwilioRequest(token, sig, requestUrl, { body: requestBody })).toBe(valid);
    }
  });

  it("needs the hash in the URL", async () => {
    const url = "https://mycompany.com/myapp.php";
    const signature = twilio.getExpectedTwilioSignature("12345", url, {});
    expect(twilio.validateRequestWithBody("12345", signature, url, "{}")).toBe(false);
    expect(await validTwilioRequest("12345", signature, url, { body: "{}" })).toBe(false);
  });
});
