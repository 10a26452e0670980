import { describe, expect, it } from "vitest";
import { callLogs } from "../../db/schema/index.ts";
import { CallLog, CallLogList } from "../../schemas/call-logs.ts";
import { CallLogCreated } from "../../schemas/callvine.ts";
import { encodeCursor } from "../../schemas/common.ts";
import type { Mode } from "../../schemas/scopes.ts";
import { call, db, makeKey, tenant } from "./fixtures.ts";
import { expectProblem, get, invalidQuery, problem } from "./native-helpers.ts";

const log = {
  from_phone: "9087270291",
  to_phone: "8006000009",
  handled_by: "Agent Smith",
  department: "Customer Service",
  start_time: "2024-01-15 09:00:00",
  end_time: "2024-01-15 09:15:00",
  recording_url: "https://example.com/recordings/call123.wav",
};

/** A call log sent as callvine's examples send it; the seed's 201 data. */
async function submit(key: string, fields: Partial<typeof log> = {}) {
  const res = await call("/webhook.php", { method: "POST", headers: { "Content-Type": "application/json", "X-API-Key": key }, body: JSON.stringify({ ...log, ...fields }) });
  expect(res.status, await res.clone().text()).toBe(201);
  return CallLogCreated.parse(await res.json()).data;
}

/** `count` logs written in one statement; their ids, oldest first. */
async function logs(workspaceId: string, count: number, mode: Mode = "live", fields: Partial<typeof callLogs.$inferInsert> = {}): Promise<number[]> {
  const rows = Array.from({ length: count }, () => ({
    workspaceId,
    mode,
    fromPhone: "+1 (908) 727-0291",
    toPhone: "8006000009",
    handledBy: "Agent Smith",
    startTime: "2024-01-15 09:00:00",
    endTime: "2024-01-15 09:15:00",
    recordingUrl: "https://example.com/r.wav",
    title: "Call",
    ...fields,
  }));
  const inserted = await db().insert(callLogs).values(rows).returning({ id: callLogs.id });
  return inserted.map((r) => r.id).sort((a, b) => a - b);
}

async function walk(path: string, key: string, limit: number) {
  const items: CallLog[] = [];
  const sizes: number[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 20; i++) {
    const res = await get(`${path}${path.includes("?") ? "&" : "?"}limit=${limit}${cursor ? `&cursor=${cursor}` : ""}`, key);
    expect(res.status).toBe(200);
    const page = CallLogList.parse(await res.json());
    items.push(...page.data);
    sizes.push(page.data.length);
    if (!page.has_more) return { items, sizes };
    cursor = page.next_cursor;
  }
  throw new Error("the list did not end");
}

const ids = async (key: string, query: string) => {
  const res = await get(`/v1/call_logs?${query}`, key);
  expect(res.status, await res.clone().text()).toBe(200);
  return CallLogList.parse(await res.json()).data.map((l) => l.id);
};

describe("GET /v1/call_logs/:id", () => {
  it("answers what POST /webhook.php stored, by its integer id", async () => {
    const { live } = await tenant();
    const created = await submit(live.key);
    const res = await get(`/v1/call_logs/${created.id}`, live.key);
    expect(res.status).toBe(200);
    expect(CallLog.parse(await res.json())).toEqual({
      id: created.id,
      from_phone: "9087270291",
      to_phone: "8006000009",
      handled_by: "Agent Smith",
      department: "Customer Service",
      start_time: "2024-01-15 09:00:00",
      end_time: "2024-01-15 09:15:00",
      recording_url: "https://example.com/recordings/call123.wav",
      title: created.title,
      call_attempt_id: null,
      mode: "live",
      created_at: `${created.created_at.replace(" ", "T")}Z`,
    });
  });

  it("404s another workspace's log and a live log for a test key", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const theirLog = await submit(theirs.live.key);
    const myLive = await submit(mine.live.key);
    await expectProblem(await get(`/v1/call_logs/${theirLog.id}`, mine.live.key), problem("not_found", `No call log ${theirLog.id}`));
    await expectProblem(await get(`/v1/call_logs/${myLive.id}`, mine.test.key), problem("not_found", `No call log ${myLive.id}`));
  });

  it.each(["0", "-1", "007", "1.5", "1e3", "abc", "2147483648", "99999999999999999999", "cb_01jd3k0000000000000000000a", "%20"])(
    "404 (not a 500) for an id that is no call log's: %s",
    async (id) => {
      const { live } = await tenant();
      await expectProblem(await get(`/v1/call_logs/${id}`, live.key), problem("not_found", `No call log ${decodeURIComponent(id)}`));
    },
  );

  it("404 for the largest id no row has", async () => {
    const { live } = await tenant();
    await expectProblem(await get("/v1/call_logs/2147483647", live.key), problem("not_found", "No call log 2147483647"));
  });

  it("needs callbacks:read (403); intake:write, which may write logs, may not read them", async () => {
    const { workspace, live } = await tenant();
    const created = await submit(live.key);
    const writer = await makeKey(workspace.id, { scopes: ["intake:write", "leads:read"] });
    await expectProblem(await get(`/v1/call_logs/${created.id}`, writer.key), problem("forbidden", "This key lacks the callbacks:read scope"));
    await expectProblem(await get("/v1/call_logs", writer.key), problem("forbidden", "This key lacks the callbacks:read scope"));
  });
});

describe("GET /v1/call_logs", { timeout: 15_000 }, () => {
  it("walks every page, newest first, without duplicates or gaps", async () => {
    const { workspace, live } = await tenant();
    const made = await logs(workspace.id, 7);
    const { items, sizes } = await walk("/v1/call_logs", live.key, 3);
    expect(sizes).toEqual([3, 3, 1]);
    expect(items.map((l) => l.id)).toEqual(made.reverse());
  });

  it("answers an empty page", async () => {
    const { live } = await tenant();
    expect(CallLogList.parse(await (await get("/v1/call_logs", live.key)).json())).toEqual({ data: [], has_more: false, next_cursor: null });
  });

  it("filters by phone (either side, by its digits), agent and call attempt", async () => {
    const { workspace, live } = await tenant();
    const [national] = await logs(workspace.id, 1, "live", { fromPhone: "9087270291", toPhone: "8006000009" });
    const [formatted] = await logs(workspace.id, 1, "live", { fromPhone: "8006000009", toPhone: "+1 (908) 727-0291", handledBy: "Agent Jones" });
    const [other] = await logs(workspace.id, 1, "live", { fromPhone: "+442079460000", toPhone: "sip:desk-4" });
    // Written as callvine's examples write them, and found by every spelling of the number.
    expect(await ids(live.key, `phone=${encodeURIComponent("+19087270291")}`)).toEqual([formatted, national]);
    expect(await ids(live.key, `phone=${encodeURIComponent("+1 908-727-0291")}`)).toEqual([formatted, national]);
    // A number without its country code is matched by its digits only.
    expect(await ids(live.key, "phone=9087270291")).toEqual([national]);
    expect(await ids(live.key, "phone=8006000009")).toEqual([formatted, national]);
    expect(await ids(live.key, `phone=${encodeURIComponent("+44 20 7946 0000")}`)).toEqual([other]);
    expect(await ids(live.key, "phone=2079460000")).toEqual([]);
    expect(await ids(live.key, "phone=727")).toEqual([]);
    expect(await ids(live.key, `handled_by=${encodeURIComponent("Agent Jones")}`)).toEqual([formatted]);
    expect(await ids(live.key, `handled_by=${encodeURIComponent("agent jones")}`)).toEqual([]);
    expect(await ids(live.key, `handled_by=${encodeURIComponent("Agent Smith")}&phone=9087270291`)).toEqual([national]);
    expect(await ids(live.key, "call_attempt_id=att_01jd3k0000000000000000000a")).toEqual([]);
  });

  it("keeps workspaces and modes apart", async () => {
    const mine = await tenant();
    const theirs = await tenant();
    const [myLive] = await logs(mine.workspace.id, 1);
    const [myTest] = await logs(mine.workspace.id, 1, "test");
    await logs(theirs.workspace.id, 2);
    expect(await ids(mine.live.key, "")).toEqual([myLive]);
    expect(await ids(mine.test.key, "")).toEqual([myTest]);
    await expectProblem(await get(`/v1/call_logs/${myTest}`, mine.live.key), problem("not_found", `No call log ${myTest}`));
  });

  it("answers GET in problem+json beside callvine's POST on the same path", async () => {
    const { live } = await tenant();
    const created = await submit(live.key);
    const viaPost = await call("/v1/call_logs", { method: "POST", headers: { "Content-Type": "application/json", "X-API-Key": live.key }, body: JSON.stringify(log) });
    expect(viaPost.status).toBe(201);
    const second = CallLogCreated.parse(await viaPost.json()).data;
    expect(await ids(live.key, "")).toEqual([second.id, created.id]);
    // Without a key: the native 401, where a POST gets the seed's.
    const res = await call("/v1/call_logs");
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    const seed = await call("/v1/call_logs", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(log) });
    expect(seed.status).toBe(401);
    expect(((await seed.json()) as { error: string }).error).toBe("Authentication required");
  });

  const phoneMessage = "is not a phone number: 3 to 15 digits, with an optional + and spaces, dots, dashes or brackets";
  it.each([
    ["limit 101", "limit=101", [["limit", "Too big: expected number to be <=100"]]],
    ["a cursor that is not one", "cursor=abc", [["cursor", "is not a cursor from this list"]]],
    ["a callback's cursor", `cursor=${encodeCursor("cb_01jd3k0000000000000000000a")}`, [["cursor", "is not a cursor from this list"]]],
    ["a cursor past the largest id", `cursor=${encodeCursor("2147483648")}`, [["cursor", "is not a cursor from this list"]]],
    ["a phone with letters", "phone=call-me", [["phone", phoneMessage]]],
    ["a phone of two digits", "phone=12", [["phone", phoneMessage]]],
    ["an empty agent", "handled_by=", [["handled_by", "Too small: expected string to have >=1 characters"]]],
    ["an unknown parameter", "from_phone=1", [["from_phone", "is not a known field"]]],
  ] as [string, string, [string, string][]][])("422 for %s", async (_name, query, errors) => {
    const { live } = await tenant();
    await expectProblem(await get(`/v1/call_logs?${query}`, live.key), invalidQuery(...errors));
  });

  it.each(["/v1/call_logs?handled_by=a%00b", "/v1/call_logs?phone=%00", "/v1/call_logs/1%00"])("400 for a NUL: %s", async (path) => {
    const { live } = await tenant();
    const res = await get(path, live.key);
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
  });
});
