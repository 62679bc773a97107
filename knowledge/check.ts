import fs from 'node:fs';
import path from 'node:path';
import { decide, HUMAN_ENTRY_ID, type Thresholds } from './decide';
import type { KnowledgeBase, LoadedEntry } from './loader';
import type { Candidate } from './matcher';
import { SynonymMap, termsWithOrigin, words } from './normalize';
import { YamlFile, type Path, type Problem } from './yamlFile';

/**
 * The content editors' checks behind `npm run kb:check`: the loader's problems with a fix
 * hint each, then quality checks over a knowledge base that loaded. Every check is a function
 * of the knowledge base (and, for the matching checks, of results the caller computes with a
 * matcher), so each can be tested alone on a small broken knowledge base.
 */

export type FindingKind =
  | 'yaml-syntax'
  | 'schema'
  | 'missing-file'
  | 'duplicate-id'
  | 'unknown-reference'
  | 'missing-content'
  | 'data'
  | 'leave-one-out'
  | 'confusable'
  | 'too-few-questions'
  | 'duplicate-question'
  | 'markdown'
  | 'insecure-link'
  | 'related';

/** One problem for an editor: where it is, what is wrong, and how to fix it in plain English. */
export interface Finding {
  file: string;
  line: number;
  column: number;
  /** Dotted path of the field, e.g. `entries[3].questions[2]`; empty for the whole file. */
  field: string;
  kind: FindingKind;
  message: string;
  hint: string;
}

export interface CheckReport {
  /** The bot will not start (or will not behave) until these are fixed. */
  errors: Finding[];
  /** Worth fixing: residents may get a wrong or poorly shown answer. */
  warnings: Finding[];
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}${f.field ? ` ${f.field}` : ''}: ${f.message}`;
}

// ---------------------------------------------------------------------------------------------
// Problems from the loader (schema, syntax, references): errors, each given a kind and a hint.

/** First match wins; the loader's and the bin data's messages, in plain English. */
const LOAD_HINTS: { test: RegExp; kind: FindingKind; hint: string | ((m: RegExpMatchArray) => string) }[] = [
  {
    test: /^YAML syntax/,
    kind: 'yaml-syntax',
    hint: 'Check the indentation on this line and the one before (spaces, never tabs; list items start with "- "). Put text in double quotes if it contains ": " or starts with a special character such as * & ! % @ `.',
  },
  { test: /^knowledge folder not found/, kind: 'missing-file', hint: 'Check the folder name: kb:check reads the folder given with --dir, or PARLEY_KNOWLEDGE_DIR.' },
  {
    test: /^file is missing/,
    kind: 'missing-file',
    hint: 'Create this file: the bot needs it. departments.yaml lists the departments, synonyms.yaml may be just "synonyms: []", and data/ holds the bin rounds, bin postcodes and bank holidays (see knowledge/README.md).',
  },
  {
    test: /^duplicate id/,
    kind: 'duplicate-id',
    hint: 'Every entry needs an id of its own. Rename one of the two, and update any related lists that point to it.',
  },
  { test: /^duplicate department id/, kind: 'duplicate-id', hint: 'Every department needs an id of its own. Rename or remove one of the two.' },
  {
    test: /^no entry has the id/,
    kind: 'unknown-reference',
    hint: 'Check the spelling against the entry\'s id, or remove it from the related list.',
  },
  { test: /cannot be related to itself/, kind: 'related', hint: 'Remove the entry\'s own id from its related list.' },
  {
    test: /^unknown department/,
    kind: 'unknown-reference',
    hint: 'Use one of the department ids in departments.yaml, or add the department there first.',
  },
  {
    test: /is already a variant of/,
    kind: 'schema',
    hint: 'A word or phrase can stand for one term only. Remove it from one of the two terms.',
  },
  {
    test: /^unknown field "([^"]+)"/,
    kind: 'schema',
    hint: (m) => `"${m[1]}" is not a field the bot knows. Check its spelling and indentation against the list of fields in knowledge/README.md.`,
  },
  {
    test: /^expected at least 4 items/,
    kind: 'schema',
    hint: 'Add more ways a resident might ask this, in their own words: an entry needs at least 4 sample questions.',
  },
  { test: /^expected at least 1 entry/, kind: 'schema', hint: 'Add at least one entry to this file, or delete the file.' },
  {
    test: /^expected at least 1 variant/,
    kind: 'schema',
    hint: 'Add at least one word or phrase residents use for this term, or remove the term.',
  },
  { test: /^must be kebab-case/, kind: 'schema', hint: 'Use lower-case letters, digits and single hyphens only, for example bins-missed-collection.' },
  { test: /^must be a full URL/, kind: 'schema', hint: 'Write the whole web address, starting with https://' },
  { test: /^must be an email address/, kind: 'schema', hint: 'Write one email address, for example waste@brackenford.example.' },
  {
    test: /^expected opening times/,
    kind: 'schema',
    hint: 'Write the hours as two 24-hour times in quotes, for example "08:30-17:00". Leave a day out if the department is closed that day.',
  },
  {
    test: /^must close after it opens/,
    kind: 'schema',
    hint: 'The closing time must be later on the same day. Split overnight cover into the out-of-hours number instead.',
  },
  { test: /^must not be empty/, kind: 'schema', hint: 'Fill this in, or remove the line if the field is optional.' },
  {
    test: /^Invalid option: expected one of (.+)$/,
    kind: 'schema',
    hint: (m) => `Use one of ${m[1]!.replaceAll('|', ', ')}.`,
  },
  { test: /expected \w+, received undefined$/, kind: 'schema', hint: 'This field is required: add it.' },
  {
    test: /expected array, received/,
    kind: 'schema',
    hint: 'Write a list: one item per line, each starting with "- ", indented under the field name.',
  },
  { test: /expected string, received/, kind: 'schema', hint: 'Write plain text here. Put it in double quotes if it looks like a number, a date or yes/no.' },
  { test: /expected object, received/, kind: 'schema', hint: 'Write the fields of this item on their own lines, indented under it.' },
  { test: /not a date on the calendar|expected a date like/, kind: 'data', hint: 'Write a real date as year-month-day, for example 2026-12-25.' },
  { test: /not a valid UK postcode/, kind: 'data', hint: 'Write a full UK postcode, for example BK3 4TN.' },
  { test: /^expected the header/, kind: 'data', hint: 'The first line of the file names its columns; restore it exactly as shown.' },
  { test: /^no round/, kind: 'data', hint: 'Use a round listed in bin-rounds.csv, or add the round there.' },
  { test: /^duplicate (round|postcode|holiday)|is already moved by an earlier change/, kind: 'data', hint: 'Keep one line for it and delete the other.' },
  { test: /on the round's collection day/, kind: 'data', hint: 'The date must fall on the weekday given in the day column.' },
];

export function hintFor(message: string): { kind: FindingKind; hint: string } {
  for (const { test, kind, hint } of LOAD_HINTS) {
    const m = message.match(test);
    if (m) return { kind, hint: typeof hint === 'string' ? hint : hint(m) };
  }
  return { kind: 'schema', hint: 'See knowledge/README.md for the format of this file.' };
}

export function fromProblems(problems: readonly Problem[]): Finding[] {
  return problems.map((p) => ({ ...p, ...hintFor(p.message) }));
}

/** Content the bot needs by id (it refuses to start without it), as errors. */
export function missingContent(
  kb: KnowledgeBase,
  required: { entries: readonly string[]; departments: readonly string[] },
  where: { entriesDir: string; departmentsFile: string },
): Finding[] {
  return [
    ...required.entries
      .filter((id) => !kb.byId.has(id))
      .map((id) => ({
        file: where.entriesDir,
        line: 1,
        column: 1,
        field: '',
        kind: 'missing-content' as const,
        message: `no entry has the id "${id}", and the bot needs it`,
        hint: `The bot uses the entry "${id}" by its id and will not start without it. Put it back, or undo the rename.`,
      })),
    ...required.departments
      .filter((id) => !kb.departments.has(id))
      .map((id) => ({
        file: where.departmentsFile,
        line: 1,
        column: 1,
        field: 'departments',
        kind: 'missing-content' as const,
        message: `no department has the id "${id}", and the bot needs it`,
        hint: `The bot sends residents to the department "${id}" by its id and will not start without it. Put it back.`,
      })),
  ];
}

// ---------------------------------------------------------------------------------------------
// Where things are: entries' fields and lines inside answers, for findings editors can jump to.

/** Finds the line and column of a field of a loaded entry, reading each YAML file once. */
export class Locator {
  private readonly files = new Map<string, { yaml: YamlFile; lines: string[] }>();
  private readonly indexOf = new Map<LoadedEntry, number>();

  constructor(
    kb: Pick<KnowledgeBase, 'entries'>,
    /** The root the loader displayed file names relative to. */
    private readonly displayRoot = process.cwd(),
  ) {
    const count = new Map<string, number>();
    for (const entry of kb.entries) {
      const n = count.get(entry.file) ?? 0;
      this.indexOf.set(entry, n);
      count.set(entry.file, n + 1);
    }
  }

  private file(name: string): { yaml: YamlFile; lines: string[] } {
    let found = this.files.get(name);
    if (!found) {
      const full = path.resolve(this.displayRoot, name);
      found = { yaml: YamlFile.read(full, this.displayRoot).file, lines: fs.readFileSync(full, 'utf8').split(/\r?\n/) };
      this.files.set(name, found);
    }
    return found;
  }

  /** `at` is relative to the entry, e.g. ['questions', 2]. */
  field(entry: LoadedEntry, at: Path): Pick<Finding, 'file' | 'line' | 'column' | 'field'> {
    const full: Path = ['entries', this.indexOf.get(entry) ?? 0, ...at];
    const { line, column, field } = this.file(entry.file).yaml.problem(full, '');
    return { file: entry.file, line, column, field };
  }

  /**
   * The position of `column` (0-based) on line `lineIndex` of the entry's (trimmed) answer.
   * Found by looking for that line's text below the `answer:` key, so it works for the usual
   * `answer: |` block and for one-line answers; otherwise (folded text) the key's position.
   */
  answerAt(entry: LoadedEntry, lineIndex: number, column: number): Pick<Finding, 'file' | 'line' | 'column' | 'field'> {
    const key = this.field(entry, ['answer']);
    const target = entry.answer.split('\n')[lineIndex]?.trim();
    if (!target) return key;
    const { lines } = this.file(entry.file);
    // `answer: |` puts the text on the lines below the key; a one-line answer sits on it.
    const block = /:\s*\|[-+0-9]*\s*(#.*)?$/.test(lines[key.line - 1] ?? '');
    const first = key.line + lineIndex + (block ? 1 : 0);
    // Blank lines the loader trimmed from the start of the text push it further down.
    const last = Math.min(lines.length, first + 50);
    for (let n = first; n <= last; n++) {
      const at = lines[n - 1]?.indexOf(target) ?? -1;
      if (at >= 0) {
        const indent = entry.answer.split('\n')[lineIndex]!.search(/\S/);
        return { ...key, line: n, column: at + Math.max(0, column - indent) + 1 };
      }
    }
    return key;
  }
}

// ---------------------------------------------------------------------------------------------
// Leave-one-out and confusable pairs: each sample question asked of a matcher built without it.

/** What a matcher made of one sample question that was left out of its index. */
export interface HeldOut {
  entryId: string;
  /** Index of the question in the entry's `questions`. */
  index: number;
  text: string;
  candidates: Candidate[];
}

export type BuildMatcher = (kb: Pick<KnowledgeBase, 'entries' | 'synonyms'>) => { match(text: string, limit?: number): Candidate[] };

/**
 * Asks each sample question of a matcher built without it. Building the matcher takes about
 * 0.4 s for the shipped knowledge base, so one build per question (about 680) would take
 * minutes. Instead the questions are dealt into `folds` groups, stratified per entry (question
 * j of every entry goes to group j mod folds), and each group is left out together: `folds`
 * builds in all. With 10 folds an entry loses one question in ten at a time, and the results
 * agree with true leave-one-out on all but a few questions (measured in knowledge/README.md).
 */
export function heldOutMatches(kb: Pick<KnowledgeBase, 'entries' | 'synonyms'>, build: BuildMatcher, folds = 10, limit = 5): HeldOut[] {
  const out: HeldOut[] = [];
  for (let fold = 0; fold < folds; fold++) {
    const left: { entry: LoadedEntry; index: number }[] = [];
    const entries = kb.entries.map((entry) => ({
      ...entry,
      questions: entry.questions.filter((_, index) => {
        const leave = index % folds === fold;
        if (leave) left.push({ entry, index });
        return !leave;
      }),
    }));
    if (left.length === 0) continue;
    const matcher = build({ entries, synonyms: kb.synonyms });
    for (const { entry, index } of left) {
      const text = entry.questions[index]!;
      out.push({ entryId: entry.id, index, text, candidates: matcher.match(text, limit) });
    }
  }
  // Entry by entry, question by question, whatever the folds: findings come out in file order.
  const order = new Map(kb.entries.map((e, i) => [e.id, i]));
  return out.sort((a, b) => order.get(a.entryId)! - order.get(b.entryId)! || a.index - b.index);
}

export interface LeaveOneOutMiss extends HeldOut {
  /** The entry the bot would answer, or offer first, instead. */
  instead: Candidate;
  own?: Candidate;
  outcome: 'answer' | 'did-you-mean';
}

/**
 * The sample questions that, once left out, lead the bot to another entry: it would answer
 * with that entry, or offer it first in "Did you mean". A left-out question that only gets
 * "I don't know" is not counted: leaving a question out takes its own words out of the index,
 * so scores run lower than live and a third of the shipped questions fall below the thresholds
 * tuned on the full index. kb:eval measures how often residents get "I don't know".
 */
export function leaveOneOutMisses(heldOut: readonly HeldOut[], thresholds: Thresholds): LeaveOneOutMiss[] {
  return heldOut.flatMap((h): LeaveOneOutMiss[] => {
    const decision = decide(h.candidates, thresholds);
    const own = h.candidates.find((c) => c.id === h.entryId);
    if (decision.kind === 'answer' || decision.kind === 'handoff') {
      const id = decision.kind === 'answer' ? decision.entryId : HUMAN_ENTRY_ID;
      if (id === h.entryId) return [];
      return [{ ...h, instead: h.candidates[0]!, own, outcome: 'answer' }];
    }
    if (decision.kind === 'clarify' && decision.options[0]!.id !== h.entryId) {
      return [{ ...h, instead: decision.options[0]!, own, outcome: 'did-you-mean' }];
    }
    return [];
  });
}

export interface ConfusableOptions {
  /** Another entry scoring at least this share of the question's own entry's score is "close". */
  ratio: number;
  /** Scores below this are noise, close or not. */
  floor: number;
  /** A pair is reported from this many close questions (both ways) up. */
  minQuestions: number;
  /** Example questions kept per pair. */
  examples: number;
}

export const defaultConfusableOptions: ConfusableOptions = { ratio: 0.8, floor: 0.2, minQuestions: 3, examples: 3 };

export interface ConfusablePair {
  /** The entry whose sample questions were confused more often (ties: the first in file order). */
  a: string;
  b: string;
  /** Sample questions, of either entry, that scored close to both. */
  questions: number;
  /** `own` is absent when the question's own entry was not even among the candidates. */
  examples: { entryId: string; index: number; text: string; own?: number; other: number }[];
}

/**
 * Pairs of entries whose sample questions, left out, score close to both: the other entry
 * reaches `ratio` of the question's own entry's score (or beats it). Ranked by how many
 * questions do that, most first; the examples are the closest calls.
 */
export function confusablePairs(heldOut: readonly HeldOut[], options: Partial<ConfusableOptions> = {}): ConfusablePair[] {
  const o = { ...defaultConfusableOptions, ...options };
  const order = new Map<string, number>();
  heldOut.forEach((h) => order.has(h.entryId) || order.set(h.entryId, order.size));
  type Tally = { ids: [string, string]; byEntry: Map<string, number>; closeness: number; examples: ConfusablePair['examples'] };
  const pairs = new Map<string, Tally>();
  for (const h of heldOut) {
    const ownScore = h.candidates.find((c) => c.id === h.entryId)?.score;
    const own = ownScore ?? 0;
    for (const c of h.candidates) {
      if (c.id === h.entryId || c.score < o.floor || c.score < o.ratio * own) continue;
      const ids = [h.entryId, c.id].sort() as [string, string];
      const key = ids.join('\n');
      const pair: Tally = pairs.get(key) ?? { ids, byEntry: new Map(), closeness: 0, examples: [] };
      pair.byEntry.set(h.entryId, (pair.byEntry.get(h.entryId) ?? 0) + 1);
      pair.closeness += Math.min(1, c.score / Math.max(own, 1e-9));
      pair.examples.push({ entryId: h.entryId, index: h.index, text: h.text, own: ownScore, other: c.score });
      pairs.set(key, pair);
    }
  }
  const rank = (id: string) => order.get(id) ?? Number.MAX_SAFE_INTEGER;
  return [...pairs.values()]
    .filter((p) => p.examples.length >= o.minQuestions)
    .sort((x, y) => y.examples.length - x.examples.length || y.closeness - x.closeness || x.ids.join().localeCompare(y.ids.join()))
    .map((p) => {
      const [first, second] = [...p.ids].sort((x, y) => (p.byEntry.get(y) ?? 0) - (p.byEntry.get(x) ?? 0) || rank(x) - rank(y));
      const ratio = (x: ConfusablePair['examples'][number]) => x.other / Math.max(x.own ?? 0, 1e-9);
      const examples = [...p.examples].sort((x, y) => ratio(y) - ratio(x)).slice(0, o.examples);
      return { a: first!, b: second!, questions: p.examples.length, examples };
    });
}

// ---------------------------------------------------------------------------------------------
// Sample questions: too few, or the same question twice once normalised.

/**
 * A question as the matcher's word features see it: lower case, no punctuation, each word
 * stemmed and synonyms applied ("Report a missed bin!" = "report a missed bins"). Stopwords
 * and word order are kept, as the matcher keeps them: "what time does the library open" and
 * "library opening times" are two useful phrasings, not one.
 */
export function normalisedQuestion(text: string, synonyms: SynonymMap): string {
  return termsWithOrigin(words(text), synonyms, true).terms.join(' ');
}

export interface QuestionIssue {
  entryId: string;
  /** Index in `questions`; undefined for the entry as a whole. */
  index?: number;
  kind: 'too-few-questions' | 'duplicate-question';
  message: string;
  hint: string;
}

export function questionIssues(kb: Pick<KnowledgeBase, 'entries' | 'synonyms'>, minQuestions = 5): QuestionIssue[] {
  const synonyms = new SynonymMap(kb.synonyms);
  const issues: QuestionIssue[] = [];
  /** First place each normalised question was seen, across the whole knowledge base. */
  const firstSeen = new Map<string, { entry: LoadedEntry; index: number }>();
  for (const entry of kb.entries) {
    const distinct = new Set<string>();
    entry.questions.forEach((text, index) => {
      const key = normalisedQuestion(text, synonyms);
      // A question of stopwords only ("how do I") has nothing to compare.
      if (!key) return;
      const first = firstSeen.get(key);
      if (first?.entry === entry) {
        issues.push({
          entryId: entry.id,
          index,
          kind: 'duplicate-question',
          message: `"${text}" is the same as question ${first.index + 1}, "${entry.questions[first.index]}", once normalised (${key})`,
          hint: 'Replace it with a different way a resident might ask, using other words: the same words twice add nothing to matching.',
        });
      } else if (first) {
        issues.push({
          entryId: entry.id,
          index,
          kind: 'duplicate-question',
          message: `"${text}" is also a sample question of "${first.entry.id}" (${first.entry.file}:${first.entry.line}) once normalised (${key})`,
          hint: 'Keep the question in the one entry that answers it and reword or remove the other: the bot cannot tell the two entries apart on it.',
        });
      } else {
        firstSeen.set(key, { entry, index });
      }
      distinct.add(key);
    });
    if (distinct.size < minQuestions) {
      const written = entry.questions.length;
      issues.push({
        entryId: entry.id,
        kind: 'too-few-questions',
        message:
          written === distinct.size
            ? `has ${written} sample questions; at least ${minQuestions} make matching reliable`
            : `has ${distinct.size} different sample questions (${written} written, ${written - distinct.size} the same as another once normalised); at least ${minQuestions} make matching reliable`,
        hint: 'Add more ways residents ask this, in their own words: short and long, formal and everyday, with the words they use rather than the council\'s.',
      });
    }
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Answers: markdown that will not show as meant, and links that are not https.

export interface TextIssue {
  /** 0-based line and column in the text. */
  line: number;
  column: number;
  kind: 'markdown' | 'insecure-link';
  message: string;
  hint: string;
}

/** Link schemes that are not web pages and so cannot be https. */
const NON_WEB = /^(mailto|tel):/i;
const LINK = /\[([^\[\]\n]*)\]\(([^()\s]*)\)/g;

export function isSecureLink(url: string): boolean {
  return /^https:\/\/[^\s/]+/i.test(url) || NON_WEB.test(url);
}

/**
 * Markdown residents would see broken: a fenced code block never closed, an odd number of
 * backticks or of `**` in a paragraph (bold cannot cross a blank line), `[text](url)` links
 * that will not render (a space before the bracket, no closing bracket, empty text or
 * address), and links or bare addresses that are not https (mailto: and tel: are fine).
 */
export function answerIssues(text: string): TextIssue[] {
  const issues: TextIssue[] = [];
  const lines = text.split('\n');
  let fenceOpen: number | undefined;
  /** Lines of the current paragraph outside code fences: [line index, text]. */
  let paragraph: [number, string][] = [];

  const endParagraph = () => {
    const bold: { line: number; column: number }[] = [];
    for (const [n, raw] of paragraph) {
      // Inline code is literal: nothing inside it is markdown.
      const line = raw.replace(/`[^`]*`/g, (m) => ' '.repeat(m.length));
      const tick = line.indexOf('`');
      if (tick >= 0) {
        issues.push({
          line: n,
          column: tick,
          kind: 'markdown',
          message: 'a ` starts code that is never closed on this line',
          hint: 'Add the closing ` after the code, or remove the ` if you did not mean code.',
        });
      }
      for (const m of line.matchAll(/\*\*/g)) bold.push({ line: n, column: m.index! });
      linkIssues(n, line, issues);
    }
    if (bold.length % 2 === 1) {
      const last = bold.at(-1)!;
      issues.push({
        line: last.line,
        column: last.column,
        kind: 'markdown',
        message: 'bold is not closed: ** appears an odd number of times in this paragraph',
        hint: 'Put ** on both sides of the words to make bold, on the same paragraph: **like this**.',
      });
    }
    paragraph = [];
  };

  lines.forEach((line, n) => {
    if (/^\s{0,3}(```|~~~)/.test(line)) {
      endParagraph();
      fenceOpen = fenceOpen === undefined ? n : undefined;
      return;
    }
    if (fenceOpen !== undefined) return;
    if (!line.trim()) endParagraph();
    else paragraph.push([n, line]);
  });
  endParagraph();
  if (fenceOpen !== undefined) {
    issues.push({
      line: fenceOpen,
      column: lines[fenceOpen]!.search(/\S/),
      kind: 'markdown',
      message: 'a code block starts here and is never closed',
      hint: 'Add a line with ``` after the last line of the code block.',
    });
  }
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

function linkIssues(n: number, line: string, issues: TextIssue[]): void {
  const urls: { url: string; column: number }[] = [];
  // Well-formed links are checked for their address and blanked out; what is left is broken.
  const rest = line.replace(LINK, (m, label: string, url: string, at: number) => {
    if (!label.trim()) {
      issues.push({ line: n, column: at, kind: 'markdown', message: `the link to ${url || 'nowhere'} has no text`, hint: 'Write the words residents click between the brackets: [Report a missed bin](https://...).' });
    }
    if (!url) {
      issues.push({ line: n, column: at, kind: 'markdown', message: `the link "${label}" has no address`, hint: 'Put the full https:// address between the round brackets.' });
    } else {
      urls.push({ url, column: at + m.indexOf('](') + 2 });
    }
    return ' '.repeat(m.length);
  });
  const spaced = rest.match(/\[[^\]\n]*\]\s+\(/);
  if (spaced) {
    issues.push({
      line: n,
      column: spaced.index!,
      kind: 'markdown',
      message: 'a space between ] and ( stops this link working',
      hint: 'Write the link with nothing between the brackets: [text](https://...).',
    });
  } else {
    const open = rest.indexOf('](');
    if (open >= 0) {
      issues.push({
        line: n,
        column: open,
        kind: 'markdown',
        message: 'this link is not written correctly: the address is not closed with ) or contains a space',
        hint: 'Write links as [text](https://...) on one line, with no spaces in the address.',
      });
    }
  }
  // A full stop or comma after a bare address ends the sentence, not the address.
  for (const m of rest.matchAll(/\b(?:https?|ftp):\/\/[^\s)>\]]+|\bwww\.[^\s)>\]]+/gi)) urls.push({ url: m[0].replace(/[.,;:!?]+$/, ''), column: m.index! });
  for (const { url, column } of urls) {
    if (!isSecureLink(url)) {
      issues.push({
        line: n,
        column,
        kind: 'insecure-link',
        message: `the link ${url} is not https`,
        hint: 'Use the https:// address of the page (open it in a browser to check it works).',
      });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Related entries.

export interface RelatedIssue {
  entryId: string;
  index: number;
  message: string;
  hint: string;
}

/**
 * Related entries become buttons under "Did this help?". Links back and forth (A → B → A) and
 * longer loops are how "see also" works, and an entry that links nowhere or gets no link back
 * is fine: residents can always ask a new question. A related link is a dead end when its
 * button cannot do anything new: a link to the entry itself (already a loader error), the same
 * entry twice, or two entries with the same title (the buttons look the same and the bot picks
 * by title, so the second can never be chosen).
 */
export function relatedIssues(kb: Pick<KnowledgeBase, 'entries' | 'byId'>): RelatedIssue[] {
  const issues: RelatedIssue[] = [];
  for (const entry of kb.entries) {
    const seenIds = new Map<string, number>();
    const seenTitles = new Map<string, string>();
    entry.related.forEach((id, index) => {
      const first = seenIds.get(id);
      if (first !== undefined) {
        issues.push({
          entryId: entry.id,
          index,
          message: `"${id}" is listed twice (also at related[${first}])`,
          hint: 'Remove the second one: residents would see the same button twice.',
        });
        return;
      }
      seenIds.set(id, index);
      const title = kb.byId.get(id)?.title;
      if (title === undefined || id === entry.id) return;
      const key = words(title).join(' ');
      const other = seenTitles.get(key);
      if (other !== undefined) {
        issues.push({
          entryId: entry.id,
          index,
          message: `"${id}" has the same title as "${other}" ("${title}"), so its button can never be chosen`,
          hint: 'Give one of the two entries a different title, or keep only one of them in this list.',
        });
      }
      seenTitles.set(key, id);
    });
  }
  return issues;
}

// ---------------------------------------------------------------------------------------------
// Everything together.

export interface QualityOptions {
  thresholds: Thresholds;
  /** Fewer different sample questions than this is a warning (the loader requires 4). */
  minQuestions: number;
  confusable: Partial<ConfusableOptions>;
}

const score = (value: number | undefined) => (value === undefined ? 'not in the top 5' : value.toFixed(2));

/**
 * Quality findings over a loaded knowledge base, as warnings: each points at the field to
 * change. `heldOut` comes from `heldOutMatches` with the matcher the bot uses.
 */
export function qualityFindings(kb: KnowledgeBase, heldOut: readonly HeldOut[], locate: Locator, options: QualityOptions): Finding[] {
  const findings: Finding[] = [];
  const entry = (id: string) => kb.byId.get(id)!;
  const where = (e: LoadedEntry) => `${e.file}:${e.line}`;

  for (const miss of leaveOneOutMisses(heldOut, options.thresholds)) {
    const other = entry(miss.instead.id);
    const what =
      miss.outcome === 'answer'
        ? `the bot would answer with "${other.id}" (${where(other)}, score ${score(miss.instead.score)})`
        : `the bot would ask "Did you mean" with "${other.id}" (${where(other)}, score ${score(miss.instead.score)}) first`;
    findings.push({
      ...locate.field(entry(miss.entryId), ['questions', miss.index]),
      kind: 'leave-one-out',
      message: `left out of the index, "${miss.text}" goes to another entry: ${what}; this entry ${miss.own ? `scores ${score(miss.own.score)}` : 'is not in the top 5'}`,
      hint: `Residents who ask this in other words may get the wrong answer. Add more questions worded like this one, or move it to "${other.id}" if it belongs there.`,
    });
  }

  for (const pair of confusablePairs(heldOut, options.confusable)) {
    const a = entry(pair.a);
    const b = entry(pair.b);
    const examples = pair.examples.map((x) => `"${x.text}" (${x.entryId} ${score(x.own)}, ${x.entryId === a.id ? b.id : a.id} ${score(x.other)})`);
    findings.push({
      ...locate.field(a, ['questions']),
      kind: 'confusable',
      message: `overlaps with "${b.id}" (${where(b)}): ${pair.questions} sample questions, left out, score close to both, e.g. ${examples.join('; ')}`,
      hint: 'Make the questions of the two entries more distinct, using the words residents use for each; move questions that belong to the other entry; or merge the entries if they answer the same thing.',
    });
  }

  for (const issue of questionIssues(kb, options.minQuestions)) {
    findings.push({
      ...locate.field(entry(issue.entryId), issue.index === undefined ? ['questions'] : ['questions', issue.index]),
      kind: issue.kind,
      message: issue.message,
      hint: issue.hint,
    });
  }

  for (const e of kb.entries) {
    for (const issue of answerIssues(e.answer)) {
      findings.push({ ...locate.answerAt(e, issue.line, issue.column), kind: issue.kind, message: issue.message, hint: issue.hint });
    }
    e.links.forEach((link, j) => {
      if (!isSecureLink(link.url)) {
        findings.push({
          ...locate.field(e, ['links', j, 'url']),
          kind: 'insecure-link',
          message: `${link.url} is not https`,
          hint: 'Use the https:// address of the page (open it in a browser to check it works).',
        });
      }
      if (/[[\]]/.test(link.title)) {
        findings.push({
          ...locate.field(e, ['links', j, 'title']),
          kind: 'markdown',
          message: 'a link title with [ or ] breaks the link when the answer is shown',
          hint: 'Remove the square brackets from the title, or use round ones.',
        });
      }
    });
  }

  for (const issue of relatedIssues(kb)) {
    findings.push({ ...locate.field(entry(issue.entryId), ['related', issue.index]), kind: 'related', message: issue.message, hint: issue.hint });
  }
  return findings;
}
