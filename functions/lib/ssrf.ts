// Which URLs Ringback will POST webhooks to. Checked when an endpoint is registered and again
// before every delivery (an agent's post-call URL is set outside the API, and rules may tighten).
// The WHATWG URL parser already turns every spelling of an IPv4 literal (2130706433, 0x7f.1,
// 0177.0.0.1, 127.1) into dotted decimal, so the range checks below see the real address.

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export type UrlPolicy = {
  /** Local development: plain http (any port) to 127.0.0.1 or [::1], spelled exactly so. */
  allowLoopbackHttp: boolean;
};

const refuse = (reason: string): UrlVerdict => ({ ok: false, reason });

export function checkWebhookUrl(raw: string, policy: UrlPolicy): UrlVerdict {
  // Whitespace, control characters and backslashes are where parsers disagree.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point: URLs carrying them are refused
  if (/[\s\u0000-\u001f\u007f\\]/.test(raw)) return refuse("contains whitespace, control characters or backslashes");
  // The authority as written (userinfo, host and port), before the URL parser normalises it.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(raw)?.[1];
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse("is not a valid URL");
  }
  if (authority === undefined) return refuse("must be an absolute https:// URL");
  if (authority.includes("@") || url.username || url.password) return refuse("must not contain userinfo");
  if (url.protocol !== "https:" && url.protocol !== "http:") return refuse("must use https");

  const rawHost = authority.replace(/:\d*$/, "").toLowerCase();
  if (policy.allowLoopbackHttp && (rawHost === "127.0.0.1" || rawHost === "[::1]")) return { ok: true, url };

  if (url.protocol !== "https:") return refuse("must use https");
  if (url.port !== "") return refuse("must use port 443");

  const host = url.hostname.toLowerCase();
  if (host.startsWith("[")) {
    const blocked = blockedIPv6(host.slice(1, -1));
    return blocked ? refuse(`points at ${blocked}`) : { ok: true, url };
  }
  const v4 = parseIPv4(host);
  if (v4 !== null) {
    const blocked = blockedIPv4(v4);
    return blocked ? refuse(`points at ${blocked}`) : { ok: true, url };
  }
  const name = host.replace(/\.+$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) return refuse("points at localhost");
  if (/(^|\.)(internal|local)$/.test(name)) return refuse("names an internal (.internal or .local) host");
  if (!name.includes(".")) return refuse("must be a fully qualified host name");
  return { ok: true, url };
}

// [first address, prefix length, what it is]
const ipv4Blocked: [number, number, string][] = [
  [ip4(0, 0, 0, 0), 8, "the unspecified network"],
  [ip4(10, 0, 0, 0), 8, "a private address"],
  [ip4(100, 64, 0, 0), 10, "a CGNAT address"],
  [ip4(127, 0, 0, 0), 8, "a loopback address"],
  [ip4(169, 254, 0, 0), 16, "a link-local or cloud metadata address"],
  [ip4(172, 16, 0, 0), 12, "a private address"],
  [ip4(192, 0, 0, 0), 24, "an IETF protocol address"],
  [ip4(192, 0, 2, 0), 24, "a documentation address"],
  [ip4(192, 88, 99, 0), 24, "a 6to4 relay address"],
  [ip4(192, 168, 0, 0), 16, "a private address"],
  [ip4(198, 18, 0, 0), 15, "a benchmarking address"],
  [ip4(198, 51, 100, 0), 24, "a documentation address"],
  [ip4(203, 0, 113, 0), 24, "a documentation address"],
  [ip4(224, 0, 0, 0), 4, "a multicast address"],
  [ip4(240, 0, 0, 0), 4, "a reserved or broadcast address"],
  [ip4(168, 63, 129, 16), 32, "a cloud metadata address"], // Azure's wire server
];

function ip4(a: number, b: number, c: number, d: number): number {
  return ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
}

function parseIPv4(host: string): number | null {
  const parts = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!parts) return null;
  const octets = parts.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return null;
  return octets.reduce((address, octet) => address * 256 + octet, 0);
}

function blockedIPv4(address: number): string | null {
  for (const [base, bits, what] of ipv4Blocked) {
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    if (((address & mask) >>> 0) === base) return what;
  }
  return null;
}

type IPv6Groups = [number, number, number, number, number, number, number, number];

const isEightGroups = (groups: number[]): groups is IPv6Groups => groups.length === 8;

/** The eight 16-bit groups of an IPv6 address, or null if it is not one. */
function parseIPv6(text: string): IPv6Groups | null {
  let tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    // Both groups take part in every match, so the defaults are never used.
    const [, prefix = "", dottedQuad = ""] = dotted;
    const v4 = parseIPv4(dottedQuad);
    if (v4 === null) return null;
    text = prefix.endsWith("::") ? prefix : prefix.slice(0, -1);
    tail = [v4 >>> 16, v4 & 0xffff];
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)));
  // split() always returns at least one piece; a second one means the text had a "::".
  const [before = "", after] = halves;
  const head = groups(before);
  const rest = after === undefined ? [] : groups(after);
  const given = head.length + rest.length + tail.length;
  if ([...head, ...rest].some(Number.isNaN)) return null;
  if (after === undefined && given !== 8) return null;
  if (after !== undefined && given > 7) return null;
  const address = [...head, ...Array<number>(8 - given).fill(0), ...rest, ...tail];
  return isEightGroups(address) ? address : null;
}

/** The IPv4 address carried in two 16-bit groups. */
const v4Of = (hi: number, lo: number) => (((hi << 16) >>> 0) + lo) >>> 0;

function blockedIPv6(text: string): string | null {
  const g = parseIPv6(text);
  if (!g) return "an address that is not valid IPv6";
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(8)) return "the unspecified address";
  if (zeros(7) && g[7] === 1) return "a loopback address";
  // IPv4 inside IPv6: mapped (::ffff:a.b.c.d), translated (::ffff:0:a.b.c.d, SIIT),
  // compatible (::a.b.c.d), NAT64, 6to4, and ISATAP interface ids (…:0:5efe:a.b.c.d, whose
  // IPv4 address is the tunnel's far end).
  if (zeros(5) && g[5] === 0xffff) return blockedIPv4(v4Of(g[6], g[7])) ?? null;
  if (zeros(4) && g[4] === 0xffff && g[5] === 0) return blockedIPv4(v4Of(g[6], g[7])) ?? "an IPv4-translated address";
  if (zeros(6)) return blockedIPv4(v4Of(g[6], g[7])) ?? "an IPv4-compatible address";
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return blockedIPv4(v4Of(g[6], g[7]));
  if (g[0] === 0x64 && g[1] === 0xff9b && g[2] === 1) return "a local-use NAT64 address";
  if (g[0] === 0x2002) return blockedIPv4(v4Of(g[1], g[2]));
  if ((g[4] & 0xfcff) === 0 && g[5] === 0x5efe) {
    const blocked = blockedIPv4(v4Of(g[6], g[7]));
    if (blocked) return `an ISATAP address of ${blocked}`;
  }
  const first = g[0];
  // The rest of ::/8 is reserved: no other spelling of an embedded IPv4 address gets through.
  if (first < 0x0100) return "a reserved address (::/8)";
  if ((first & 0xffc0) === 0xfe80) return "a link-local address";
  if ((first & 0xffc0) === 0xfec0) return "a site-local address";
  if ((first & 0xfe00) === 0xfc00) return "a unique local (ULA) address";
  if ((first & 0xff00) === 0xff00) return "a multicast address";
  if (first === 0x0100 && g.slice(1, 4).every((x) => x === 0)) return "a discard-only address";
  if (first === 0x2001 && g[1] === 0x0db8) return "a documentation address";
  if (first === 0x2001 && g[1] < 0x0200) return "an IETF special-purpose address (Teredo, ORCHID, benchmarking)";
  return null;
}
