// A WebSocket-to-TCP proxy, so that the driver's Pool and Client (and drizzle-orm/neon-serverless)
// reach a local PostgreSQL with
//   neonConfig.wsProxy = (host, port) => `${proxy}/v1?address=${host}:${port}`
// and useSecureWebSocket, pipelineTLS and pipelineConnect all false. Bytes pass through untouched.
import { createServer, type IncomingMessage } from "node:http";
import { connect, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type RawData, type WebSocket } from "ws";
import { LOOPBACK_HOSTS, closeServer, isAllowedHost, listenOnLoopback } from "./loopback.ts";

export interface WsProxyOptions {
  port?: number;
  allowedHosts?: string[];
}

export interface WsProxy {
  proxy: string;
  port: number;
  close(): Promise<void>;
}

// Stop reading from Postgres while this much is still waiting to go out on the WebSocket.
const HIGH_WATER_BYTES = 1024 * 1024;

export async function startWsProxy(opts: WsProxyOptions = {}): Promise<WsProxy> {
  const allowedHosts = opts.allowedHosts ?? LOOPBACK_HOSTS;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const upstreams = new Set<Socket>();

  const server = createServer((_req, res) => {
    res.writeHead(426, { "Content-Type": "text/plain" }).end("WebSocket upgrade required\n");
  });
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", () => socket.destroy());
    const target = parseAddress(req.url ?? "");
    if (target === undefined) return refuse(socket, 400, "Bad Request");
    if (!isAllowedHost(target.host, allowedHosts)) return refuse(socket, 403, "Forbidden");

    // Reach Postgres before accepting the upgrade: the client writes its startup message as soon as
    // the socket opens, and an unreachable target becomes an HTTP error, not an open-then-close.
    const tcp = connect({ host: target.host, port: target.port });
    upstreams.add(tcp);
    tcp.once("close", () => upstreams.delete(tcp));
    socket.on("error", () => tcp.destroy());
    const abandon = () => tcp.destroy();
    socket.once("close", abandon);
    tcp.once("error", () => refuse(socket, 502, "Bad Gateway"));
    tcp.once("connect", () => {
      socket.off("close", abandon);
      tcp.removeAllListeners("error");
      wss.handleUpgrade(req, socket, head, (ws) => pipe(ws, tcp));
    });
  });

  const port = await listenOnLoopback(server, opts.port);
  return {
    proxy: `127.0.0.1:${port}`,
    port,
    async close() {
      for (const ws of wss.clients) ws.terminate();
      for (const tcp of upstreams) tcp.destroy();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await closeServer(server);
    },
  };
}

function pipe(ws: WebSocket, tcp: Socket): void {
  ws.on("message", (data) => {
    if (!tcp.write(toBuffer(data))) ws.pause();
  });
  tcp.on("drain", () => ws.resume());
  tcp.on("data", (chunk: Buffer) => {
    ws.send(chunk, () => {
      if (tcp.isPaused() && ws.bufferedAmount < HIGH_WATER_BYTES) tcp.resume();
    });
    if (ws.bufferedAmount >= HIGH_WATER_BYTES) tcp.pause();
  });

  // Either side ending ends the other; errors just tear both down.
  ws.on("close", () => tcp.end());
  ws.on("error", () => tcp.destroy());
  tcp.on("close", () => ws.close(1000));
  tcp.on("error", () => ws.terminate());
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

// The driver writes the address unencoded: "127.0.0.1:5432", "localhost:5432", "::1:5432".
export function parseAddress(url: string): { host: string; port: number } | undefined {
  const address = new URL(url, "http://proxy").searchParams.get("address");
  if (address === null) return undefined;
  const colon = address.lastIndexOf(":");
  if (colon <= 0) return undefined;
  const host = address.slice(0, colon).replace(/^\[(.*)\]$/, "$1");
  const port = Number(address.slice(colon + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  return { host, port };
}

function refuse(socket: Duplex, status: number, reason: string): void {
  if (!socket.writable) return void socket.destroy();
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
