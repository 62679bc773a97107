import type Database from 'better-sqlite3';
import type { Sql, SqlParams } from '../../knowledge/sql';
import type { BackgroundWriter, WriteRequest, WriteResult } from './writer';

/**
 * `Sql` over one better-sqlite3 connection.
 *
 * Reads run at once. Writes outside a transaction (`run`, and `get` or `all` of a statement that
 * writes, such as `INSERT ... RETURNING`) are committed together: each is queued,
 * and once per turn of the event loop (`setImmediate`) the queue runs as one transaction, in the
 * order the writes were made; each caller's promise settles when its write is committed (or
 * has failed). A commit costs more than a small write (about 30 µs here: the write-ahead log's
 * frames for every page touched), and a busy server makes several writes per resident turn for
 * many residents in one turn of the loop, so this is "group commit": the same durability as one
 * transaction per write, at a fraction of the commits. A reader sees only committed writes, as on
 * PostgreSQL's pool: a caller that needs its own write must await it first.
 *
 * In the server the batches are committed on a writer thread (./writer.ts), one at a time: the
 * statements and the commit are then off the event loop. A transaction still runs here, on this
 * connection; it begins once every batch sent is committed, so the two connections never contend.
 *
 * A transaction spans awaits, and other requests' statements could run on the same connection
 * in between and silently join it. So while one is open, every other call waits for it to end:
 * SQLite has one writer anyway, and these waits are microseconds.
 */
export class SqliteSql implements Sql {
  readonly dialect = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();
  /** Settles when the open transaction ends; undefined when none is open. */
  private open: Promise<void> | undefined;
  /** What `transaction` hands to its work: runs statements at once, and nests by joining. */
  private readonly inside: Sql;
  /** Writes waiting for the next group commit, in the order they were made. */
  private queued: QueuedWrite[] = [];
  /** Where group commits run, if not on this connection (./writer.ts). */
  private writer: BackgroundWriter | undefined;
  /** Settles once the writer has answered every batch sent; undefined when none is in flight. */
  private inFlight: Promise<void> | undefined;

  constructor(readonly db: Database.Database) {
    const run = <T>(work: () => T) => settled(work);
    this.inside = {
      dialect: 'sqlite',
      all: (sql, params) => run(() => this.prepared(sql).all(...bind(params)) as never),
      get: (sql, params) => run(() => this.prepared(sql).get(...bind(params)) as never),
      run: (sql, params) => run(() => ({ changes: this.prepared(sql).run(...bind(params)).changes })),
      exec: (script) => run(() => void this.db.exec(script)),
      transaction: (work) => work(this.inside),
    };
  }

  /** Group commits run on the writer's thread from now on (the server; scripts and tests keep them here). */
  commitInBackground(writer: BackgroundWriter): void {
    this.writer = writer;
  }

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.whenFree(() => (this.prepared(sql).readonly ? this.inside.all<T>(sql, params) : this.queue<T[]>({ sql, params: bind(params), mode: 'all' })));
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.whenFree(() => (this.prepared(sql).readonly ? this.inside.get<T>(sql, params) : this.queue<T | undefined>({ sql, params: bind(params), mode: 'get' })));
  }

  run(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    return this.whenFree(() => this.queue<{ changes: number }>({ sql, params: bind(params), mode: 'run' }));
  }

  exec(script: string): Promise<void> {
    return this.whenFree(async () => {
      await this.flush();
      // A transaction may have begun while the writes were committed: the script must not join it.
      return this.whenFree(() => this.inside.exec(script));
    });
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    while (this.open) await this.open;
    let end!: () => void;
    this.open = new Promise((resolve) => (end = resolve));
    try {
      // Writes made before the transaction began are committed before it, in their order (and
      // the writer's connection has let go of the write lock).
      await this.flush();
      // IMMEDIATE takes the write lock now, so another process's writer makes this wait
      // (busy_timeout) at the start rather than fail at the first write.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.inside);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.open = undefined;
      end();
    }
  }

  /** Resolves once every write made so far is committed, or has failed (closing the database waits for it). */
  async flush(): Promise<void> {
    for (;;) {
      if (this.inFlight) await this.inFlight;
      else if (this.queued.length === 0) return;
      else this.startCommit();
    }
  }

  /** A write for the next group commit; settles once it is committed (or has failed). */
  private queue<T>(request: WriteRequest): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.commitQueued());
      this.queued.push({ request, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** The event loop's group commit, once per turn of it. */
  private commitQueued(): void {
    if (this.queued.length === 0) return;
    // Not possible today (`run` waits while a transaction is open, and a transaction commits the
    // queue as it begins), but a write must never be left waiting for a flush that is not coming.
    if (this.open) {
      void this.open.then(() => this.commitQueued());
      return;
    }
    // A batch on the writer's thread: these go in the next, once it is answered.
    if (this.inFlight) return;
    this.startCommit();
  }

  private startCommit(): void {
    if (this.writer?.running) {
      this.inFlight = this.commitOnWriter();
      return;
    }
    const batch = this.queued;
    this.queued = [];
    this.commitHere(batch);
  }

  /** Batches to the writer's thread, one at a time, until none is waiting. */
  private async commitOnWriter(): Promise<void> {
    try {
      while (this.queued.length > 0 && this.writer?.running) {
        const batch = this.queued;
        this.queued = [];
        try {
          const results = await this.writer.commit(batch.map((w) => w.request));
          batch.forEach(({ resolve, reject }, i) => {
            const result = results[i]!;
            if (result.ok) resolve(result.value);
            else reject(result.error);
          });
        } catch (error) {
          for (const { reject } of batch) reject(error);
        }
      }
    } finally {
      this.inFlight = undefined;
    }
    // The writer stopped meanwhile: what is left is committed here.
    if (this.queued.length > 0) setImmediate(() => this.commitQueued());
  }

  /**
   * Commits a batch on this connection, as one transaction. A write that fails alone (a
   * constraint) is undone alone, as SQLite undoes a failed statement and keeps the transaction; a
   * failure that ends the transaction (a full disk, an I/O error) or the commit fails every write
   * in it, since none of them was kept.
   */
  private commitHere(batch: QueuedWrite[]): void {
    const results: WriteResult[] = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const { request } of batch) {
        try {
          results.push({ ok: true, value: this.write(request) });
        } catch (error) {
          if (!this.db.inTransaction) throw error;
          results.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      const failure = this.rollBack(error);
      for (const { reject } of batch) reject(failure);
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const result = results[i]!;
      if (result.ok) resolve(result.value);
      else reject(result.error);
    });
  }

  private write({ sql, params, mode }: WriteRequest): unknown {
    const statement = this.prepared(sql);
    if (mode === 'run') return { changes: statement.run(...params).changes };
    return mode === 'get' ? statement.get(...params) : statement.all(...params);
  }

  /** Ends a failed group commit; the error to give its writers (the rollback's own failure joins it). */
  private rollBack(error: unknown): unknown {
    if (!this.db.open || !this.db.inTransaction) return error;
    try {
      this.db.exec('ROLLBACK');
      return error;
    } catch (rollbackError) {
      return new AggregateError([error, rollbackError], 'a group commit failed, and so did its rollback');
    }
  }

  private whenFree<T>(call: () => Promise<T>): Promise<T> {
    if (!this.open) return call();
    return this.open.then(() => this.whenFree(call));
  }

  /** Prepared once per statement text: stores use fixed texts, so the cache stays small. */
  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      // A store that builds texts (an IN list of varying length) must not grow this for ever.
      if (this.statements.size >= 1_000) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

function bind(params: SqlParams | undefined): unknown[] {
  if (params === undefined) return [];
  return Array.isArray(params) ? params : [params];
}

interface QueuedWrite {
  request: WriteRequest;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/** A synchronous call as a promise: its value, or its exception as a rejection. */
function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
}
