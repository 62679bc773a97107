import { loadKnowledgeBase } from '../../knowledge/loader';
import { Matcher } from '../../knowledge/matcher';
import { FIXTURE_KB, WORD_VECTORS } from '../bot/harness';

const matcher = Matcher.build(loadKnowledgeBase(FIXTURE_KB));
const top = (text: string) => matcher.match(text)[0]?.id;

describe('Matcher', () => {
  it.each([
    ['how can I pay council tax', 'council-tax-pay'],
    ['what day are my bins collected', 'bins-collection-day'],
    ['opening times of the recycling centre', 'recycling-centre'],
    ['i want to talk to a real person', 'human'],
    ['hello', 'greeting'],
    ['evicted and homeless', 'homelessness'],
  ])('ranks the right entry first for %p', (text, id) => {
    expect(top(text)).toBe(id);
  });

  it.each([
    ['counsil tax payment', 'council-tax-pay'],
    ['recyling centre opening tmes', 'recycling-centre'],
  ])('tolerates typos: %p', (text, id) => {
    expect(top(text)).toBe(id);
  });

  it('applies synonyms: "the tip" is the household waste recycling centre', () => {
    const [best] = matcher.match('is the tip open');
    expect(best?.id).toBe('recycling-centre');
    expect(best?.matched).toEqual(['the tip', 'open']);
  });

  it('returns confidences in [0, 1], best first', () => {
    const candidates = matcher.match('pay council tax');
    expect(candidates.length).toBeGreaterThan(1);
    for (const c of candidates) {
      expect(c.score).toBeGreaterThanOrEqual(0);
      expect(c.score).toBeLessThanOrEqual(1);
    }
    const scores = candidates.map((c) => c.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('scores an exact sample question higher than a loose paraphrase', () => {
    const exact = matcher.match('how do I pay my council tax')[0]!;
    const loose = matcher.match('council tax money')[0]!;
    expect(exact.id).toBe('council-tax-pay');
    expect(exact.score).toBeGreaterThan(loose.score);
  });

  it('says which of the resident’s words matched', () => {
    expect(matcher.match('pay my council tax please')[0]?.matched).toEqual(expect.arrayContaining(['pay', 'council', 'tax']));
  });

  it('is deterministic: the same question gives the same result', () => {
    const again = Matcher.build(loadKnowledgeBase(FIXTURE_KB));
    expect(again.match('bin collection council tax')).toEqual(matcher.match('bin collection council tax'));
  });

  it.each([
    ['empty text', ''],
    ['only spaces', '   \n\t '],
    ['punctuation only', '?!?!...,,;;'],
    ['emoji', '🗑️🗑️🚮😡'],
    ['another script', 'почему мусор не вывезли'],
    ['Chinese', '垃圾什么时候收'],
    ['numbers', '1234567890'],
  ])('copes with %s without throwing and finds nothing confident', (_name, text) => {
    const candidates = matcher.match(text);
    expect(Array.isArray(candidates)).toBe(true);
    expect(candidates[0]?.score ?? 0).toBeLessThan(0.5);
  });

  it('truncates a 10,000-character message and still matches its opening', () => {
    const long = `how do I pay my council tax ${'blah '.repeat(2000)}`;
    expect(long.length).toBeGreaterThan(10_000);
    expect(top(long)).toBe('council-tax-pay');
  });
});

describe('Matcher on the shipped knowledge base', () => {
  const shipped = Matcher.build(loadKnowledgeBase('knowledge'), {}, WORD_VECTORS);
  it.each([
    ['my bin was not emptied', 'bins-missed-collection'],
    ['how do I report a pothole', 'potholes-report'],
    ['appeal a parking ticket', 'parking-fine-appeal'],
    ['is the tip open on sunday', 'recycling-centre'],
  ])('%p → %s', (text, id) => {
    expect(shipped.match(text)[0]?.id).toBe(id);
  });
});
