import { newApp } from "./app.ts";
import { runCron } from "./cron/index.ts";
import { EnvError, parseEnv, type Bindings, type Env } from "./env.ts";
import { ApiError, renderProblem } from "./lib/errors.ts";
import { consume } from "./queue/consumers.ts";

// Module scope holds only what is safe to share across requests: the routing table.
const app = newApp();

export default {
  async fetch(request, bindings, ctx) {
    let env: Env;
    try {
      env = parseEnv(bindings);
    } catch (err) {
      if (!(err instanceof EnvError)) throw err;
      console.error(err.message); // names the setting; the client learns only that it is down
      const { status, body, contentType } = renderProblem(new ApiError("unavailable", "Ringback is misconfigured"));
      return Response.json(body, { status, headers: { "Content-Type": contentType } });
    }
    return app.fetch(request, env, ctx);
  },
  async queue(batch, bindings, ctx) {
    await consume(batch, parseEnv(bindings), ctx);
  },
  async scheduled(_controller, bindings, ctx) {
    ctx.waitUntil(runCron(parseEnv(bindings)));
  },
} satisfies ExportedHandler<Bindings>;
