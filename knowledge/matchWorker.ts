import { parentPort, workerData } from 'node:worker_threads';
import type { KnowledgeBase } from './loader';
import { Matcher, type Candidate } from './matcher';
import { loadWordVectors } from './wordVectors';

/**
 * The matcher thread's side (started by matchThread.ts): it builds a matcher for each knowledge
 * base it is sent, from the same entries and word vectors as the main thread's (training is
 * deterministic, so the two rank alike), and answers match requests in the order they come.
 */

export type ToWorker =
  | { kind: 'build'; handle: number; kb: Pick<KnowledgeBase, 'entries' | 'synonyms'> }
  | { kind: 'release'; handle: number }
  | { kind: 'match'; id: number; handle: number; text: string; limit: number };

export type FromWorker =
  | { kind: 'built'; handle: number }
  | { kind: 'build-failed'; handle: number; error: string }
  /** `candidates` undefined: no matcher for that handle (released, or its build failed). */
  | { kind: 'matched'; id: number; candidates?: Candidate[] }
  | { kind: 'match-failed'; id: number; error: string };

const port = parentPort;
if (!port) throw new Error('knowledge/matchWorker.ts runs as a worker thread (see matchThread.ts)');
const vectors = loadWordVectors((workerData as { vectorsFile: string }).vectorsFile);
const matchers = new Map<number, Matcher>();
/** Messages come in batches (matchThread.ts); their answers go back as one batch. */
port.on('message', (messages: ToWorker[]) => {
  const replies: FromWorker[] = [];
  for (const message of messages) handle(message, (r) => replies.push(r));
  if (replies.length) port.postMessage(replies);
});

function handle(message: ToWorker, reply: (message: FromWorker) => void): void {
  switch (message.kind) {
    case 'build':
      try {
        matchers.set(message.handle, Matcher.build(message.kb, {}, vectors));
        reply({ kind: 'built', handle: message.handle });
      } catch (err) {
        reply({ kind: 'build-failed', handle: message.handle, error: describe(err) });
      }
      return;
    case 'release':
      matchers.delete(message.handle);
      return;
    case 'match': {
      const matcher = matchers.get(message.handle);
      try {
        reply({ kind: 'matched', id: message.id, ...(matcher && { candidates: matcher.match(message.text, message.limit) }) });
      } catch (err) {
        reply({ kind: 'match-failed', id: message.id, error: describe(err) });
      }
      return;
    }
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
