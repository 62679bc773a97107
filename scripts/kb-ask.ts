/**
 * npm run kb:ask -- "question" [--json] [--dir FOLDER]
 * Shows what the bot would do with a question: the decision, the top 5 entries with their
 * scores, and the words that matched each, as the matcher read them.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { normalizePostcode } from '../knowledge/bins/postcode';
import { decide, HUMAN_ENTRY_ID, type Decision, type Thresholds } from '../knowledge/decide';
import { loadKnowledgeBase, type KnowledgeBase } from '../knowledge/loader';
import { defaultMatcherOptions, Matcher, type Candidate } from '../knowledge/matcher';
import { clean, isStopword, SynonymMap, termsWithOrigin, words } from '../knowledge/normalize';
import { spellerFor } from '../knowledge/spelling';
import { loadWordVectors } from '../knowledge/wordVectors';
import { UsageError } from './cli';


const TOP = 5;

type AskDecision =
  | { kind: 'answer'; entryId: string; score: number }
  | { kind: 'handoff'; entryId: string; score: number }
  | { kind: 'did-you-mean'; options: { id: string; score: number }[] }
  | { kind: 'dont-know'; bestScore: number };

interface Asked {
  question: string;
  thresholds: Thresholds;
  /** Words the speller changed before matching, as the matcher changes them. */
  corrections: { from: string; to: string }[];
  /** What the matcher scores on: stems with synonyms applied (stopwords included). */
  terms: string[];
  decision: AskDecision;
  /** When the bot answers before the matcher is asked: an exact entry title, or a bare postcode. */
  shortcut?: { kind: 'title'; entryId: string } | { kind: 'postcode'; postcode: string };
  candidates: {
    id: string;
    title: string;
    file: string;
    line: number;
    score: number;
    /** The resident's words (spelling fixed) that the entry also uses, with the terms they became. */
    matched: { words: string; terms: string[] }[];
  }[];
}

function asDecision(d: Decision, candidates: readonly Candidate[]): AskDecision {
  switch (d.kind) {
    case 'answer':
      return { kind: 'answer', entryId: d.entryId, score: d.score };
    case 'handoff':
      return { kind: 'handoff', entryId: HUMAN_ENTRY_ID, score: d.score };
    case 'clarify':
      return { kind: 'did-you-mean', options: d.options.map((o) => ({ id: o.id, score: o.score })) };
    case 'none':
      return { kind: 'dont-know', bestScore: candidates[0]?.score ?? 0 };
  }
}

export function ask(question: string, kb: KnowledgeBase, matcher: Matcher, thresholds: Thresholds): Asked {
  const synonyms = new SynonymMap(kb.synonyms);
  const speller = spellerFor(kb);
  const original = words(question);
  const corrected = original.map((w) => (isStopword(w) ? w : speller.correct(w)));
  const corrections = original.flatMap((from, i) => (corrected[i] !== from ? [{ from, to: corrected[i]! }] : []));
  const candidates = matcher.match(question, TOP);
  const said = clean(question);
  const byTitle = kb.entries.find((e) => clean(e.title) === said);
  const postcode = normalizePostcode(question);
  return {
    question,
    thresholds,
    corrections,
    terms: termsWithOrigin(corrected, synonyms, defaultMatcherOptions.keepStopwords).terms,
    decision: asDecision(decide(candidates, thresholds), candidates),
    shortcut: byTitle ? { kind: 'title', entryId: byTitle.id } : postcode ? { kind: 'postcode', postcode } : undefined,
    candidates: candidates.map((c) => {
      const entry = kb.byId.get(c.id)!;
      return {
        id: c.id,
        title: entry.title,
        file: entry.file,
        line: entry.line,
        score: c.score,
        matched: c.matched.map((phrase) => ({ words: phrase, terms: termsWithOrigin(words(phrase), synonyms, true).terms })),
      };
    }),
  };
}

const fixed = (n: number) => n.toFixed(3);

function describe(a: Asked, kb: KnowledgeBase): string[] {
  const title = (id: string) => kb.byId.get(id)?.title ?? id;
  const { answer, suggest } = a.thresholds;
  const d = a.decision;
  const lines: string[] = [];
  switch (d.kind) {
    case 'answer': {
      const entry = kb.byId.get(d.entryId)!;
      const then =
        entry.lookup === 'bin-day'
          ? ', then asks for a postcode to look up bin days'
          : entry.escalate === 'urgent'
            ? ', then offers a person at once (urgent)'
            : entry.escalate === 'offer'
              ? ', then offers a person'
              : '';
      lines.push(`Decision:  answer with "${d.entryId}" (${entry.title})${then}. Score ${fixed(d.score)}: it answers at ${answer} or more.`);
      break;
    }
    case 'handoff':
      lines.push(`Decision:  handoff: offers to put the resident in touch with a person ("${d.entryId}", score ${fixed(d.score)}).`);
      break;
    case 'did-you-mean':
      lines.push(`Decision:  did you mean: scores from ${suggest} up to ${answer} ask the resident to choose.`);
      d.options.forEach((o, i) => lines.push(`           ${i + 1}. ${title(o.id)} ("${o.id}", ${fixed(o.score)})`));
      lines.push('           or None of these');
      break;
    case 'dont-know':
      lines.push(`Decision:  don't know: the best score, ${fixed(d.bestScore)}, is below ${suggest}. The bot says it cannot help and gives the council's contact details.`);
      break;
  }
  if (a.shortcut?.kind === 'title') {
    lines.push(`Note:      this is exactly the title of "${a.shortcut.entryId}", so the bot answers that entry before it asks the matcher (as when a resident presses its button).`);
  } else if (a.shortcut?.kind === 'postcode') {
    lines.push(`Note:      this is a postcode (${a.shortcut.postcode}), so the bot looks up bin collection days before it asks the matcher.`);
  }
  return lines;
}

function print(a: Asked, kb: KnowledgeBase): void {
  console.log(`Question:  "${a.question}"`);
  if (a.corrections.length) console.log(`Spelling:  ${a.corrections.map((c) => `${c.from} → ${c.to}`).join(', ')}`);
  console.log(`Read as:   ${a.terms.join(' ') || '(no words)'}`);
  for (const line of describe(a, kb)) console.log(line);
  console.log('');
  if (!a.candidates.length) {
    console.log('No entry shares any words with this question.');
    return;
  }
  console.log(`Top ${a.candidates.length} (answer at ${a.thresholds.answer} or more, "did you mean" at ${a.thresholds.suggest} or more):`);
  a.candidates.forEach((c, i) => {
    console.log(`  ${i + 1}. ${fixed(c.score)}  ${c.id}: ${c.title} (${c.file}:${c.line})`);
    const matched = c.matched.map((m) => (m.terms.join(' ') === m.words ? m.words : `${m.words} → ${m.terms.join(' ')}`));
    console.log(`     matched: ${matched.join(', ') || 'no words in common (similar spelling or meaning only)'}`);
  });
}

function main(): void {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { json: { type: 'boolean', default: false }, dir: { type: 'string' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const question = parsed.positionals.join(' ').trim();
  if (!question) throw new UsageError('Give the question to ask, for example: npm run kb:ask -- "when is my bin day"');
  const config = loadConfig();
  const dir = parsed.values.dir ? path.resolve(parsed.values.dir) : config.knowledgeDir;
  const kb = loadKnowledgeBase(dir);
  const matcher = Matcher.build(kb, {}, loadWordVectors());
  const thresholds = { answer: config.PARLEY_ANSWER_THRESHOLD, suggest: config.PARLEY_SUGGEST_THRESHOLD };
  const asked = ask(question, kb, matcher, thresholds);
  if (parsed.values.json) console.log(JSON.stringify(asked));
  else print(asked, kb);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
}
