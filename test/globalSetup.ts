import { z } from 'zod';
import { findServerBinaries, PgBinariesMissingError, reapAbandonedClusters, startCluster, stopCluster, type Cluster } from '../scripts/pg-cluster';

/**
 * Jest's global setup: one throwaway PostgreSQL server for the whole run, for the PostgreSQL half
 * of the suites (test/postgres.ts). Its URL goes to the workers in PARLEY_TEST_DATABASE_URL:
 * jest starts its workers after this runs and they inherit process.env.
 *
 * PARLEY_TEST_DATABASE_URL already set: that server is used and nothing is started.
 * PARLEY_TEST_POSTGRES=required (CI): no server binaries is an error, never a silent skip.
 * PARLEY_TEST_POSTGRES=off: no server, PostgreSQL tests skipped (a quicker run).
 */
const settingsSchema = z.object({
  PARLEY_TEST_DATABASE_URL: z.string().optional(),
  PARLEY_TEST_POSTGRES: z.enum(['required', 'off', '']).optional(),
});

/** How globalTeardown finds the cluster: jest runs both in the same process. */
export const CLUSTER_KEY = '__parleyPostgresCluster';
type WithCluster = typeof globalThis & { [CLUSTER_KEY]?: Cluster };

export default async function globalSetup(): Promise<void> {
  const parsed = settingsSchema.safeParse(process.env);
  if (!parsed.success) throw new Error(`PARLEY_TEST_POSTGRES must be "required", "off" or unset (got "${process.env.PARLEY_TEST_POSTGRES}").`);
  const settings = parsed.data;
  if (settings.PARLEY_TEST_DATABASE_URL !== undefined && settings.PARLEY_TEST_DATABASE_URL !== '') return;

  const required = settings.PARLEY_TEST_POSTGRES === 'required';
  if (settings.PARLEY_TEST_POSTGRES === 'off') return skip('PARLEY_TEST_POSTGRES=off');
  try {
    findServerBinaries();
  } catch (err) {
    if (!(err instanceof PgBinariesMissingError)) throw err;
    if (required) throw new Error(`PARLEY_TEST_POSTGRES=required, but PostgreSQL cannot run: ${err.message}`);
    return skip(err.message);
  }

  reapAbandonedClusters();
  const cluster = await startCluster({ ownerPid: process.pid });
  process.env.PARLEY_TEST_DATABASE_URL = cluster.url;
  (globalThis as WithCluster)[CLUSTER_KEY] = cluster;
  // A run that ends without its teardown (an uncaught error in jest) still stops the server.
  process.once('exit', () => {
    if ((globalThis as WithCluster)[CLUSTER_KEY] !== undefined) stopCluster(cluster.dir);
  });
}

function skip(reason: string): void {
  process.env.PARLEY_TEST_POSTGRES_SKIPPED = reason;
  console.log(`\nPostgreSQL tests will be skipped: ${reason}`);
}

export function takeCluster(): Cluster | undefined {
  const holder = globalThis as WithCluster;
  const cluster = holder[CLUSTER_KEY];
  delete holder[CLUSTER_KEY];
  return cluster;
}
