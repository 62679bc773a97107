/**
 * npm run db:copy -- --to postgres://user:password@host:5432/parley [--from FILE] [--json]
 *
 * Moves a SQLite deployment to PostgreSQL: makes Parley's tables in the (empty) PostgreSQL
 * database, copies every row of every table in one transaction, and proves the copy by row
 * counts and checksums per table. The SQLite file (default: the one in PARLEY_DATA_DIR) is only
 * read. Stop Parley first, so nothing is written to SQLite after the copy; then start it with
 * DATABASE_URL set to the same URL.
 * Exit 0 when every table is copied and verified, 1 on any failure or mismatch, 2 for a bad command line.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { openDatabase, PostgresBackend, SqliteBackend } from '../bot/db';
import { migrateAll } from '../bot/db/schemas';
import { UsageError } from './cli';
import { copySqliteToPostgres, CopyError } from './db/copy';

const USAGE = 'Usage: npm run db:copy -- --to postgres://user:password@host:5432/parley [--from FILE] [--json]';

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ options: { to: { type: 'string' }, from: { type: 'string' }, json: { type: 'boolean', default: false } } }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (!values.to || !/^postgres(ql)?:\/\/./.test(values.to)) throw new UsageError(`--to needs a postgres:// URL (got "${values.to ?? ''}").`);
  const file = values.from ?? loadConfig().databaseFile;
  if (!fs.existsSync(file)) {
    console.error(`No SQLite database at ${file}: nothing to copy.`);
    return 1;
  }
  const from = new SqliteBackend(openDatabase(file));
  const to = new PostgresBackend(values.to, console);
  try {
    // Both at the same version first: an old SQLite file gets its pending migrations, as a start would.
    await migrateAll(from.sql);
    await migrateAll(to.sql);
    const tables = await copySqliteToPostgres(from.db, to.sql);
    const bad = tables.filter((t) => !t.verified);
    if (values.json) console.log(JSON.stringify({ from: file, to: to.label, tables, verified: bad.length === 0 }));
    else {
      console.log(`Copied ${file} to ${to.label}:`);
      for (const t of tables) console.log(`  ${t.verified ? 'ok      ' : 'MISMATCH'} ${t.table}: ${t.rows} rows, sha256 ${t.checksum.slice(0, 16)}…`);
      console.log(bad.length ? `${bad.length} tables differ after the copy: do not switch to PostgreSQL.` : 'Every table has the same rows in both databases.');
    }
    return bad.length ? 1 : 0;
  } finally {
    await from.close();
    await to.close();
  }
}

main().then(
  (code) => (process.exitCode = code),
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n${USAGE}`);
      process.exitCode = 2;
      return;
    }
    console.error(`The copy failed, and PostgreSQL was left as it was: ${err instanceof CopyError || err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
