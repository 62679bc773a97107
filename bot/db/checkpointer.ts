import { Worker } from 'node:worker_threads';

/** How often the worker copies the write-ahead log into the database file. */
export const CHECKPOINT_EVERY_MS = 200;
/**
 * The main connection's own checkpoint threshold while the worker runs (pages; SQLite's default
 * is 1,000): only reached if the worker falls behind or stops, so the log can never grow without
 * bound, but it does not take the work from the worker in normal running.
 */
export const FALLBACK_CHECKPOINT_PAGES = 20_000;

// Plain JavaScript, so the worker runs the same under tsx, jest and the compiled build. It opens
// its own connection to the file: SQLite lets a checkpoint run beside the writer in WAL mode.
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
let stopping = false;
function checkpoint() {
  if (stopping) return;
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ error: err && err.message ? err.message : String(err) });
  }
  setTimeout(checkpoint, workerData.everyMs);
}
parentPort.on('message', () => {
  stopping = true;
  db.close();
  parentPort.close();
});
setTimeout(checkpoint, workerData.everyMs);
`;

/**
 * Copies SQLite's write-ahead log back into the database file from a worker thread, so the
 * copy (and its fsync) no longer stops the event loop. SQLite does it by default inside whichever
 * commit takes the log past 1,000 pages: measured here, a commit of a turn's writes cost 59 µs
 * with no checkpointing and 136 µs on average with it; a checkpoint of 1,500 pages took about
 * 20 ms, during which no resident was answered. PASSIVE: it never waits for, or blocks, the writer.
 */
export class BackgroundCheckpointer {
  private readonly worker: Worker;
  private readonly ended: Promise<void>;

  constructor(file: string, log: Pick<Console, 'error'>, everyMs = CHECKPOINT_EVERY_MS) {
    this.worker = new Worker(WORKER, { eval: true, workerData: { file, everyMs, driver: require.resolve('better-sqlite3') } });
    this.worker.on('message', (m: { error?: string }) => log.error(`[database] background checkpoint of ${file} failed: ${m.error}`));
    this.ended = new Promise((resolve) => {
      this.worker.once('error', (err) => {
        log.error(`[database] the checkpoint worker for ${file} stopped: ${err.message}; SQLite's own checkpoints go on`);
        resolve();
      });
      this.worker.once('exit', () => resolve());
    });
    // The worker must never keep the process alive on its own.
    this.worker.unref();
  }

  /** Stops the worker and closes its connection; resolves once it has ended. */
  stop(): Promise<void> {
    this.worker.postMessage('stop');
    return this.ended;
  }
}
