import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KnowledgeBase } from './loader';
import type { Candidate, Matcher } from './matcher';
import type { FromWorker, ToWorker } from './matchWorker';

/** What ranks entries for a question: a `Matcher` itself, or one whose work runs on another thread. */
export interface Matching {
  match(text: string, limit?: number): Candidate[] | Promise<Candidate[]>;
}

/** Matchers the thread keeps: the one in force and the one before it, for turns still using it. */
const KEPT = 2;

/**
 * Matching on a thread of its own, so the event loop that answers residents is not the one that
 * ranks their questions (about a tenth of a busy server's main thread, see docs/reliability.md).
 *
 * `serve` hands the worker a knowledge base to build its own matcher from and returns a `Matching`
 * at once. Until the worker has built it, and for good once the worker has stopped, questions are
 * matched on the main thread by the matcher given as `local`, so a question is always answered
 * and ranked the same way: both matchers are trained on the same entries, deterministically.
 */
export class MatchThread {
  private readonly worker: Worker;
  /** Why the worker is gone, once it is; from then on every question is matched locally. */
  private stopped: string | undefined;
  private nextHandle = 1;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly served: ThreadMatcher[] = [];
  /** Messages for the worker, sent together once per turn of the event loop. */
  private outbox: ToWorker[] = [];

  constructor(
    vectorsFile: string,
    private readonly log: Pick<Console, 'error'>,
  ) {
    this.worker = startWorker(vectorsFile);
    // A server is kept alive by its sockets; the matcher thread alone must not keep a process up.
    this.worker.unref();
    this.worker.on('message', (messages: FromWorker[]) => messages.forEach((m) => this.received(m)));
    this.worker.on('error', (err) => this.stop(`it failed: ${err.stack ?? err.message}`));
    this.worker.on('exit', (code) => this.stop(`it exited with code ${code}`));
  }

  /** A `Matching` for this knowledge base: on the thread once built there, on `local` until then. */
  serve(kb: Pick<KnowledgeBase, 'entries' | 'synonyms'>, local: Matcher): Matching {
    if (this.stopped) return local;
    const served = new ThreadMatcher(this, this.nextHandle++, local);
    this.send({ kind: 'build', handle: served.handle, kb: { entries: kb.entries, synonyms: kb.synonyms } });
    this.served.push(served);
    while (this.served.length > KEPT) {
      const old = this.served.shift()!;
      old.released = true;
      this.send({ kind: 'release', handle: old.handle });
    }
    return served;
  }

  /** Resolves once every knowledge base served so far is built on the thread (or never will be). */
  async whenBuilt(): Promise<void> {
    await Promise.all(this.served.map((s) => s.built));
  }

  /** Questions already sent are answered locally; the thread is stopped. */
  async close(): Promise<void> {
    if (this.stopped) return;
    this.stopped = 'closed';
    this.answerPendingLocally();
    for (const served of this.served) served.settle(false);
    await this.worker.terminate();
  }

  /** Whether questions are now matched on the main thread for good. */
  isStopped(): boolean {
    return this.stopped !== undefined;
  }

  request(served: ThreadMatcher, text: string, limit: number): Promise<Candidate[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { text, limit, local: served.local, resolve, reject });
      this.send({ kind: 'match', id, handle: served.handle, text, limit });
    });
  }

  /**
   * A `postMessage` costs more than the question it carries (it wakes the other thread), and a busy
   * server matches several questions in one turn of its event loop: they go in one message.
   */
  private send(message: ToWorker): void {
    if (this.outbox.length === 0) setImmediate(() => this.flush());
    this.outbox.push(message);
  }

  private flush(): void {
    const messages = this.outbox;
    this.outbox = [];
    if (!this.stopped) this.worker.postMessage(messages);
  }

  private received(message: FromWorker): void {
    switch (message.kind) {
      case 'built': {
        this.served.find((s) => s.handle === message.handle)?.settle(true);
        return;
      }
      case 'build-failed':
        this.served.find((s) => s.handle === message.handle)?.settle(false);
        this.log.error(`[knowledge] The matcher thread could not build matcher ${message.handle}; its questions are matched on the main thread: ${message.error}`);
        return;
      case 'matched': {
        const pending = this.take(message.id);
        if (!pending) return;
        // Released meanwhile (a turn that began two reloads ago): the local matcher is the same one.
        if (message.candidates) pending.resolve(message.candidates);
        else answerLocally(pending);
        return;
      }
      case 'match-failed': {
        const pending = this.take(message.id);
        pending?.reject(new MatchThreadError(`Matching a question on the matcher thread failed: ${message.error}`));
        return;
      }
    }
  }

  private take(id: number): Pending | undefined {
    const pending = this.pending.get(id);
    this.pending.delete(id);
    return pending;
  }

  private stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = reason;
    this.log.error(`[knowledge] The matcher thread stopped (${reason}). Questions are matched on the main thread from now on: residents are still answered, more slowly under load. Restart Parley to use the thread again.`);
    this.answerPendingLocally();
    for (const served of this.served) served.settle(false);
  }

  private answerPendingLocally(): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    pending.forEach(answerLocally);
  }
}

export class MatchThreadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MatchThreadError';
  }
}

/** One knowledge base's matcher on the thread. */
class ThreadMatcher implements Matching {
  private ready = false;
  released = false;
  /** Whether the thread built it: false if it failed or the thread stopped first. */
  readonly built: Promise<boolean>;
  private resolveBuilt!: (built: boolean) => void;

  constructor(
    private readonly thread: MatchThread,
    readonly handle: number,
    readonly local: Matcher,
  ) {
    this.built = new Promise((resolve) => (this.resolveBuilt = resolve));
  }

  settle(built: boolean): void {
    this.ready = built;
    this.resolveBuilt(built);
  }

  match(text: string, limit = 5): Candidate[] | Promise<Candidate[]> {
    if (!this.ready || this.released || this.thread.isStopped()) return this.local.match(text, limit);
    return this.thread.request(this, text, limit);
  }
}

interface Pending {
  text: string;
  limit: number;
  local: Matcher;
  resolve: (candidates: Candidate[]) => void;
  reject: (err: Error) => void;
}

function answerLocally(pending: Pending): void {
  try {
    pending.resolve(pending.local.match(pending.text, pending.limit));
  } catch (err) {
    pending.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

function startWorker(vectorsFile: string): Worker {
  const file = path.join(__dirname, `matchWorker${path.extname(__filename)}`);
  // Run from TypeScript (tsx, ts-jest), the worker is TypeScript too, and a worker does not
  // inherit its parent's loader: it registers tsx itself. Built (`npm start`), it is plain JS.
  const loader = file.endsWith('.ts') ? `require(${JSON.stringify(require.resolve('tsx/cjs'))});` : '';
  return new Worker(`${loader}require(${JSON.stringify(file)});`, { eval: true, workerData: { vectorsFile } });
}
