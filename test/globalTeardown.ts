import { takeCluster } from './globalSetup';

/** Stops the PostgreSQL server test/globalSetup.ts started, if it started one. */
export default async function globalTeardown(): Promise<void> {
  const cluster = takeCluster();
  if (cluster === undefined) return;
  // In watch mode the next run's setup must not find this stopped server's URL.
  delete process.env.PARLEY_TEST_DATABASE_URL;
  await cluster.stop();
}
