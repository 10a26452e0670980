// What the dev servers share: they listen on loopback only, relay only to allow-listed hosts, and
// speak small JSON bodies.
import type { IncomingMessage, Server, ServerResponse } from "node:http";

export const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "::1"];

const MAX_BODY_BYTES = 16 * 1024 * 1024;

// Hosts arrive as "[::1]" from URLs and as "::1" from the driver's own address strings.
export function isAllowedHost(host: string, allowed: readonly string[]): boolean {
  const bare = (h: string) => h.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return allowed.some((a) => bare(a) === bare(host));
}

export function isLoopbackOrigin(origin: string): boolean {
  try {
    return isAllowedHost(new URL(origin).hostname, LOOPBACK_HOSTS);
  } catch {
    return false;
  }
}

export async function listenOnLoopback(server: Server, port = 0): Promise<number> {
  // Node closes an idle keep-alive connection after 5 s. A client (workerd's fetch) that sends on
  // it at that moment gets "Network connection lost", the Worker sees an outage that is not one,
  // and a busy test fails at random. Idle connections are left for the client to close.
  server.keepAliveTimeout = 10 * 60_000;
  server.headersTimeout = server.keepAliveTimeout + 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  return address.port;
}

export async function closeServer(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    // Keep-alive connections would otherwise hold close() open until they time out.
    server.closeAllConnections();
  });
}

export class BadRequest extends Error {}

export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new BadRequest("request body too large");
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new BadRequest("request body is not valid JSON");
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(payload),
  });
  res.end(payload);
}
