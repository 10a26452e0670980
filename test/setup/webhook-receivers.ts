import { createHmac } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { Webhook } from "standardwebhooks";
import { closeServer, listenOnLoopback, readJson, sendJson } from "../../dev/loopback.ts";
import type { ReceivedRequest, ReceiverConfig } from "./webhook-types.ts";

export type { ReceivedRequest, ReceiverConfig, ScriptedResponse } from "./webhook-types.ts";

// Webhook receivers for the tests and the benchmark: a real HTTP server on loopback that the
// Worker reaches over the network. Each named receiver answers from a script of responses, then
// 200, and verifies every request it gets in Node, independently of the Worker's code:
//   - webhook-signature with the `standardwebhooks` package, under each configured secret;
//   - X-Ringback-Signature as seed 002's receivers would (hex HMAC-SHA256 of the raw body);
//   - X-Calldock-Signature with seed 002's own verifyWebhook, on the parsed body.
// Tests configure receivers and read what they got through /control/.

const { verifyWebhook } = createRequire(import.meta.url)("./seed-002-verify.cjs") as {
  verifyWebhook(payload: unknown, signature: string | undefined, secret: string): boolean;
};

type Receiver = { config: ReceiverConfig; requests: ReceivedRequest[]; served: number };

export async function startReceivers(options: { record?: boolean } = {}) {
  const receivers = new Map<string, Receiver>();
  const get = (name: string) => {
    let r = receivers.get(name);
    if (!r) {
      r = { config: {}, requests: [], served: 0 };
      receivers.set(name, r);
    }
    return r;
  };
  let total = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => sendJson(res, 500, { error: String(err) }));
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://receiver");
    const control = /^\/control\/receivers\/([\w-]+)$/.exec(url.pathname);
    if (control) {
      const receiver = get(control[1]!);
      if (req.method === "PUT") {
        receiver.config = (await readJson(req)) as ReceiverConfig;
        receiver.served = 0; // a new script starts from its first response
        return sendJson(res, 200, { ok: true });
      }
      return sendJson(res, 200, { requests: receiver.requests });
    }
    const hook = /^\/r\/([\w-]+)/.exec(url.pathname);
    if (!hook) return sendJson(res, 404, { error: "no such path" });
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const raw = Buffer.concat(chunks);
    total++;
    const receiver = get(hook[1]!);
    const headers: Record<string, string> = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")]));
    const request: ReceivedRequest = { at: Date.now(), answered: null, method: req.method ?? "", path: url.pathname, headers, body: raw.toString("utf8"), verdicts: verify(receiver.config, raw, headers) };
    if (options.record !== false) receiver.requests.push(request);
    const scripted = receiver.config.responses?.[receiver.served++];
    if (scripted?.delayMs) await new Promise((r) => setTimeout(r, scripted.delayMs));
    res.writeHead(scripted?.status ?? 200, { "Content-Type": "text/plain", ...scripted?.headers });
    res.end(scripted?.body ?? "ok");
    request.answered = Date.now();
  }

  const port = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    received: () => total,
    requestsOf: (name: string) => get(name).requests,
    configure: (name: string, config: ReceiverConfig) => Object.assign(get(name), { config, served: 0 }),
    close: () => closeServer(server),
  };
}

function verify(config: ReceiverConfig, raw: Buffer, headers: Record<string, string>): ReceivedRequest["verdicts"] {
  const standard: Record<string, boolean> = {};
  for (const secret of config.secrets ?? []) {
    try {
      new Webhook(secret).verify(raw.toString("utf8"), headers);
      standard[secret] = true;
    } catch {
      standard[secret] = false;
    }
  }
  const hexSecret = config.hexSecret;
  const ringbackHex = hexSecret === undefined || headers["x-ringback-signature"] === undefined ? null : createHmac("sha256", hexSecret).update(raw).digest("hex") === headers["x-ringback-signature"];
  let calldock: boolean | null = null;
  if (headers["x-calldock-signature"] !== undefined && hexSecret !== undefined) {
    try {
      calldock = verifyWebhook(JSON.parse(raw.toString("utf8")), headers["x-calldock-signature"], hexSecret);
    } catch {
      calldock = false;
    }
  }
  return { standard, ringbackHex, calldock };
}
