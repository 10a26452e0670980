import { Transform } from "node:stream";

// wrangler logs each request's URL, and a Brightcall-style link carries `api_key` in its query
// string. Everything wrangler prints passes through here first, so no key reaches a terminal
// or a log file.
const patterns: [RegExp, string][] = [
  [/([?&]api_key=)[^&\s"']*/gi, "$1[redacted]"],
  [/\brb_(pk_)?(live|test)_[0-9A-Za-z]{4,}/g, "rb_$1$2_[redacted]"],
];

export function redact(text: string): string {
  return patterns.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** A line-buffered stream that redacts keys from what flows through it. */
export function redactingStream(): Transform {
  let pending = "";
  return new Transform({
    transform(chunk, _encoding, done) {
      const lines = (pending + chunk.toString()).split("\n");
      pending = lines.pop() ?? "";
      done(null, lines.map((line) => `${redact(line)}\n`).join(""));
    },
    flush(done) {
      done(null, pending ? redact(pending) : "");
    },
  });
}
