import { loadConfig, type Config } from '../bot/config';
import { openDatabase, SqliteBackend, type Sql } from '../bot/db';
import { migrateAll } from '../bot/db/schemas';
import { createApp, type App, type AppOptions } from '../bot/index';
import { FIXTURE_KB } from './fixtureKb';
import { tempDir } from './tempDb';

/**
 * The whole app as `npm start` builds it (restify, CloudAdapter, SQLite), for tests over real HTTP.
 * Apart from bot/harness.ts, which loads the knowledge base and word vectors as it is imported.
 */

export const silentLog = { info: () => undefined, error: () => undefined };

/** The app's config with a new temp data folder, a free port and the fixture knowledge base; `env` adds to it or overrides it. */
export function testConfig(env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({ PORT: '0', PARLEY_DATA_DIR: tempDir('parley-app-'), PARLEY_KNOWLEDGE_DIR: FIXTURE_KB, ...env });
}

/**
 * Opens the app's SQLite file with every store's tables made, as the app makes them, hands it to
 * `use` and closes it again: to put agents and waiting residents in before the app starts, or to
 * read what the app stored.
 */
export async function withSql<T>(config: Config, use: (sql: Sql) => Promise<T>): Promise<T> {
  const backend = new SqliteBackend(openDatabase(config.databaseFile));
  try {
    await migrateAll(backend.sql);
    return await use(backend.sql);
  } finally {
    await backend.close();
  }
}

/** Starts the app on its config's port (0: a free one), quiet unless `options.log` is given. */
export async function startApp(config: Config, options: AppOptions = {}): Promise<{ app: App; url: string }> {
  const app = createApp(config, { log: silentLog, ...options });
  return { app, url: await app.listen() };
}
