/**
 * Parley as `loadServer.ts` starts it, except that the process's global `fetch` opens at most
 * PARLEY_BENCH_FETCH_CONNECTIONS connections to any one origin (further requests queue for one).
 * An experiment, not how Parley runs: in local mode the Direct Line channel posts each activity
 * to the server's own `/api/messages` with `fetch`, one new connection per concurrent turn, and
 * this shows whether those connections are what fails at 1,000 conversations
 * (`scripts/bench/directLineAlone.ts --fetch-connections N`, docs/reliability.md).
 */
import { z } from 'zod';
import { loadConfig } from '../../bot/config';
import { createApp } from '../../bot/index';
import { serveForBench } from './loadServer';

/**
 * Node bundles undici for `fetch` without exporting it; undici keeps its global dispatcher under
 * this registered symbol (that is how separate copies of undici share one), created on the first
 * `fetch`. Its constructor is undici's `Agent`, whose `connections` is the per-origin limit.
 */
const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');
type AgentClass = new (options: { connections: number }) => object;

async function limitFetch(connections: number): Promise<void> {
  // A refused connection is enough to make undici create its global dispatcher.
  await fetch('http://127.0.0.1:1/').catch(() => undefined);
  const holder = globalThis as unknown as Record<symbol, { constructor: AgentClass } | undefined>;
  const current = holder[GLOBAL_DISPATCHER];
  if (!current) throw new Error('fetch created no global dispatcher: this Node no longer works as the experiment expects');
  holder[GLOBAL_DISPATCHER] = new current.constructor({ connections }) as { constructor: AgentClass };
}

serveForBench(async () => {
  await limitFetch(z.coerce.number().int().positive().parse(process.env.PARLEY_BENCH_FETCH_CONNECTIONS));
  return createApp(loadConfig());
});
