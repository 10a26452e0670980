// A webhook receiver for throughput runs: answers 200 at once and keeps only counts (every
// request, distinct webhook-ids, first and last arrival), so a hundred thousand deliveries cost
// the benchmark's process almost nothing. test/setup/webhook-receivers.ts keeps every request
// and checks signatures, which is what tests need and what a throughput run cannot afford.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export async function startCountingReceiver() {
  const ids = new Set<string>();
  let requests = 0;
  let first = 0;
  let last = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      const now = Date.now();
      requests++;
      if (first === 0) first = now;
      last = now;
      const id = req.headers["webhook-id"];
      if (typeof id === "string") ids.add(id);
      res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    stats: () => ({ requests, distinct: ids.size, first, last }),
    reset: () => {
      ids.clear();
      requests = first = last = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
