// Twilio's X-Twilio-Signature, checked the way Twilio's own Node library checks it
// (twilio/lib/webhooks/webhooks.js, validateRequest and validateRequestWithBody), with WebCrypto
// so it runs in the Worker. https://www.twilio.com/docs/usage/security#validating-requests
import { constantTimeEqual } from "./keys.ts";

/** Form parameters: a record (repeated names as arrays) or the parsed form body itself. */
export type TwilioParams = Record<string, string | readonly string[]> | URLSearchParams;

/** A form POST's parameters, or the raw body of a JSON one (its URL carries bodySHA256). */
export type TwilioPayload = { params: TwilioParams } | { body: string | Uint8Array<ArrayBuffer> };

const encoder = new TextEncoder();

/**
 * base64 HMAC-SHA1, keyed with the auth token, of the URL followed by each parameter's name and
 * value, names sorted. A repeated name's values are deduplicated and sorted, as Twilio's library
 * does; its sort, like ours, orders by UTF-16 code unit.
 */
export async function twilioSignature(authToken: string, url: string, params: TwilioParams = {}): Promise<string> {
  return sign(await hmacKey(authToken), url, params);
}

/**
 * Whether `signature` is Twilio's for this request. Like Twilio's library it tries the URL as
 * received with and without its port, then as `new URL()` writes it, then with its query written
 * by Node's legacy querystring, since Twilio signs the URL as configured, which is not always the
 * form that reaches us.
 */
export async function validTwilioRequest(authToken: string, signature: string | null, url: string, payload: TwilioPayload): Promise<boolean> {
  const key = await hmacKey(authToken);
  const params = "params" in payload ? payload.params : {};
  let valid = false;
  for (const candidate of candidateUrls(url)) {
    valid = constantTimeEqual(signature ?? "", await sign(key, candidate, params));
    if (valid) break;
  }
  if (!valid || "params" in payload) return valid;
  // JSON bodies are not signed themselves: the signed URL carries their hash.
  const claimed = parseUrl(url)?.searchParams.get("bodySHA256") ?? "";
  return constantTimeEqual(claimed, await sha256Hex(payload.body));
}

function* candidateUrls(url: string): Generator<string> {
  yield removePort(url);
  yield addPort(url);
  // Twilio's library throws where the URL does not parse; here such a URL is simply not valid.
  const parsed = parseUrl(url);
  if (!parsed) return;
  const variants = [removePort(parsed.toString()), addPort(parsed.toString())];
  yield* variants;
  yield* variants.map(withLegacyQuerystring);
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

async function sign(key: CryptoKey, url: string, params: TwilioParams): Promise<string> {
  let data = url;
  for (const [name, values] of valuesByName(params).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    for (const value of [...new Set(values)].sort()) data += name + value;
  }
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(data)));
  return btoa(String.fromCharCode(...mac));
}

function valuesByName(params: TwilioParams): [string, string[]][] {
  if (!(params instanceof URLSearchParams)) return Object.entries(params).map(([name, v]) => [name, typeof v === "string" ? [v] : [...v]]);
  const byName = new Map<string, string[]>();
  for (const [name, value] of params) byName.set(name, [...(byName.get(name) ?? []), value]);
  return [...byName];
}

async function hmacKey(authToken: string): Promise<CryptoKey> {
  // An empty token would make every signature forgeable; WebCrypto refuses it too.
  if (authToken === "") throw new Error("the Twilio auth token is empty");
  return crypto.subtle.importKey("raw", encoder.encode(authToken), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
}

async function sha256Hex(body: string | Uint8Array<ArrayBuffer>): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

// The URL split as Twilio's library splits it, without normalising anything.
function splitUrl(url: string) {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)/i.exec(url);
  if (!match) return null;
  // Both groups take part in every match, so the defaults are never used.
  const [prefix, scheme = "", authority = ""] = match;
  const userInfoEnd = authority.lastIndexOf("@");
  const hostAndPort = authority.slice(userInfoEnd + 1);
  // In an IPv6 literal the port's colon comes after the closing bracket.
  const portStart = hostAndPort.indexOf(":", hostAndPort.lastIndexOf("]") + 1);
  return {
    scheme,
    userInfo: authority.slice(0, userInfoEnd + 1),
    host: portStart === -1 ? hostAndPort : hostAndPort.slice(0, portStart),
    port: portStart === -1 ? "" : hostAndPort.slice(portStart),
    rest: url.slice(prefix.length),
  };
}

function addPort(url: string): string {
  const parts = splitUrl(url);
  if (!parts || parts.port) return url;
  const port = parts.scheme.toLowerCase() === "https://" ? ":443" : ":80";
  return parts.scheme + parts.userInfo + parts.host + port + parts.rest;
}

function removePort(url: string): string {
  const parts = splitUrl(url);
  return parts ? parts.scheme + parts.userInfo + parts.host + parts.rest : url;
}

/**
 * The query as Node's querystring.stringify(querystring.parse(query)) writes it. The input is
 * `new URL()` output, so ASCII, where Node's parse reduces to: the first 1000 &-separated pieces,
 * empty ones dropped, split at the first =, + as space, then percent-decoded.
 */
function withLegacyQuerystring(url: string): string {
  const queryStart = url.indexOf("?");
  if (queryStart === -1 || queryStart === url.length - 1) return url;
  // No prototype, like Node's: "__proto__" is a plain key and keys keep JavaScript's own order.
  const parsed: Record<string, string | string[]> = Object.create(null);
  for (const piece of url.slice(queryStart + 1).split("&").slice(0, 1000)) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    const name = legacyUnescape(eq === -1 ? piece : piece.slice(0, eq));
    const value = eq === -1 ? "" : legacyUnescape(piece.slice(eq + 1));
    const seen = parsed[name];
    parsed[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  const query = Object.entries(parsed)
    .flatMap(([name, values]) => [values].flat().map((value) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`))
    .join("&");
  return url.slice(0, queryStart + 1) + query;
}

// querystring.unescape: decodeURIComponent, or where that fails (a stray % or bytes that are not
// UTF-8), each valid %XX as a byte and the bytes read as UTF-8 with replacement characters.
function legacyUnescape(text: string): string {
  const spaced = text.replaceAll("+", " ");
  try {
    return decodeURIComponent(spaced);
  } catch {
    const bytes: number[] = [];
    for (let i = 0; i < spaced.length; i++) {
      const hex = spaced.slice(i + 1, i + 3);
      if (spaced[i] === "%" && /^[0-9a-f]{2}$/i.test(hex)) {
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else bytes.push(spaced.charCodeAt(i));
    }
    return new TextDecoder("utf-8", { fatal: false, ignoreBOM: true }).decode(new Uint8Array(bytes)); // keeps a BOM, as Buffer does
  }
}
