import { Worker } from 'node:worker_threads';

/** One write of a group commit, as data: the statement, its parameters, and what to answer with. */
export interface WriteRequest {
  sql: string;
  params: unknown[];
  /** `run`: `{ changes }`; `get` and `all`: the rows a write returns (`INSERT ... RETURNING`). */
  mode: 'run' | 'get' | 'all';
}

export type WriteResult = { ok: true; value: unknown } | { ok: false; error: unknown };

/** An error as it crossed from the worker: SQLite's code is what callers (and storageFailure) look at. */
interface SentError {
  name: string;
  message: string;
  code?: string;
}

type FromWriter = { results: Array<{ ok: true; value: unknown } | { ok: false; error: SentError }> } | { failed: SentError };

// Plain JavaScript, so the worker runs the same under tsx, jest and the compiled build (as the
// checkpointer's). Its own connection, set up with the pragmas it is given (openDatabase's own).
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
for (const pragma of workerData.pragmas) db.pragma(pragma);
const statements = new Map();
function prepared(sql) {
  let statement = statements.get(sql);
  if (!statement) {
    if (statements.size >= 1000) statements.clear();
    statement = db.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}
function sent(err) {
  return { name: (err && err.name) || 'Error', message: (err && err.message) || String(err), ...(err && typeof err.code === 'string' && { code: err.code }) };
}
parentPort.on('message', (batch) => {
  if (batch === 'stop') {
    db.close();
    parentPort.close();
    return;
  }
  const results = [];
  try {
    db.exec('BEGIN IMMEDIATE');
    for (const { sql, params, mode } of batch) {
      try {
        const statement = prepared(sql);
        const value = mode === 'run' ? { changes: statement.run(...params).changes } : mode === 'get' ? statement.get(...params) : statement.all(...params);
        results.push({ ok: true, value });
      } catch (err) {
        // A failure that ended the transaction fails the whole batch, below.
        if (!db.inTransaction) throw err;
        results.push({ ok: false, error: sent(err) });
      }
    }
    db.exec('COMMIT');
    parentPort.postMessage({ results });
  } catch (err) {
    let failure = sent(err);
    if (db.inTransaction) {
      try {
        db.exec('ROLLBACK');
      } catch (rollbackError) {
        failure = { name: 'Error', message: failure.message + '; and its rollback failed: ' + sent(rollbackError).message, ...(failure.code && { code: failure.code }) };
      }
    }
    parentPort.postMessage({ failed: failure });
  }
});
`;

/**
 * Runs SQLite's group commits on a worker thread with a connection of its own, so the statements
 * and the commit of a turn's writes (transcript, report events, state: about 8% of a busy server's
 * main thread) no longer run on the event loop. The main connection keeps the reads and the
 * transactions; `SqliteSql` sends one batch at a time and begins a transaction only once no batch
 * is in flight, so the two connections never wait on each other's lock. What a caller is told is
 * unchanged: its write's result once the batch holding it is committed.
 */
export class BackgroundWriter {
  private readonly worker: Worker;
  private inFlight: { resolve: (results: WriteResult[]) => void; reject: (err: Error) => void } | undefined;
  /** Why the worker is gone, once it is. */
  private stopped: string | undefined;
  private readonly ended: Promise<void>;

  constructor(
    file: string,
    private readonly log: Pick<Console, 'error'>,
    /** Its connection's settings: those of every connection to the file, and its checkpoint threshold. */
    pragmas: readonly string[],
  ) {
    this.worker = new Worker(WORKER, { eval: true, workerData: { file, pragmas, driver: require.resolve('better-sqlite3') } });
    this.worker.on('message', (m: FromWriter) => this.answered(m));
    this.ended = new Promise((resolve) => {
      this.worker.once('error', (err) => {
        this.stop(`it failed: ${err.message}`);
        resolve();
      });
      this.worker.once('exit', (code) => {
        this.stop(`it exited with code ${code}`);
        resolve();
      });
    });
    this.worker.unref();
  }

  /** False once the worker has stopped: the caller commits on its own connection from then on. */
  get running(): boolean {
    return this.stopped === undefined;
  }

  /**
   * Commits the batch on the worker's connection: each write's result, in order (a write that
   * failed alone, a constraint, is undone alone), or a rejection if the batch was not committed.
   * One batch at a time.
   */
  commit(batch: WriteRequest[]): Promise<WriteResult[]> {
    if (this.inFlight) return Promise.reject(new Error('BackgroundWriter.commit: a batch is already in flight'));
    if (this.stopped) return Promise.reject(new WriterStoppedError(this.stopped));
    return new Promise((resolve, reject) => {
      this.inFlight = { resolve, reject };
      this.worker.postMessage(batch);
    });
  }

  /** Closes the worker's connection; resolves once it has ended. Call with no batch in flight. */
  close(): Promise<void> {
    if (this.stopped) return this.ended;
    this.stopped = 'closed';
    this.worker.postMessage('stop');
    return this.ended;
  }

  private answered(m: FromWriter): void {
    const inFlight = this.inFlight;
    this.inFlight = undefined;
    if (!inFlight) return;
    if ('failed' in m) {
      inFlight.reject(received(m.failed));
      return;
    }
    inFlight.resolve(m.results.map((r) => (r.ok ? r : { ok: false, error: received(r.error) })));
  }

  private stop(reason: string): void {
    if (this.stopped === 'closed') return;
    if (!this.stopped) {
      this.stopped = reason;
      this.log.error(`[database] the writer thread stopped (${reason}); writes are committed on the main thread from now on`);
    }
    // A batch in flight may or may not have been committed: its writers are told it failed.
    this.inFlight?.reject(new WriterStoppedError(reason));
    this.inFlight = undefined;
  }
}

export class WriterStoppedError extends Error {
  constructor(reason: string) {
    super(`The database writer thread stopped (${reason}) before the write was confirmed`);
    this.name = 'WriterStoppedError';
  }
}

/** The worker's error as an Error again, with SQLite's code, so callers handle it as before. */
function received(e: SentError): Error {
  return Object.assign(new Error(e.message), { name: e.name, ...(e.code && { code: e.code }) });
}
