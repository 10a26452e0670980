import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { promisify } from "node:util";
import { inject } from "vitest";
import { freePort } from "../../dev/postgres.ts";

// What browser tests of web forms share (embed-browser.test.ts, and the signed links' no-JS and
// prefetch checks): pages served from a loopback origin of their own, the example page with its
// placeholders filled in, and the admin CLI against the test stack's database.

export type PageServer = { origin: string; hits: () => string[]; close: () => Promise<void> };

/** Serves `pages` (path → HTML) on 127.0.0.1 at a port of its own: a web site's origin, not the Worker's. */
export async function servePages(pages: Map<string, string>): Promise<PageServer> {
  const port = await freePort();
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    const html = pages.get(new URL(req.url ?? "/", "http://page").pathname);
    res.writeHead(html === undefined ? 404 : 200, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" });
    res.end(html ?? "not found");
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${port}`,
    hits: () => [...hits],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export type ExampleValues = { host: string; key: string; domain: string; linkToken: string; lang?: string };

/** examples/contact-form.html with its placeholders replaced, as a reader would. */
export function examplePage({ host, key, domain, linkToken, lang }: ExampleValues): string {
  const page = readFileSync(new URL("../../examples/contact-form.html", import.meta.url), "utf8")
    .replaceAll("https://YOUR-RINGBACK-HOST", host)
    .replaceAll("PUBLISHABLE_KEY", key)
    .replaceAll("DOMAIN_ID", domain)
    .replaceAll("LINK_TOKEN", linkToken);
  return lang ? page.replace('<html lang="en">', `<html lang="${lang}">`) : page;
}

const run = promisify(execFile);

/** `npm run admin -- … --json` against the test stack's database: its JSON answer. */
// biome-ignore lint/suspicious/noExplicitAny: the CLI's --json output, whose shape the caller checks
export async function admin(...args: string[]): Promise<Record<string, any>> {
  const { databaseUrl, bindings } = inject("stack");
  const { stdout } = await run(process.execPath, ["--import", "tsx", "admin/cli.ts", ...args, "--json"], {
    cwd: new URL("../..", import.meta.url).pathname,
    env: { ...process.env, DATABASE_URL: databaseUrl, SECRETS_KEYS: bindings.SECRETS_KEYS },
  });
  return JSON.parse(stdout);
}
