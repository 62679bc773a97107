/**
 * Parley in the intent benchmark, built through the same code path as the bot's YAML knowledge base:
 * the training split is written as YAML files into a temporary folder, read back with
 * `loadKnowledgeBase` (schema checks and all) and indexed with `Matcher.build`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { loadKnowledgeBase, DEPARTMENTS_FILE, SYNONYMS_FILE, type KnowledgeBase } from '../../knowledge/loader';
import { loadWordVectors } from '../../knowledge/wordVectors';
import { Matcher } from '../../knowledge/matcher';
import { byIntent, DataError, type Example } from './data';
import type { BenchSystem } from './system';

export const DEPARTMENT = 'bench';
export const ENTRIES_FILE = 'intents.yaml';

/** `pto_request` → `pto-request`; anything not a lower-case letter or digit becomes a single hyphen. */
export function toEntryId(intent: string): string {
  return intent
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

const yamlOptions = { defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN', lineWidth: 0 } as const;

/**
 * Writes `departments.yaml`, `synonyms.yaml` and one entry per intent (in `intents.yaml`) into `dir`.
 * Entry: id = the intent in kebab-case, title = its first training question (never the intent's
 * name: the other systems do not get label names either), questions = its training questions,
 * answer = "Intent NAME". Out-of-scope training lines are left out.
 * Returns entry id → intent name, to report predictions under the data set's own names.
 */
export function writeKnowledgeBase(train: readonly Example[], dir: string): Map<string, string> {
  const intentOf = new Map<string, string>();
  const entries = [...byIntent(train)].map(([intent, questions]) => {
    const id = toEntryId(intent);
    if (id === '') throw new DataError(`intent "${intent}" has no letters or digits to make an entry id from`);
    const other = intentOf.get(id);
    if (other !== undefined) throw new DataError(`intents "${other}" and "${intent}" both become the entry id "${id}"`);
    intentOf.set(id, intent);
    return { id, title: questions[0]!, department: DEPARTMENT, questions, answer: `Intent ${intent}` };
  });
  const departments = {
    departments: [
      {
        id: DEPARTMENT,
        name: 'Benchmark',
        phone: '01632 960 000',
        email: 'bench@example.org',
        hours: { monday: '09:00-17:00' },
      },
    ],
  };
  fs.writeFileSync(path.join(dir, DEPARTMENTS_FILE), stringify(departments, yamlOptions));
  fs.writeFileSync(path.join(dir, SYNONYMS_FILE), stringify({ synonyms: [] }, yamlOptions));
  fs.writeFileSync(path.join(dir, ENTRIES_FILE), stringify({ area: 'Intent benchmark', entries }, yamlOptions));
  return intentOf;
}

/** Builds the knowledge base from `train` in a temporary folder (removed afterwards) and loads it. */
export function knowledgeBaseFrom(train: readonly Example[]): { kb: KnowledgeBase; intentOf: Map<string, string> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-bench-'));
  try {
    const intentOf = writeKnowledgeBase(train, dir);
    const kb = loadKnowledgeBase(dir, dir);
    // The YAML must say exactly what the data set says (the schema trims whitespace).
    const groups = byIntent(train);
    for (const entry of kb.entries) {
      const expected = groups.get(intentOf.get(entry.id)!)?.map((q) => q.trim());
      if (JSON.stringify(expected) !== JSON.stringify(entry.questions)) {
        throw new Error(`the YAML written for "${entry.id}" does not read back as its training questions`);
      }
    }
    return { kb, intentOf };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const parley: BenchSystem = {
  name: 'parley',
  build(train) {
    const { kb, intentOf } = knowledgeBaseFrom(train);
    // Read once at start, as the bot does; not part of building the index.
    const vectors = loadWordVectors();
    const start = performance.now();
    const matcher = Matcher.build(kb, {}, vectors);
    const buildMs = performance.now() - start;
    return {
      buildMs,
      match(text) {
        const top = matcher.match(text, 1)[0];
        return top ? { intent: intentOf.get(top.id)!, score: top.score } : null;
      },
    };
  },
};
