import { loadKnowledgeBase } from '../../knowledge/loader';
import { Matcher } from '../../knowledge/matcher';
import { MatchThread } from '../../knowledge/matchThread';
import { defaultWordVectorsFile } from '../../knowledge/wordVectors';
import { FIXTURE_KB, WORD_VECTORS } from '../bot/harness';

const kb = loadKnowledgeBase(FIXTURE_KB);
const local = Matcher.build(kb, {}, WORD_VECTORS);
const QUESTIONS = ['how can I pay council tax', 'counsil tax payment', 'is the tip open', 'evicted and homeless', 'water a cactus', '', '🙂 ? !'];

/** A log that keeps what it is told, so a test can see that a failure was reported. */
function recordingLog() {
  const errors: string[] = [];
  return { errors, error: (message: string) => void errors.push(message) };
}

describe('MatchThread', () => {
  const threads: MatchThread[] = [];
  const start = (vectorsFile = defaultWordVectorsFile(), log = recordingLog()) => {
    const thread = new MatchThread(vectorsFile, log);
    threads.push(thread);
    return { thread, log };
  };
  afterEach(async () => {
    await Promise.all(threads.splice(0).map((t) => t.close()));
  });

  it('ranks on its thread exactly as the matcher on the main thread does', async () => {
    const { thread, log } = start();
    const matching = thread.serve(kb, local);
    await thread.whenBuilt();
    for (const question of QUESTIONS) {
      const answer = matching.match(question, 3);
      // Built: the answer comes from the thread, as a promise.
      expect(answer).toBeInstanceOf(Promise);
      await expect(answer).resolves.toEqual(local.match(question, 3));
    }
    expect(log.errors).toEqual([]);
  });

  it('answers on the main thread until its own copy is built', () => {
    const { thread } = start();
    const matching = thread.serve(kb, local);
    const answer = matching.match('how can I pay council tax');
    expect(Array.isArray(answer)).toBe(true);
    expect(answer).toEqual(local.match('how can I pay council tax'));
  });

  it('keeps the two latest knowledge bases; a turn still on an older one is answered on the main thread, the same way', async () => {
    const { thread } = start();
    const first = thread.serve(kb, local);
    const second = thread.serve(kb, local);
    const third = thread.serve(kb, local);
    await thread.whenBuilt();
    expect(Array.isArray(first.match('is the tip open'))).toBe(true);
    expect(first.match('is the tip open')).toEqual(local.match('is the tip open'));
    for (const kept of [second, third]) {
      const answer = kept.match('is the tip open');
      expect(answer).toBeInstanceOf(Promise);
      await expect(answer).resolves.toEqual(local.match('is the tip open'));
    }
  });

  it('answers questions still in flight on the main thread when it is closed, and every one after', async () => {
    const { thread } = start();
    const matching = thread.serve(kb, local);
    await thread.whenBuilt();
    const inFlight = QUESTIONS.map((q) => matching.match(q));
    await thread.close();
    await expect(Promise.all(inFlight)).resolves.toEqual(QUESTIONS.map((q) => local.match(q)));
    expect(Array.isArray(matching.match('evicted and homeless'))).toBe(true);
  });

  it('says so in the log when its thread fails, and questions are still answered, on the main thread', async () => {
    const { thread, log } = start('/nonexistent/word-vectors.bin');
    const matching = thread.serve(kb, local);
    const asked = matching.match('how can I pay council tax');
    await thread.whenBuilt();
    expect(log.errors).toHaveLength(1);
    expect(log.errors[0]).toMatch(/matcher thread stopped .*Word vectors not found at \/nonexistent\/word-vectors\.bin.*residents are still answered/s);
    await expect(Promise.resolve(asked)).resolves.toEqual(local.match('how can I pay council tax'));
    expect(matching.match('is the tip open')).toEqual(local.match('is the tip open'));
    // A knowledge base served after the failure is the main thread's matcher itself.
    expect(thread.serve(kb, local)).toBe(local);
  });
});
