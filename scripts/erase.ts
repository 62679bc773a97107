/**
 * npm run erase -- --conversation ID [--json]
 *
 * Erases one resident's conversation everywhere in the database in PARLEY_DATA_DIR (a request
 * under UK GDPR article 17): transcript, escalations with their live and left messages (contact
 * details included), bot state (the conversation's and its residents'), web chat activities and
 * knowledge-gap questions. Reporting events hold no personal data and stay. Safe beside a running
 * bot (WAL). Exit 0 when done (also when nothing was found: it says so), 1 with no database, 2 for
 * a bad command line.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { openDatabase } from '../bot/db';
import { privacyFor } from '../handoff/privacy';
import { UsageError } from './cli';


async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { conversation: { type: 'string' }, json: { type: 'boolean', default: false } } }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const id = values.conversation?.trim();
  if (!id) throw new UsageError('--conversation needs the conversation id (the console and transcripts show it).');
  const config = loadConfig();
  if (!fs.existsSync(config.databaseFile)) {
    console.error(`No database at ${config.databaseFile}: nothing to erase.`);
    return 1;
  }
  const db = openDatabase(config.databaseFile);
  try {
    const counts = await privacyFor(db, { timeZone: config.PARLEY_TIMEZONE }).erase(id);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (values.json) console.log(JSON.stringify(counts));
    else if (total === 0) console.log(`Nothing stored for conversation ${id}.`);
    else {
      console.log(`Erased conversation ${id}:`);
      for (const [what, n] of Object.entries(counts)) console.log(`  ${what}: ${n}`);
    }
    return 0;
  } finally {
    db.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    if (!(err instanceof UsageError)) throw err;
    console.error(`${err.message}\nUsage: npm run erase -- --conversation ID [--json]`);
    process.exitCode = 2;
  },
);
