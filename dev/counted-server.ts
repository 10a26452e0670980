// The HTTP server under each stand-in (neon-sql, upstash-bridge): it counts the POSTs, which are
// the client's round trips that bench/ reports, and answers a failure the handler did not expect
// with a 500 in the stand-in's own error shape rather than leaving the request hanging.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { sendJson } from "./loopback.ts";

export type CountedServer = { server: Server; readonly requests: number };

export function countedServer(
  name: string,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
  failureBody: unknown,
): CountedServer {
  let requests = 0;
  const server = createServer((req, res) => {
    if (req.method === "POST") requests++;
    handle(req, res).catch((err: unknown) => {
      console.error(`${name}: unexpected failure:`, err);
      if (!res.headersSent) sendJson(res, 500, failureBody);
    });
  });
  return {
    server,
    get requests() {
      return requests;
    },
  };
}
