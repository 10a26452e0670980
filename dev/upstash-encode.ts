// Redis replies as Upstash writes them in JSON. With `Upstash-Encoding: base64` every string is
// base64 of its bytes (nested arrays included), numbers and null stay as they are, and a top-level
// "OK" stays readable: Upstash documents that exception and the client's decode() relies on it.
// Replies from ioredis do not say whether "OK" was a status or a stored value; both decode alike.

export function encodeReply(reply: unknown, base64: boolean): unknown {
  if (base64 && isOk(reply)) return "OK";
  return encode(reply, base64);
}

function encode(value: unknown, base64: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return value;
  // Lua booleans, as ioredis-mock hands them over: Redis turns true into 1 and false into nil.
  if (typeof value === "boolean") return value ? 1 : null;
  if (Buffer.isBuffer(value)) return base64 ? value.toString("base64") : value.toString("utf8");
  if (typeof value === "string") return base64 ? Buffer.from(value, "utf8").toString("base64") : value;
  if (Array.isArray(value)) return value.map((item) => encode(item, base64));
  // An error nested in an array (a script's table, an EXEC reply) travels as its message.
  if (value instanceof Error) return encode(value.message, base64);
  throw new TypeError(`unexpected Redis reply of type ${typeof value}`);
}

function isOk(reply: unknown): boolean {
  return reply === "OK" || (Buffer.isBuffer(reply) && reply.length === 2 && reply.toString("latin1") === "OK");
}
