/**
 * Parley as `npm start` runs it (config from the environment, `createApp` from bot/index.ts),
 * for `npm run bench:load` to start as a child process, so its memory and CPU are its own and
 * `--cpu-prof` can be passed to it alone. Prints one JSON line `{"url": ...}` once listening;
 * SIGTERM closes the app (and the database) before exiting.
 */
import { loadConfig } from '../../bot/config';
import { createApp, type App } from '../../bot/index';

/** Prints `{"url": ...}` once `app` listens, closes it on SIGTERM and exits; a failure exits 1. */
export function serveForBench(start: () => Promise<App>): void {
  const run = async () => {
    const app = await start();
    console.log(JSON.stringify({ url: await app.listen() }));
    process.once('SIGTERM', () => {
      app.close().then(
        () => process.exit(0),
        (err: unknown) => {
          console.error(`[bench server] closing: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
          process.exit(1);
        },
      );
    });
  };
  run().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  });
}

if (require.main === module) serveForBench(async () => createApp(loadConfig()));
