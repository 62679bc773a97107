/**
 * npm run purge -- --older-than DAYS [--json]
 *
 * Removes residents' personal data older than DAYS days from the app's database (DATABASE_URL,
 * else the SQLite file in PARLEY_DATA_DIR):
 * transcripts, live messages of closed chats, closed chats' channel addresses and summaries,
 * answered left messages' contact details, bot state of idle conversations and web chat
 * activities. Reporting events and the (redacted) knowledge gaps stay. Safe beside running bots
 * (one transaction; WAL on SQLite). The bot does the same daily when PARLEY_RETENTION_DAYS is set.
 * Exit 0 when done, 1 with no database (or a failure), 2 for a bad command line.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { purgePersonalData } from '../handoff/privacy';
import { onAppDatabase, runScript } from './appDatabase';
import { UsageError } from './cli';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { 'older-than': { type: 'string' }, json: { type: 'boolean', default: false } } }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const days = Number(values['older-than']);
  if (values['older-than'] === undefined || !Number.isInteger(days) || days < 1) {
    throw new UsageError(`--older-than needs a whole number of days, 1 or more (got "${values['older-than'] ?? ''}").`);
  }
  return onAppDatabase(loadConfig(), 'purge', async (sql) => {
    const counts = await purgePersonalData(sql, new Date(), days);
    if (values.json) console.log(JSON.stringify(counts));
    else {
      console.log(`Removed personal data older than ${days} days:`);
      for (const [what, n] of Object.entries(counts)) console.log(`  ${what}: ${n}`);
    }
    return 0;
  });
}

runScript(main, 'npm run purge -- --older-than DAYS [--json]');
