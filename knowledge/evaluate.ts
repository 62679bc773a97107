import fs from 'node:fs';
import { z } from 'zod';
import { decide, type Decision, type Thresholds } from './decide';
import type { Candidate } from './matcher';

/** One line of a questions file: a resident's message and what the bot should do with it. */
export const testQuestionSchema = z.strictObject({
  text: z.string(),
  expect: z.string().min(1),
});
export type TestQuestion = z.infer<typeof testQuestionSchema>;

export class QuestionsFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'QuestionsFileError';
  }
}

/** Reads a JSON-lines questions file; blank lines are skipped, anything else must be valid. */
export function readQuestions(file: string): TestQuestion[] {
  const out: TestQuestion[] = [];
  fs.readFileSync(file, 'utf8')
    .split('\n')
    .forEach((raw, i) => {
      if (!raw.trim()) return;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch (err) {
        throw new QuestionsFileError(file, i + 1, `not valid JSON (${(err as Error).message})`);
      }
      const parsed = testQuestionSchema.safeParse(json);
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        throw new QuestionsFileError(file, i + 1, `${issue.path.join('.') || 'line'}: ${issue.message}`);
      }
      out.push(parsed.data);
    });
  return out;
}

export interface Miss {
  text: string;
  expect: string;
  got: string;
  candidates: { id: string; score: number }[];
}

export interface EvalReport {
  total: number;
  inScopeAccuracy: number;
  noneRecall: number;
  humanRecall: number;
  misses: Miss[];
}

/** What a decision amounts to, in the vocabulary of the `expect` field. */
export function outcome(decision: Decision): string {
  switch (decision.kind) {
    case 'answer':
      return decision.entryId;
    case 'handoff':
      return 'human';
    case 'none':
      return 'none';
    case 'clarify':
      return `did-you-mean(${decision.options.map((o) => o.id).join(',')})`;
  }
}

/**
 * Scores questions against the bot's own decision rule. `none` is right only when the bot
 * says it does not know, `human` only when it offers a person, an id only when it answers
 * that entry directly: a "did you mean" counts as wrong.
 */
export function evaluate(
  questions: readonly TestQuestion[],
  match: (text: string) => Candidate[],
  thresholds: Thresholds,
): EvalReport {
  const tally = { inScope: [0, 0], none: [0, 0], human: [0, 0] };
  const misses: Miss[] = [];
  for (const q of questions) {
    const candidates = match(q.text);
    const got = outcome(decide(candidates, thresholds));
    const group = q.expect === 'none' ? tally.none : q.expect === 'human' ? tally.human : tally.inScope;
    group[1]! += 1;
    if (got === q.expect) group[0]! += 1;
    else misses.push({ text: q.text, expect: q.expect, got, candidates: candidates.slice(0, 3).map(({ id, score }) => ({ id, score: round(score) })) });
  }
  const rate = ([right, all]: number[]) => (all ? round(right! / all!) : 1);
  return {
    total: questions.length,
    inScopeAccuracy: rate(tally.inScope),
    noneRecall: rate(tally.none),
    humanRecall: rate(tally.human),
    misses,
  };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
