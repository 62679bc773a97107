/**
 * npm run erase -- --conversation ID [--json]
 *
 * Erases one resident's conversation everywhere in the app's database (DATABASE_URL, else the
 * SQLite file in PARLEY_DATA_DIR), a request under UK GDPR article 17: transcript, escalations
 * with their live and left messages (contact details included), bot state (the conversation's
 * and its residents'), web chat activities and knowledge-gap questions. Reporting events hold no
 * personal data and stay. Safe beside running bots (one transaction; WAL on SQLite). Exit 0 when
 * done (also when nothing was found: it says so), 1 with no database (or a failure), 2 for a bad
 * command line.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { eraseConversation } from '../handoff/privacy';
import { onAppDatabase, runScript } from './appDatabase';
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
  return onAppDatabase(loadConfig(), 'erase', async (sql) => {
    const counts = await eraseConversation(sql, id);
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    if (values.json) console.log(JSON.stringify(counts));
    else if (total === 0) console.log(`Nothing stored for conversation ${id}.`);
    else {
      console.log(`Erased conversation ${id}:`);
      for (const [what, n] of Object.entries(counts)) console.log(`  ${what}: ${n}`);
    }
    return 0;
  });
}

runScript(main, 'npm run erase -- --conversation ID [--json]');
