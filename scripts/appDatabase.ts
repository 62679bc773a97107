import fs from 'node:fs';
import type { Config } from '../bot/config';
import { openBackend, type Sql } from '../bot/db';
import { migrateAll } from '../bot/db/schemas';
import { UsageError } from './cli';

/**
 * What the scripts that change the app's database share (purge, erase): open it as the app does
 * (PostgreSQL when DATABASE_URL is set, else the SQLite file in PARLEY_DATA_DIR), bring every
 * store's tables up to date, run, close; and the exit codes.
 */

/** Runs `work` on the app's database and returns its exit code; 1 when there is no SQLite file (`doing` says what would have been done). */
export async function onAppDatabase(config: Config, doing: string, work: (sql: Sql) => Promise<number>): Promise<number> {
  // A missing SQLite file would be created empty: say so instead. PostgreSQL is the council's to create.
  if (!config.DATABASE_URL && !fs.existsSync(config.databaseFile)) {
    console.error(`No database at ${config.databaseFile}: nothing to ${doing}.`);
    return 1;
  }
  const backend = openBackend({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile });
  try {
    await migrateAll(backend.sql);
    return await work(backend.sql);
  } finally {
    await backend.close();
  }
}

/** Runs a script's `main`: its exit code; 2 and the usage for a bad command line; 1 and the stack for anything else. */
export function runScript(main: () => Promise<number>, usage: string): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      if (err instanceof UsageError) {
        console.error(`${err.message}\nUsage: ${usage}`);
        process.exitCode = 2;
        return;
      }
      console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
      process.exitCode = 1;
    },
  );
}
