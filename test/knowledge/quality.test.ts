import path from 'node:path';
import { DEFAULT_THRESHOLDS, WORD_VECTORS } from '../bot/harness';
import { evaluate, readQuestions } from '../../knowledge/evaluate';
import { loadKnowledgeBase } from '../../knowledge/loader';
import { Matcher } from '../../knowledge/matcher';

// The targets the shipped knowledge base must keep meeting on its held-out questions
// (knowledge/tests/questions.jsonl), with the shipped default thresholds.
describe('answer quality of the shipped knowledge base', () => {
  const root = path.resolve(__dirname, '..', '..');
  const matcher = Matcher.build(loadKnowledgeBase(path.join(root, 'knowledge')), {}, WORD_VECTORS);
  const questions = readQuestions(path.join(root, 'knowledge/tests/questions.jsonl'));
  const report = evaluate(questions, (t) => matcher.match(t), DEFAULT_THRESHOLDS);

  it('has at least 150 test questions, 30 of them off-topic', () => {
    expect(questions.length).toBeGreaterThanOrEqual(150);
    expect(questions.filter((q) => q.expect === 'none').length).toBeGreaterThanOrEqual(30);
  });

  it('answers at least 90% of in-scope questions with the right entry', () => {
    expect(report.inScopeAccuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('says it does not know for at least 80% of off-topic questions', () => {
    expect(report.noneRecall).toBeGreaterThanOrEqual(0.8);
  });

  it('offers a person every time one is asked for', () => {
    expect(report.humanRecall).toBe(1);
  });
});
