// JSON as Python's json.dumps writes it with its defaults: ", " and ": " between items, every
// character outside ASCII escaped (ensure_ascii), and floats as Python's repr writes them. Seed
// 002's Python verifier signs json.dumps(request.json): the body parsed, then written again. For
// a body to pass it, json.dumps of what the body parses to must give the body back, byte for byte;
// this is that fixed point. https://docs.python.org/3/library/json.html#json.dumps

export function pythonJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (value === true) return "true";
  if (value === false) return "false";
  if (typeof value === "number") return pythonNumber(value);
  if (typeof value === "string") return pythonString(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(", ")}]`;
  if (typeof value === "object") {
    // As JSON.stringify: undefined members are left out; key order is kept (Python's dicts keep it too).
    const members = Object.entries(value).filter(([, v]) => v !== undefined);
    return `{${members.map(([k, v]) => `${pythonString(k)}: ${pythonJson(v)}`).join(", ")}}`;
  }
  throw new TypeError(`${typeof value} has no JSON form`);
}

const escapes: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f" };

function pythonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const ch = String.fromCharCode(code);
    // UTF-16 units, as Python writes code points beyond the BMP: a surrogate pair, each \\uXXXX.
    // Everything outside " " to "~" is escaped, DEL included.
    out += escapes[ch] ?? (code < 0x20 || code > 0x7e ? `\\u${code.toString(16).padStart(4, "0")}` : ch);
  }
  return `${out}"`;
}

/**
 * A number as Python writes what it parses from it. Whole numbers are written as integers, which
 * Python reads as int and writes back the same. Others as repr(float): the shortest digits that
 * round-trip (as JavaScript's), in fixed notation from 1e-4 up to 1e16, else as d.ddde±XX.
 */
function pythonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new TypeError(`${n} has no JSON form`);
  if (Number.isInteger(n)) return BigInt(n).toString();
  const [mantissa, exp] = n.toExponential().split("e") as [string, string];
  const exponent = Number(exp);
  if (exponent < -4 || exponent >= 16) return `${mantissa}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  const negative = mantissa.startsWith("-");
  const digits = mantissa.replace("-", "").replace(".", "");
  const point = exponent + 1; // digits before the decimal point
  const fixed =
    point <= 0 ? `0.${"0".repeat(-point)}${digits}` : point >= digits.length ? `${digits}${"0".repeat(point - digits.length)}.0` : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${fixed}` : fixed;
}
