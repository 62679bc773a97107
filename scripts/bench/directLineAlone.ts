/**
 * bench:load's Direct Line phase alone against Parley (as `loadServer.ts` runs it), with the
 * kernel's TCP counters over the phase and the server's failed-turn lines, grouped: the
 * experiment behind what is left of the 1,000-conversation errors (docs/reliability.md). In
 * local mode the channel posts each activity to the server's own `/api/messages` and the bot
 * posts its reply to the server's own connector routes, so connections opened beyond the
 * residents' are the server's calls to itself. Run it under `unshare -n` for counters of its own.
 *
 *   node --import tsx scripts/bench/directLineAlone.ts [--conversations 1000] [--duration 20] [--fetch-connections N]
 *
 * With `--fetch-connections N` the server is `pooledFetchServer.ts`: the same Parley with its
 * `fetch` limited to N connections per origin, to test that explanation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startServer } from './loadProcess';
import { runPhase } from './loadRun';
import { directLinePhase, loadWords } from './loadScript';
import { tcpCounters, tcpCountersSince } from './tcpCounters';

const ROOT = path.resolve(__dirname, '..', '..');
const argsSchema = z.object({
  conversations: z.coerce.number().int().positive(),
  duration: z.coerce.number().positive(),
  'fetch-connections': z.coerce.number().int().positive().optional(),
});

/** A server line with its ids and numbers blanked, so lines that differ only by those group together. */
const shapeOf = (line: string) => line.replace(/[A-Za-z0-9_-]{16,}|\d+/g, '…');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { conversations: { type: 'string', default: '1000' }, duration: { type: 'string', default: '20' }, 'fetch-connections': { type: 'string' } },
  });
  const args = argsSchema.parse(values);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'parley-direct-line-'));
  try {
    const fetchConnections = args['fetch-connections'];
    const script = fetchConnections === undefined ? 'scripts/bench/loadServer.ts' : 'scripts/bench/pooledFetchServer.ts';
    const server = await startServer(script, {
      PORT: '0',
      HOST: '127.0.0.1',
      PARLEY_DATA_DIR: dataDir,
      PARLEY_KNOWLEDGE_DIR: path.join(ROOT, 'knowledge'),
      PARLEY_KNOWLEDGE_RELOAD: 'off',
      // As in bench:load: every resident comes from this one address.
      PARLEY_RATE_PER_ADDRESS: '0',
      ...(fetchConnections !== undefined && { PARLEY_BENCH_FETCH_CONNECTIONS: String(fetchConnections) }),
    });
    try {
      const before = tcpCounters();
      const phase = await runPhase(server.url, args.conversations, args.duration, directLinePhase({ words: { ...loadWords(), didYouMean: [] }, prefix: 'dl' }));
      const kernel = tcpCountersSince(before);
      const serverLines: Record<string, number> = {};
      for (const line of server.errorLines()) serverLines[shapeOf(line)] = (serverLines[shapeOf(line)] ?? 0) + 1;
      const { requests, turnsPerSec, errors, errorKinds, badReplies } = phase;
      console.log(JSON.stringify({ ...args, requests, turnsPerSec: Math.round(turnsPerSec), errors, errorKinds, badReplies, kernel, serverLines }));
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
