// A caught error as the log may show it: without the values the failed statement carried.
//
// drizzle's DrizzleQueryError puts every parameter in its message ("params: …"), and PostgreSQL's
// detail, hint and where quote them too ("Key (phone)=(…)", "portal parameter $1 = '…'"). Those
// are lead names, emails, phones and consent text, and while legacy webhook secrets are being
// sealed, plaintext secrets used as compare-and-swap values. The log gets what finds the fault:
// name, message, SQLSTATE, routine, query text and stack frames, for the error and each cause.

const maxDepth = 5;

/** The error and its causes, one per line group, with no statement parameters. */
export function loggable(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < maxDepth; e = causeOf(e), depth++) {
    parts.push(`${depth === 0 ? "" : "caused by: "}${describe(e)}`);
  }
  return parts.join("\n");
}

function describe(e: unknown): string {
  if (!(e instanceof Error)) return typeof e === "string" ? e : `a thrown ${typeof e}`;
  // Fields the database drivers add to their errors.
  const code = "code" in e ? e.code : undefined;
  const routine = "routine" in e ? e.routine : undefined;
  const query = "query" in e ? e.query : undefined;
  let message = withoutParams(e.message);
  // Class 22 (data exception) messages quote the value refused: 'invalid input syntax for type
  // integer: "…"'. The value is a parameter; the type it failed is what matters.
  if (typeof code === "string" && code.startsWith("22")) message = message.replace(/"[^"]*"/g, '"…"');
  const facts = [
    typeof code === "string" && `SQLSTATE ${code}`,
    typeof routine === "string" && `routine ${routine}`,
    typeof query === "string" && !message.includes(query) && `query: ${query}`,
  ].filter(Boolean);
  // The stack's first line repeats the message, parameters and all: only the frames are kept.
  const frames = (e.stack ?? "")
    .replace(e.message, "")
    .split("\n")
    .filter((line) => /^\s+at /.test(line));
  return [`${nameOf(e)}: ${message}${facts.length ? ` [${facts.join(", ")}]` : ""}`, ...frames].join("\n");
}

// DrizzleQueryError leaves `name` as "Error"; its class says what it is.
const nameOf = (e: Error) => (e.name === "Error" && e.constructor.name && e.constructor.name !== "Error" ? e.constructor.name : e.name);

// drizzle: "Failed query: <sql>\nparams: <values>". The values run to the end of the message.
function withoutParams(message: string): string {
  const at = message.indexOf("\nparams:");
  return at < 0 ? message : message.slice(0, at);
}

// drizzle keeps the driver's error as `cause`; the Neon HTTP driver keeps a failed fetch's as `sourceError`.
function causeOf(e: unknown): unknown {
  if (!(e instanceof Error)) return undefined;
  return e.cause ?? ("sourceError" in e ? e.sourceError : undefined);
}
