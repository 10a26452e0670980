// What every scenario of `npm run bench` is: a name, and a run that returns its section of
// bench/RESULTS.md as Markdown. The runner (bench/run.ts) heads each section with the date, the
// commit, the core count and the exact command, so a scenario writes only its figures and what
// they mean. A scenario that times requests times them side by side with GET /health in the
// same run (timeSideBySide), and reports medians and the ratio between them.

export type RunOptions = {
  /** Quick mode: 10k rows at most and fewer samples; the whole quick run finishes in under 5 minutes. */
  quick: boolean;
  /** Progress for the terminal; never written to RESULTS.md. */
  log: (line: string) => void;
};

export type Scenario = {
  /** Short and stable: `npm run bench -- --only <name>` runs it, and it marks its section. */
  name: string;
  title: string;
  run(options: RunOptions): Promise<string>;
};

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Milliseconds `request` takes, the body read; throws unless it answers `expected`. */
export async function timed(request: () => Promise<Response>, expected: number): Promise<number> {
  const started = performance.now();
  const res = await request();
  await res.arrayBuffer();
  if (res.status !== expected) throw new Error(`expected ${expected}, got ${res.status}`);
  return performance.now() - started;
}

/**
 * Times `request` and GET /health alternately, `samples` pairs after `warmup` of each, so both
 * see the same machine: on a shared two-core machine only the ratio travels.
 */
export async function timeSideBySide(
  base: string,
  request: () => Promise<Response>,
  expected: number,
  { samples, warmup = 10 }: { samples: number; warmup?: number },
): Promise<{ p50: number; p99: number; health: number; ratio: number }> {
  const health = () => fetch(`${base}/health`);
  for (let i = 0; i < warmup; i++) {
    await timed(request, expected);
    await timed(health, 200);
  }
  const xs: number[] = [];
  const hs: number[] = [];
  for (let i = 0; i < samples; i++) {
    xs.push(await timed(request, expected));
    hs.push(await timed(health, 200));
  }
  return { p50: median(xs), p99: percentile(xs, 99), health: median(hs), ratio: median(xs) / median(hs) };
}

export const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : "–");
export const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");
