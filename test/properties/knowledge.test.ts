import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { loadKnowledgeBase } from '../../knowledge/loader';
import { Matcher } from '../../knowledge/matcher';
import { KnowledgeError } from '../../knowledge/yamlFile';
import { FIXTURE_KB } from '../fixtureKb';
import { tempDir } from '../tempDb';

/**
 * What a resident types reaches the matcher unfiltered, and what an editor saves reaches the
 * loader: neither may throw anything but a KnowledgeError, whatever the input. Work is bounded by
 * what is countable: the matcher never returns more candidates than asked for or than there are
 * entries, with finite scores.
 */
const kb = loadKnowledgeBase(FIXTURE_KB);
const matcher = Matcher.build(kb);
const ids = new Set(kb.entries.map((e) => e.id));

const anyText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.array(fc.constantFrom('bin', 'bins', 'missed', 'council', 'tax', 'pay', '?', '!!!', 'é', '😀', ' ', '\n', 'the', 'a', '-', "'", 'xyzzy'), { maxLength: 80 }).map((w) => w.join(' ')),
  fc.constant(''),
);

describe('matcher, on any question', () => {
  it('never throws and returns at most `limit` known entries with finite scores, best first', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 0, max: 20 }), (question, limit) => {
        const found = matcher.match(question, limit);
        expect(found.length).toBeLessThanOrEqual(Math.min(limit, kb.entries.length));
        for (const c of found) {
          expect(ids.has(c.id)).toBe(true);
          expect(Number.isFinite(c.score)).toBe(true);
        }
        const scores = found.map((c) => c.score);
        expect(scores).toEqual([...scores].sort((a, b) => b - a));
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same answer to the same question (no state kept between turns)', () => {
    fc.assert(
      fc.property(anyText, (question) => {
        expect(matcher.match(question)).toEqual(matcher.match(question));
      }),
      { numRuns: 50 },
    );
  });

  it('copes with an empty question and a very long one', () => {
    expect(() => matcher.match('')).not.toThrow();
    const long = matcher.match('when is my bin collected '.repeat(5_000));
    expect(long.length).toBeLessThanOrEqual(5);
  });
});

describe('loader, on any file an editor might save', () => {
  // One copy of the valid fixture per run, then one file replaced by the generated text.
  const valid = path.resolve(__dirname, '..', 'fixtures', 'kb', 'valid');
  const original = fs.readFileSync(path.join(valid, 'entries.yaml'), 'utf8');

  function loadWith(file: string, text: string): 'loaded' | 'rejected' {
    const dir = tempDir('parley-prop-kb-');
    fs.cpSync(valid, dir, { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
    try {
      loadKnowledgeBase(dir, dir);
      return 'loaded';
    } catch (err) {
      // Anything but a KnowledgeError (with its file:line problems) is a crash an editor cannot act on.
      if (!(err instanceof KnowledgeError)) throw err;
      expect(err.problems.length).toBeGreaterThan(0);
      return 'rejected';
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  // Aliases included: one used before its anchor made `doc.toJS()` throw a ReferenceError instead
  // of a KnowledgeError (found by this test, fixed in knowledge/yamlFile.ts).
  const yamlish = fc.array(fc.constantFrom('- ', 'id: ', 'entries:', '  ', '\n', ':', '[', ']', '{', '}', '&a', '*a', '*', '!!binary', '"', "'", '|', '>', '#', 'x', '1e999', 'null', '~', '\t', '😀'), {
    maxLength: 80,
  }).map((parts) => parts.join(''));
  const anyFile = fc.oneof(fc.string({ unit: 'grapheme', maxLength: 500 }), yamlish, fc.constant(''));

  it('an alias used before its anchor is a KnowledgeError naming the file', () => {
    expect(loadWith('entries.yaml', 'entries:\n  - *a\n  - &a {id: x}\n')).toBe('rejected');
  });

  it.each(['entries.yaml', 'departments.yaml', 'synonyms.yaml'])('%s replaced by arbitrary text: loaded or a KnowledgeError, nothing else', (file) => {
    fc.assert(
      fc.property(anyFile, (text) => {
        expect(['loaded', 'rejected']).toContain(loadWith(file, text));
      }),
      { numRuns: 40 },
    );
  });

  it('a valid file cut off at any point: loaded or a KnowledgeError', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: original.length }), (at) => {
        expect(['loaded', 'rejected']).toContain(loadWith('entries.yaml', original.slice(0, at)));
      }),
      { numRuns: 40 },
    );
  });

  // 50,000 broken entries (about 150,000 problems): the loader's `problems.push(...found)` used to
  // overflow the call stack (a RangeError, not a KnowledgeError); it adds them one by one now.
  it('a large broken file is rejected with its problems, not a crash', () => {
    expect(loadWith('entries.yaml', `entries:\n${'  - id: x\n'.repeat(50_000)}`)).toBe('rejected');
  });
});
