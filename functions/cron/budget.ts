// How much one cron run may do of one job. A backlog drains by repeating a job's bounded step
// within the run, not by growing the step: each step reads only the rows it moves (through a
// partial index on its own conditions), so a step costs the same at a backlog of 1k or 1M.
//
// Why this is safe under the Workers limits of a scheduled run (paid plan):
// - Subrequests: 1,000 per invocation where the plan is oldest (10,000 now), shared by every job
//   of the run. Each step's cost in subrequests is named where its budget is set, and the budgets
//   of one run add up to under 600 (sweeper 240, retry claim 220 and its probes, dialler 60,
//   idempotency purge 20), leaving the rest to the silent-call recovery's Twilio reads.
// - CPU: 30 s by default. A step spends its time waiting on PostgreSQL and the queue; its own CPU
//   is building a thousand small messages and reading a thousand ids, a few milliseconds.
// - Wall time: a scheduled run may last 15 minutes; each job stops starting steps after
//   `seconds`, so one run ends well within the minute and the next starts on a clean slate.
//   Runs that overlap anyway (a slow database) are safe: every step claims what it takes.
// On the free plan (50 subrequests, 10 ms CPU) one step per job is what fits: set `steps` to 1.

export type Budget = { steps: number; seconds: number };

/**
 * Repeats `step` while it moves a full batch, at most `budget.steps` times and not after
 * `budget.seconds`; returns how many it moved in all.
 */
export async function repeatWithin(budget: Budget, step: () => Promise<{ moved: number; full: boolean }>): Promise<number> {
  const stopAt = Date.now() + budget.seconds * 1000;
  let moved = 0;
  for (let i = 0; i < budget.steps && Date.now() < stopAt; i++) {
    const done = await step();
    moved += done.moved;
    if (!done.full) break;
  }
  return moved;
}
