/**
 * Drives simulated residents with autocannon's programmatic API. One autocannon connection is
 * one resident: it walks a conversation script (a `requests` array whose `setupRequest` fills in
 * that resident's ids, words and, from `onResponse`, what the bot last offered), then starts a
 * new conversation, so `connections` is the number of concurrent conversations. autocannon has
 * no 95th percentile, so each response time is kept and the percentiles are worked out here.
 */
import { percentile, round } from './loadStats';

/** The part of autocannon's request description this bench uses (the package ships no types). */
export interface LoadRequest<C> {
  method: 'GET' | 'POST';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: LoadRequest<C>, context: C) => LoadRequest<C>;
  onResponse?: (status: number, body: string, context: C) => void;
}

interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
  duration: number;
  statusCodeStats?: Record<string, { count: number }>;
}

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): void;
  then: Promise<AutocannonResult>['then'];
}

type Autocannon = (options: {
  url: string;
  connections: number;
  duration: number;
  timeout: number;
  requests: LoadRequest<Record<string, unknown>>[];
}) => AutocannonInstance;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as Autocannon;

export interface PhaseResult {
  requests: number;
  /** Requests that count as turns (a resident's message answered), per second. */
  turnsPerSec: number;
  turns: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Connection errors, timeouts, non-2xx answers and wrong replies (see `badReplies`). */
  errors: number;
  badReplies: number;
  /** What the errors were: autocannon's connection errors and timeouts, and answers by HTTP status. */
  errorKinds: { connection: number; timeouts: number; statuses: Record<string, number> };
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
  return (await drive({ url, connections, phase }, durationSec)).result;
}

/**
 * Runs one phase against several instances at once, as a load balancer that keeps each resident
 * on one instance would: one autocannon per instance with that instance's residents, all started
 * together in this process. One autocannon given every URL would spread its connections the same
 * way, but it counts timeouts and connection errors only in total; one per instance says which
 * instance failed whom.
 */
export async function runSpread<C>(targets: readonly Target<C>[], durationSec: number): Promise<SpreadResult> {
  const runs = await Promise.all(targets.map((t) => drive(t, durationSec)));
  const each = runs.map((r) => r.result);
  const turnTimes = runs.flatMap((r) => r.turnTimes);
  const turns = sum(each.map((r) => r.turns));
  // The autocannons run side by side for the same duration: the longest is the phase's length.
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
      seconds,
    },
  };
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

function latencies(turnTimes: readonly number[]): Pick<PhaseResult, 'p50Ms' | 'p95Ms' | 'p99Ms'> {
  return { p50Ms: round(percentile(turnTimes, 50)), p95Ms: round(percentile(turnTimes, 95)), p99Ms: round(percentile(turnTimes, 99)) };
}

async function drive<C>({ url, connections, phase }: Target<C>, durationSec: number): Promise<{ result: PhaseResult; turnTimes: number[] }> {
  // Which script step each connection is on, to tell turn latencies from the rest: autocannon
  // reports a response before it asks for the next request, so a counter per client is exact.
  const step = new Map<unknown, number>();
  const turnTimes: number[] = [];
  let turns = 0;
  const instance = autocannon({
    url,
    connections,
    duration: durationSec,
    // Ten seconds without an answer is a resident giving up: counted as an error.
    timeout: 10,
    requests: phase.requests as unknown as LoadRequest<Record<string, unknown>>[],
  });
  instance.on('response', (client, _status, _bytes, responseTime) => {
    const index = step.get(client) ?? 0;
    step.set(client, (index + 1) % phase.requests.length);
    if (phase.isTurn(index)) {
      turns++;
      turnTimes.push(responseTime);
    }
  });
  const result = await instance;
  const badReplies = phase.badReplies();
  return {
    turnTimes,
    result: {
      requests: result.requests.total,
      turns,
      turnsPerSec: turns / result.duration,
      ...latencies(turnTimes),
      // autocannon counts a timeout in `errors` too.
      errors: result.errors + result.non2xx + badReplies,
      badReplies,
      errorKinds: {
        connection: result.errors - result.timeouts,
        timeouts: result.timeouts,
        statuses: Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count])),
      },
      seconds: result.duration,
    },
  };
}
