/**
 * The load generator of `npm run bench:load`: one resident per keep-alive connection, each walking
 * its script in a closed loop (the next request as soon as the last is answered).
 *
 * Every resident's connection is opened, and answered once (`GET` of `openPath`), before any
 * resident starts talking. Node 20's libuv accepts one connection per turn of the event loop
 * (libuv 1.45, "unix: don't accept() connections in a loop"), and a server kept busy by a few
 * hundred closed-loop residents serves all of them on every turn: connections that arrive after
 * the load has begun wait in the kernel's accept queue (the echo bot took two to four a second),
 * past the 511 the queue holds the kernel drops their SYNs, and after 10 s the resident gives
 * up. autocannon opened its connections one by one while the first were already talking, so each
 * run at 1,000 conversations lost a few hundred first requests that way (docs/reliability.md).
 * Opening first measures what the bench means to measure: N conversations under way at once.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request of a resident's script; `setupRequest` and `onResponse` share the resident's context. */
export interface LoadRequest<C> {
  method: 'GET' | 'POST';
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: LoadRequest<C>, context: C) => LoadRequest<C>;
  onResponse?: (status: number, body: string, context: C) => void;
}

export interface DriverOptions<C> {
  url: string;
  connections: number;
  requests: readonly LoadRequest<C>[];
  /** Asked once on each connection before the load starts: cheap, answered 2xx. */
  openPath: string;
  /** A request unanswered this long counts as a timeout; its connection is dropped for a new one. */
  timeoutMs: number;
}

/** An answered request: whose, which step of the script it was, and how long the answer took. */
export interface Answer {
  /** The resident's number, 0 to connections - 1. */
  resident: number;
  index: number;
  status: number;
  ms: number;
}

export interface DriveTotals {
  answered: number;
  timeouts: number;
  /** Requests that failed on the connection (reset, refused), timeouts apart. */
  connectionErrors: number;
  statuses: Record<string, number>;
  seconds: number;
  /** Connections whose opening request was not answered 2xx (they still take part, reconnecting). */
  openFailures: number;
}

type Outcome = { kind: 'answer'; status: number; body: string } | { kind: 'timeout' } | { kind: 'error'; error: Error };

const newAgent = () => new http.Agent({ keepAlive: true, maxSockets: 1 });

function send<C>(agent: http.Agent, base: URL, req: LoadRequest<C>, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const headers: Record<string, string | number> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    const request = http.request({ agent, hostname: base.hostname, port: base.port, method: req.method, path: req.path ?? '/', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ kind: 'answer', status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        resolve({ kind: 'error', error });
      });
      // A connection closed in the middle of the answer; the first of these to settle counts.
      res.on('close', () => {
        clearTimeout(timer);
        if (!res.complete) resolve({ kind: 'error', error: new Error('the connection closed before the answer was complete') });
      });
    });
    const timer = setTimeout(() => {
      // Settled before destroying: the destroy's own error event must not count twice.
      resolve({ kind: 'timeout' });
      request.destroy();
    }, timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      resolve({ kind: 'error', error });
    });
    request.end(req.body);
  });
}

interface Resident<C> {
  number: number;
  agent: http.Agent;
  context: C;
  step: number;
}

/** N residents with their connections open, ready to `run`. */
export class Residents<C> {
  private constructor(
    private readonly options: DriverOptions<C>,
    private readonly residents: Resident<C>[],
    private readonly openFailures: number,
  ) {}

  /** Opens every resident's connection and waits until each has been answered once (or failed). */
  static async open<C>(options: DriverOptions<C>): Promise<Residents<C>> {
    const base = new URL(options.url);
    const residents: Resident<C>[] = Array.from({ length: options.connections }, (_, number) => ({ number, agent: newAgent(), context: {} as C, step: 0 }));
    // Opening has no load to compete with, but 1,000 SYNs at once overflow the accept queue and the
    // dropped ones are retried by the kernel after 1 s, 3 s, 7 s: three times the request timeout
    // leaves room for those.
    const opened = await Promise.all(residents.map((r) => send(r.agent, base, { method: 'GET', path: options.openPath }, options.timeoutMs * 3)));
    const failures = opened.filter((o) => o.kind !== 'answer' || o.status < 200 || o.status > 299).length;
    return new Residents(options, residents, failures);
  }

  /** Every resident walks its script for DURATION seconds; ONANSWER hears each answered request. */
  async run(durationSec: number, onAnswer: (answer: Answer) => void): Promise<DriveTotals> {
    const { requests, timeoutMs } = this.options;
    const base = new URL(this.options.url);
    const totals: DriveTotals = { answered: 0, timeouts: 0, connectionErrors: 0, statuses: {}, seconds: 0, openFailures: this.openFailures };
    let stopped = false;
    const started = performance.now();
    // Requests still in flight at the end are abandoned, not waited for: destroying the agents
    // ends them, and what they then report is not counted.
    const deadline = setTimeout(() => {
      stopped = true;
      for (const r of this.residents) r.agent.destroy();
    }, durationSec * 1000);

    const talk = async (resident: Resident<C>): Promise<void> => {
      while (!stopped) {
        const index = resident.step;
        const template = requests[index]!;
        const req = template.setupRequest ? template.setupRequest({ ...template }, resident.context) : template;
        const sent = performance.now();
        const outcome = await send(resident.agent, base, req, timeoutMs);
        if (stopped) return;
        resident.step = (index + 1) % requests.length;
        if (outcome.kind === 'answer') {
          totals.answered++;
          totals.statuses[outcome.status] = (totals.statuses[outcome.status] ?? 0) + 1;
          template.onResponse?.(outcome.status, outcome.body, resident.context);
          onAnswer({ resident: resident.number, index, status: outcome.status, ms: performance.now() - sent });
          continue;
        }
        if (outcome.kind === 'timeout') totals.timeouts++;
        else totals.connectionErrors++;
        // As a resident's browser would: a new connection, and on with the conversation.
        resident.agent.destroy();
        resident.agent = newAgent();
      }
    };

    await Promise.all(this.residents.map(talk));
    clearTimeout(deadline);
    for (const r of this.residents) r.agent.destroy();
    totals.seconds = (performance.now() - started) / 1000;
    return totals;
  }
}
