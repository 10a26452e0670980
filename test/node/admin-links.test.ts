import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { verifyLinkToken } from "../../functions/lib/link-token.ts";
import { Keyring } from "../../functions/lib/secrets.ts";
import { Link } from "../../schemas/links.ts";

// `npm run admin -- link …`, run as a user runs it, against this test run's database and keyring:
// the links it makes are the API's (the same code), signed so the Worker's keyring verifies them.
const run = promisify(execFile);
const { databaseUrl, bindings } = inject("stack");

// biome-ignore lint/suspicious/noExplicitAny: the CLI's --json output, whose shape each test checks
async function admin(...args: string[]): Promise<{ code: number; json: any }> {
  const env = { ...process.env, DATABASE_URL: databaseUrl, SECRETS_KEYS: bindings.SECRETS_KEYS, PUBLIC_URL: "https://links.example" };
  try {
    const { stdout } = await run(process.execPath, ["--import", "tsx", "admin/cli.ts", ...args, "--json"], { env });
    return { code: 0, json: JSON.parse(stdout) };
  } catch (err) {
    const { code, stdout } = err as { code: number; stdout: string };
    return { code, json: JSON.parse(stdout) };
  }
}

let db: pg.Client;
beforeAll(async () => {
  db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
});
afterAll(() => db.end());

async function workspaceWithDomain() {
  const { json: ws } = await admin("workspace", "create", "--name", "Links CLI");
  const { json: domain } = await admin("domain", "add", "--workspace", ws.workspace.id, "--mode", "test", "--name", "shop.example");
  await admin("key", "create", "--workspace", ws.workspace.id, "--mode", "test", "--kind", "publishable", "--origin", "https://shop.example");
  return { workspaceId: ws.workspace.id as string, domainId: domain.id as string };
}

const linkCount = async (workspaceId: string) => Number((await db.query("select count(*) from links where workspace_id = $1", [workspaceId])).rows[0].count);

describe("npm run admin -- link", () => {
  it("creates a signed link the Worker's keyring verifies, lists it and revokes it", async () => {
    const { workspaceId, domainId } = await workspaceWithDomain();
    const { code, json } = await admin("link", "create", "--domain", domainId, "--mode", "test", "--param", "phone=+14155550100", "--param", "campaign=mail", "--expires-in", "12h", "--thank-you", "https://shop.example/thanks");
    expect(code).toBe(0);
    const link = Link.parse(json);
    expect(link).toMatchObject({ domain_id: domainId, mode: "test", params: { phone: "+14155550100", campaign: "mail" }, thank_you_url: "https://shop.example/thanks", status: "active" });
    expect(link.url).toBe(`https://links.example/l/${link.token}`);
    expect(Math.abs(Date.parse(link.expires_at) - Date.now() - 12 * 3_600_000)).toBeLessThan(60_000);
    expect(await verifyLinkToken(Keyring.parse(bindings.SECRETS_KEYS), link.token ?? "")).toMatchObject({ l: link.id, d: domainId, p: link.params });

    const listed = await admin("link", "list", "--workspace", workspaceId, "--mode", "test");
    expect(listed.json).toEqual([link]);
    expect((await admin("link", "list", "--workspace", workspaceId, "--mode", "live")).json).toEqual([]);
    const revoked = await admin("link", "revoke", "--id", link.id);
    expect(revoked.json).toMatchObject({ id: link.id, status: "revoked", token: link.token });
    expect((await admin("link", "list", "--workspace", workspaceId, "--mode", "test", "--status", "active")).json).toEqual([]);
  });

  it.each([
    ["the other mode", ["--mode", "live"], "is a test domain, not live"],
    ["no mode", [], "needs --mode test or --mode live"],
    ["a param without a value", ["--mode", "test", "--param", "campaign"], "--param campaign: give it as name=value"],
    ["a param twice", ["--mode", "test", "--param", "a=1", "--param", "a=2"], "--param a is given twice"],
    ["a fixed consent", ["--mode", "test", "--param", "consent=yes"], "--param consent cannot be fixed"],
    ["a phone intake would refuse", ["--mode", "test", "--param", "phone=12"], "--param phone is not a phone number"],
    ["a lifetime it cannot read", ["--mode", "test", "--expires-in", "2w"], "--expires-in must be a number of minutes, hours or days"],
    ["a thank-you page elsewhere", ["--mode", "test", "--thank-you", "https://elsewhere.example/"], "--thank-you is not on an allowed origin"],
  ])("refuses %s, says why, and writes nothing", async (_name, args, message) => {
    const { workspaceId, domainId } = await workspaceWithDomain();
    const { code, json } = await admin("link", "create", "--domain", domainId, ...args);
    expect({ code, error: json.error }).toEqual({ code: 1, error: expect.stringContaining(message) });
    expect(await linkCount(workspaceId)).toBe(0);
  });

  it("names a link or domain that does not exist", async () => {
    expect((await admin("link", "revoke", "--id", "lnk_01jd3k0000000000000000000")).json.error).toBe("there is no link lnk_01jd3k0000000000000000000");
    expect((await admin("link", "create", "--domain", "dom_nothing", "--mode", "test")).json.error).toBe("there is no domain dom_nothing");
  });
});
