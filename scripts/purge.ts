/**
 * npm run purge -- --older-than DAYS [--json]
 *
 * Removes residents' personal data older than DAYS days from the database in PARLEY_DATA_DIR:
 * transcripts, live messages of closed chats, closed chats' channel addresses and summaries,
 * answered left messages' contact details, bot state of idle conversations and web chat
 * activities. Reporting events and the (redacted) knowledge gaps stay. Safe beside a running bot
 * (WAL). The bot does the same daily when PARLEY_RETENTION_DAYS is set.
 * Exit 0 when done, 1 with no database, 2 for a bad command line.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { openDatabase } from '../bot/db';
import { privacyFor } from '../handoff/privacy';
import { UsageError } from './cli';


function main(): number {
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
  const config = loadConfig();
  if (!fs.existsSync(config.databaseFile)) {
    console.error(`No database at ${config.databaseFile}: nothing to purge.`);
    return 1;
  }
  const db = openDatabase(config.databaseFile);
  try {
    const counts = privacyFor(db, { timeZone: config.PARLEY_TIMEZONE }).purge(new Date(), days);
    if (values.json) console.log(JSON.stringify(counts));
    else {
      console.log(`Removed personal data older than ${days} days:`);
      for (const [what, n] of Object.entries(counts)) console.log(`  ${what}: ${n}`);
    }
    return 0;
  } finally {
    db.close();
  }
}

try {
  process.exitCode = main();
} catch (err) {
  if (!(err instanceof UsageError)) throw err;
  console.error(`${err.message}\nUsage: npm run purge -- --older-than DAYS [--json]`);
  process.exitCode = 2;
}
