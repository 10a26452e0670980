// A V8 CPU profile, summed by where the code lives (a package, a file of ours, Node itself) and
// by function: self time per request, largest first.
type Node = { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number };
type Profile = { nodes: Node[]; startTime: number; endTime: number; samples?: number[]; timeDeltas?: number[] };

export function summarise(profile: Profile, requests: number): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const deltas = profile.timeDeltas ?? [];
  for (const [i, id] of (profile.samples ?? []).entries()) self.set(id, (self.get(id) ?? 0) + (deltas[i + 1] ?? 0));
  const places = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  for (const [id, us] of self) {
    const node = byId.get(id)!;
    const place = placeOf(node.callFrame.url, node.callFrame.functionName);
    if (place === "(idle)") continue;
    total += us;
    places.set(place, (places.get(place) ?? 0) + us);
    const file = node.callFrame.url.replace(/^.*node_modules\//, "").replace(/^.*\/(functions|db|schemas)\//, "$1/");
    const fn = `${node.callFrame.functionName || "(anonymous)"} ${file || place}:${node.callFrame.lineNumber + 1}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const per = (us: number) => (us / 1000 / requests).toFixed(3);
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([name, us]) => `| ${name} | ${per(us)} | ${((100 * us) / total).toFixed(1)} % |`);
  return [
    `Sampled CPU per request: ${per(total)} ms (${requests} requests)`,
    "",
    "| where | ms per request | share |",
    "|---|---|---|",
    ...top(places, 20),
    "",
    "| function | ms per request | share |",
    "|---|---|---|",
    ...top(functions, 30),
  ].join("\n");
}

function placeOf(url: string, name: string): string {
  if (!url) return name === "(idle)" || name === "(program)" || name === "(garbage collector)" ? (name === "(idle)" ? "(idle)" : name) : "(native)";
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1]!;
  if (url.startsWith("node:")) return "node";
  const ours = url.match(/\/(functions|db|schemas)\/.*$/);
  return ours ? ours[0].slice(1) : url;
}
