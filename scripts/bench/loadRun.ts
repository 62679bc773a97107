/**
 * Drives simulated residents through a phase and works out its figures. One connection is one
 * resident: it walks a conversation script (a `requests` array whose `setupRequest` fills in that
 * resident's ids, words and, from `onResponse`, what the bot last offered), then starts a new
 * conversation, so `connections` is the number of concurrent conversations. The generator is
 * `loadDriver.ts` (why not autocannon: see there); each response time is kept and the percentiles
 * are worked out here.
 */
import { Residents, type DriveTotals, type LoadRequest } from './loadDriver';
import { percentile, round } from './loadStats';

export type { LoadRequest } from './loadDriver';

/** Ten seconds without an answer is a resident giving up: counted as an error. */
const TIMEOUT_MS = 10_000;
/** Asked once on each connection before the load starts: Parley and the echo bot both answer it. */
const OPEN_PATH = '/healthz';

export interface PhaseResult {
  requests: number;
  /** Requests that count as turns (a resident's message answered), per second. */
  turnsPerSec: number;
  turns: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts, non-2xx answers, wrong replies (see `badReplies`) and connections that did not open. */
  errors: number;
  badReplies: number;
  /** What the errors were: connection errors and timeouts, and answers by HTTP status. */
  errorKinds: { connection: number; timeouts: number; statuses: Record<string, number> };
  /** Connections whose opening request failed before the phase (counted in `errors`, under `connection`). */
  openFailures: number;
  seconds: number;
}

export interface Phase<C> {
  requests: LoadRequest<C>[];
  /** Which requests of the script are turns: their latencies are the turn latencies. */
  isTurn: (index: number) => boolean;
  /** Replies the script found wrong (its onResponse checks count them). */
  badReplies: () => number;
}

/** One instance's share of a phase: its URL, how many residents it gets, and their script. */
export interface Target<C> {
  url: string;
  connections: number;
  phase: Phase<C>;
}

export interface SpreadResult {
  /** Every instance's turns together: percentiles over all their latencies, counts summed. */
  total: PhaseResult;
  /** Each instance's own figures, in the order of the targets. */
  each: PhaseResult[];
}

/** Runs one phase against URL for DURATION seconds with CONNECTIONS residents. */
export async function runPhase<C>(url: string, connections: number, durationSec: number, phase: Phase<C>): Promise<PhaseResult> {
  const opened = await open({ url, connections, phase });
  return (await drive(opened, phase, durationSec)).result;
}

/**
 * Runs one phase against several instances at once, as a load balancer that keeps each resident
 * on one instance would: every instance's residents connect first, then all start together.
 * Figures are kept per instance too, to say which instance failed whom.
 */
export async function runSpread<C>(targets: readonly Target<C>[], durationSec: number): Promise<SpreadResult> {
  const opened = await Promise.all(targets.map(open));
  const runs = await Promise.all(opened.map((residents, i) => drive(residents, targets[i]!.phase, durationSec)));
  const each = runs.map((r) => r.result);
  const turnTimes = runs.flatMap((r) => r.turnTimes);
  const turns = sum(each.map((r) => r.turns));
  // The instances' residents run side by side for the same duration: the longest is the phase's length.
  const seconds = Math.max(...each.map((r) => r.seconds));
  const statuses: Record<string, number> = {};
  for (const r of each) for (const [code, count] of Object.entries(r.errorKinds.statuses)) statuses[code] = (statuses[code] ?? 0) + count;
  return {
    each,
    total: {
      requests: sum(each.map((r) => r.requests)),
      turns,
      turnsPerSec: seconds > 0 ? turns / seconds : 0,
      ...latencies(turnTimes),
      errors: sum(each.map((r) => r.errors)),
      badReplies: sum(each.map((r) => r.badReplies)),
      errorKinds: {
        connection: sum(each.map((r) => r.errorKinds.connection)),
        timeouts: sum(each.map((r) => r.errorKinds.timeouts)),
        statuses,
      },
      openFailures: sum(each.map((r) => r.openFailures)),
      seconds,
    },
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function latencies(turnTimes: readonly number[]): Pick<PhaseResult, 'p50Ms' | 'p95Ms' | 'p99Ms'> {
  return { p50Ms: round(percentile(turnTimes, 50)), p95Ms: round(percentile(turnTimes, 95)), p99Ms: round(percentile(turnTimes, 99)) };
}

function open<C>({ url, connections, phase }: Target<C>): Promise<Residents<C>> {
  return Residents.open({ url, connections, requests: phase.requests, openPath: OPEN_PATH, timeoutMs: TIMEOUT_MS });
}

async function drive<C>(residents: Residents<C>, phase: Phase<C>, durationSec: number): Promise<{ result: PhaseResult; turnTimes: number[] }> {
  const turnTimes: number[] = [];
  const totals: DriveTotals = await residents.run(durationSec, ({ index, ms }) => {
    if (phase.isTurn(index)) turnTimes.push(ms);
  });
  const badReplies = phase.badReplies();
  const non2xx = Object.entries(totals.statuses).reduce((n, [code, count]) => (code.startsWith('2') ? n : n + count), 0);
  return {
    turnTimes,
    result: {
      requests: totals.answered,
      turns: turnTimes.length,
      turnsPerSec: turnTimes.length / totals.seconds,
      ...latencies(turnTimes),
      errors: totals.timeouts + totals.connectionErrors + totals.openFailures + non2xx + badReplies,
      badReplies,
      errorKinds: { connection: totals.connectionErrors + totals.openFailures, timeouts: totals.timeouts, statuses: totals.statuses },
      openFailures: totals.openFailures,
      seconds: totals.seconds,
    },
  };
}
