import type { Context } from "hono";
import type { AppEnv } from "../context.ts";

/** Where links point: PUBLIC_URL where it is set (behind a proxy, the address people reach), else this request's origin. */
export const baseUrlOf = (c: Context<AppEnv>) => c.env.PUBLIC_URL ?? new URL(c.req.url).origin;
