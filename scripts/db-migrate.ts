/**
 * npm run db:migrate [-- --json]
 *
 * Brings every store's tables up to date on the configured database: PostgreSQL when
 * DATABASE_URL is set, else the SQLite file in PARLEY_DATA_DIR. Parley does the same at start;
 * run it first when several instances share one PostgreSQL, or to check a database before an
 * upgrade. Safe to run again, and beside running instances (they take turns on a lock).
 * Exit 0 when done, 1 if the database cannot be reached or a migration fails, 2 for a bad command line.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { openBackend } from '../bot/db';
import { migrateAll, SCHEMAS } from '../bot/db/schemas';
import { UsageError } from './cli';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { json: { type: 'boolean', default: false } } }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const config = loadConfig();
  const backend = openBackend({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile });
  try {
    await migrateAll(backend.sql);
    const rows = await backend.sql.all<{ store: string; version: number }>('SELECT store, max(version) AS version FROM schema_migrations GROUP BY store ORDER BY store');
    const versions = Object.fromEntries(rows.map((r) => [r.store, r.version]));
    if (values.json) console.log(JSON.stringify({ database: backend.label, stores: versions }));
    else {
      console.log(`${backend.label}: every store is up to date (${SCHEMAS.length} stores).`);
      for (const [store, version] of Object.entries(versions)) console.log(`  ${store}: version ${version}`);
    }
    return 0;
  } finally {
    await backend.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\nUsage: npm run db:migrate [-- --json]`);
      process.exitCode = 2;
      return;
    }
    console.error(`The migration failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
