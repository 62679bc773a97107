/**
 * The database of a `npm run bench:load` run. On SQLite each instance has its own file in its
 * own data folder (and only one instance is allowed); with DATABASE_URL every instance shares a
 * new, empty schema on that PostgreSQL server, made for the run and dropped after it, so each run
 * starts from nothing whatever the server already holds, and leaves nothing behind.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { z } from 'zod';
import { commandOf, parentOf } from './loadCpu';

/** The same rule as Parley's own setting (bot/config.ts). */
export const databaseUrlSchema = z.string().regex(/^postgres(ql)?:\/\/./, 'expected a postgres:// or postgresql:// URL');

export type BenchDatabase = { kind: 'sqlite' } | { kind: 'postgres'; serverUrl: string };

export class BenchDatabaseError extends Error {
  override name = 'BenchDatabaseError';
}

export interface RunSchema {
  name: string;
  /** DATABASE_URL for the instances: the server's URL with every connection's search_path set to the schema. */
  url: string;
  /** Drops the schema and everything in it. Call once every instance has stopped. */
  drop(): Promise<void>;
}

/**
 * The URL with `search_path` set to SCHEMA in the connection's startup options (libpq's
 * `options`, which node-postgres passes on), keeping any other options the URL already had.
 */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  const kept = (u.searchParams.get('options') ?? '').replace(/-c\s*search_path=\S+/g, '').trim();
  u.searchParams.set('options', `${kept} -c search_path=${schema}`.trim());
  return u.toString();
}

async function asAdmin<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  try {
    await client.connect();
  } catch (err) {
    throw new BenchDatabaseError(`Cannot connect to the PostgreSQL server in DATABASE_URL (${redactedUrl(serverUrl)}): ${(err as Error).message}`);
  }
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A new, empty schema for one run, named so a leftover one says what made it. */
export async function freshSchema(serverUrl: string): Promise<RunSchema> {
  // Lower-case letters, digits and underscores: a name that needs no quoting.
  const name = `bench_load_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await asAdmin(serverUrl, (client) => client.query(`CREATE SCHEMA ${name}`));
  return {
    name,
    url: withSearchPath(serverUrl, name),
    drop: () => asAdmin(serverUrl, async (client) => void (await client.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`))),
  };
}

/**
 * The PostgreSQL server's postmaster process, when the server runs on this machine, for its CPU
 * time (scripts/bench/loadCpu.ts); undefined for a server elsewhere.
 */
export async function localPostmaster(serverUrl: string): Promise<number | undefined> {
  const host = new URL(serverUrl).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]', ''].includes(host)) return undefined;
  return asAdmin(serverUrl, async (client) => {
    const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
    // A backend's parent is the postmaster; in a container the pid is another namespace's, and
    // whatever process has it here is not PostgreSQL.
    const parent = backend === undefined ? undefined : parentOf(backend);
    return parent !== undefined && commandOf(parent) === 'postgres' ? parent : undefined;
  });
}

/** The URL without its password, for messages. */
export function redactedUrl(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
