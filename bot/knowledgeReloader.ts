import { formatFinding, type Finding } from '../knowledge/check';
import { shortVersion } from '../knowledge/version';
import { knowledgeFilesFingerprint, watchKnowledge, type KnowledgeWatch } from '../knowledge/watch';
import type { MatchThread } from '../knowledge/matchThread';
import type { WordVectors } from '../knowledge/wordVectors';
import { buildKnowledge, loadKnowledge, readKnowledge, type LoadedKnowledge } from './knowledgeLoad';

/**
 * Live reload of the knowledge base. An edit to the knowledge folder is read and checked exactly as
 * at start; only a valid knowledge base gets a matcher, has its bin data and version written to
 * the database (one transaction, `commit`), and once that has committed is swapped in by a single
 * assignment of a new, never-changed object. Reloads run one after another: a slow commit cannot
 * let an older version be swapped in over a newer one. A turn takes the knowledge from
 * `current()` once (`Conversation` pins it for the turn), so it never sees half of one version and
 * half of another, and a turn already running finishes with what it started with. An invalid
 * knowledge base is logged once, in kb:check's words, and the one in force keeps serving.
 *
 * Reading and building are synchronous and block other requests while they run: measured here (2 shared cores)
 * on the shipped knowledge base (56 entries), 0.55-0.7 s per reload, of which 0.48-0.64 s trains
 * the matcher; the fixture knowledge base of 8 entries takes about 20 ms. That happens once per
 * burst of saves, and turns that arrive meanwhile wait for it; none is lost. The matcher thread
 * (knowledge/matchThread.ts) trains its own copy meanwhile, for the turns; this one answers them
 * until that copy is ready, and stays for reports and the console's search.
 */

export interface ReloadStatus {
  /** The version in force (full SHA-256: see knowledge/version.ts). */
  version: string;
  /** When the version in force was loaded. */
  loadedAt: string;
  liveReload: 'on' | 'off';
  /** The last reload that read the files (events that changed no file are not counted). */
  lastReload?: { at: string; ok: true; version: string } | { at: string; ok: false; problems: number };
}

export type ReloadResult =
  /** No knowledge file changed since the last look. */
  | { kind: 'unchanged' }
  /** Files changed but not the content (comments, layout): nothing to rebuild. */
  | { kind: 'same-version'; version: string }
  | { kind: 'reloaded'; version: string; buildMs: number }
  | { kind: 'invalid'; findings: Finding[] }
  /** Reading or writing failed for a reason other than the content (logged with its stack). */
  | { kind: 'failed'; error: Error };

export interface ReloaderDeps {
  dir: string;
  vectors: WordVectors;
  /** Where turns match, if not on the main thread (knowledge/matchThread.ts). */
  matchThread?: MatchThread;
  /**
   * Writes what a version keeps in the database (bin rounds, the version's text) in one
   * transaction. The swap waits for it: if it rejects, it has rolled back and the old knowledge
   * keeps serving.
   */
  commit: (next: LoadedKnowledge) => Promise<void>;
  /** Off: the knowledge base is read once at start, as before live reload. */
  watch: boolean;
  log: Pick<Console, 'info' | 'error'>;
  now: () => Date;
  /** Paths in messages are shown relative to this (default: the working folder). */
  displayRoot?: string;
  debounceMs?: number;
}

export class KnowledgeReloader {
  private knowledge: LoadedKnowledge;
  private loadedAt: Date;
  private lastReload: ReloadStatus['lastReload'];
  /** The files as last read, good or bad: the same bytes are never read, built or logged twice. */
  private lastFingerprint: string;
  /** The failure last logged, so a save that gives the same errors again is not logged again. */
  private lastLoggedFailure: string | undefined;
  private readonly watcher: KnowledgeWatch | undefined;
  /** The first commit, for `ready()`. */
  private readonly committed: Promise<void>;
  /** The reload running or last run: the next one starts after it. */
  private latest: Promise<unknown>;

  /**
   * Loads the knowledge base (a KnowledgeError stops the start), starts committing it and starts
   * watching. Serve nothing before `ready()` resolves.
   */
  constructor(private readonly deps: ReloaderDeps) {
    this.lastFingerprint = knowledgeFilesFingerprint(deps.dir);
    this.knowledge = loadKnowledge(deps.dir, deps.vectors, deps.displayRoot, deps.matchThread);
    this.committed = deps.commit(this.knowledge);
    // A failed first commit is ready()'s to report; reloads still wait for it to settle.
    this.latest = this.committed.catch(() => undefined);
    this.loadedAt = deps.now();
    this.watcher = deps.watch
      ? watchKnowledge(deps.dir, () => this.reloadLogged(), {
          ...(deps.debounceMs !== undefined && { debounceMs: deps.debounceMs }),
          onError: (err) => deps.log.error(`[knowledge] Stopped watching ${deps.dir} for changes: ${err.message}. Restart Parley to see later edits.`),
        })
      : undefined;
  }

  /** Resolves once the knowledge loaded at start is committed; rejects if that failed. */
  ready(): Promise<void> {
    return this.committed;
  }

  /** The knowledge in force: one immutable object, replaced whole by a reload. */
  current(): LoadedKnowledge {
    return this.knowledge;
  }

  status(): ReloadStatus {
    return {
      version: this.knowledge.version,
      loadedAt: this.loadedAt.toISOString(),
      liveReload: this.watcher ? 'on' : 'off',
      ...(this.lastReload && { lastReload: this.lastReload }),
    };
  }

  /**
   * Reads the files again and swaps in what they hold if it is valid. The watcher calls it after
   * each burst of saves. Never rejects: what went wrong is in the result, and logged.
   */
  reload(): Promise<ReloadResult> {
    const next = this.latest.then(() => this.reloadNow());
    this.latest = next.catch(() => undefined);
    return next;
  }

  /** For the watcher, which has nobody to hand the result to. */
  private reloadLogged(): void {
    this.reload().catch((err: unknown) => this.deps.log.error(`[knowledge] Reload failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  }

  private async reloadNow(): Promise<ReloadResult> {
    const fingerprint = knowledgeFilesFingerprint(this.deps.dir);
    if (fingerprint === this.lastFingerprint) return { kind: 'unchanged' };
    this.lastFingerprint = fingerprint;
    const at = this.deps.now();
    try {
      const read = readKnowledge(this.deps.dir, this.deps.displayRoot);
      if (read.kind === 'invalid') {
        this.failed(at, read.findings.length, invalidMessage(read.findings, this.knowledge.version));
        return read;
      }
      if (read.content.version === this.knowledge.version) {
        this.succeeded(at, read.content.version);
        return { kind: 'same-version', version: read.content.version };
      }
      const started = performance.now();
      const next = buildKnowledge(read.content, this.deps.vectors, this.deps.matchThread);
      const buildMs = Math.round(performance.now() - started);
      await this.deps.commit(next);
      this.knowledge = next;
      this.loadedAt = at;
      this.succeeded(at, next.version);
      this.deps.log.info(
        `[knowledge] Reloaded: version ${shortVersion(next.version)} (${next.kb.entries.length} entries) is now live; the matcher took ${buildMs} ms to build.`,
      );
      return { kind: 'reloaded', version: next.version, buildMs };
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // Not the content's fault, so the next save may fail the same way: let it try (and tell) again.
      this.lastFingerprint = '';
      this.failed(at, 1, `[knowledge] Reload failed: ${error.stack ?? error.message}\nResidents still get answers from version ${shortVersion(this.knowledge.version)}.`);
      return { kind: 'failed', error };
    }
  }

  close(): void {
    this.watcher?.close();
  }

  private succeeded(at: Date, version: string): void {
    this.lastReload = { at: at.toISOString(), ok: true, version };
    this.lastLoggedFailure = undefined;
  }

  private failed(at: Date, problems: number, message: string): void {
    this.lastReload = { at: at.toISOString(), ok: false, problems };
    if (message === this.lastLoggedFailure) return;
    this.lastLoggedFailure = message;
    this.deps.log.error(message);
  }
}

/** One log message, in kb:check's form, saying what is wrong and that nothing changed for residents. */
function invalidMessage(findings: readonly Finding[], inForce: string): string {
  const count = `${findings.length} error${findings.length === 1 ? '' : 's'}`;
  const lines = findings.map((f) => `error    ${formatFinding(f)}\n         Fix: ${f.hint}`);
  return (
    `[knowledge] Not reloaded: the knowledge base has ${count}. Residents still get answers from version ${shortVersion(inForce)}. ` +
    `Fix ${findings.length === 1 ? 'it' : 'them'} and save again (npm run kb:check shows the same list).\n${lines.join('\n')}`
  );
}

/**
 * A stand-in for an object that a reload replaces (the bank holidays, the set of department ids),
 * for modules that take the object itself rather than a function: every property read goes to the
 * object in force at that moment, so they follow reloads without knowing about them.
 */
export function following<T extends object>(current: () => T): T {
  return new Proxy({} as T, {
    get(_target, property) {
      const target = current();
      // Bound to the real object: Map and Set methods and getters (size) refuse any other receiver.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has: (_target, property) => Reflect.has(current(), property),
  });
}
