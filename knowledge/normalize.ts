import porterStemmer from 'natural/lib/natural/stemmers/porter_stemmer';
import { words as naturalStopwords } from 'natural/lib/natural/util/stopwords';
import type { Synonym } from './schema';

/**
 * Text → tokens, the one pipeline shared by indexing and matching:
 * clean → split → (spelling fixed by the caller) → stem → synonyms → stopwords.
 */

/** Longer messages are cut: the opening of a message carries the question, and this bounds the work per turn. */
export const MAX_CHARS = 1000;
const MAX_TOKENS = 150;

/** Words natural lists as stopwords that change the meaning of a council question ("moving out", "set up"). */
const KEEP = new Set(['out', 'up', 'over', 'off', 'new', 'own', 'never', 'when', 'where', 'who', 'how', 'more', 'no', 'not']);
/** Contractions (apostrophes are dropped by clean) and chat fillers that say nothing about the topic. */
const EXTRA = ['im', 'ive', 'id', 'ill', 'youre', 'dont', 'didnt', 'doesnt', 'cant', 'wont', 'isnt', 'wasnt', 'arent', 'havent', 'hasnt', 'please', 'pls', 'plz', 'u', 'ur'];
const STOPWORDS = new Set([...naturalStopwords.filter((w) => !KEEP.has(w)), ...EXTRA].map((w) => porterStemmer.stem(w)));

/** Lower-case letters and digits of any script; accents folded; everything else is a space. */
export function clean(text: string): string {
  return text
    .slice(0, MAX_CHARS)
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/['’‘`]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function words(text: string): string[] {
  const cleaned = clean(text);
  return cleaned ? cleaned.split(' ').slice(0, MAX_TOKENS) : [];
}

const stems = new Map<string, string>();
const STEM_CACHE_LIMIT = 50_000;

export function stem(word: string): string {
  let cached = stems.get(word);
  if (cached === undefined) {
    // The Porter stemmer is for English words; leave numbers and other scripts as they are.
    cached = /^[a-z]+$/.test(word) ? porterStemmer.stem(word) : word;
    // Stemming is the slowest step of normalising; residents reuse words, so remember them.
    if (stems.size >= STEM_CACHE_LIMIT) stems.clear();
    stems.set(word, cached);
  }
  return cached;
}

/**
 * Rewrites residents' words into the knowledge base's words ("the tip" → "household waste
 * recycling centre") on stemmed tokens, longest variant first, so plurals match too.
 * A one-word variant only fires on that word itself or its plural, not on other forms that
 * stem alike: "tips" is the tip, but "the lorry tipped it" and "someone dumped a sofa" are not
 * about the household waste recycling centre.
 */
export class SynonymMap {
  private readonly byFirst = new Map<string, { from: string[]; to: string[]; surface?: string }[]>();

  constructor(synonyms: readonly Synonym[]) {
    for (const { term, variants } of synonyms) {
      const to = words(term).map(stem);
      for (const variant of variants) {
        const raw = words(variant);
        const from = raw.map(stem);
        const first = from[0];
        if (first === undefined) continue;
        const list = this.byFirst.get(first) ?? [];
        list.push({ from, to, surface: raw.length === 1 ? raw[0] : undefined });
        list.sort((a, b) => b.from.length - a.from.length);
        this.byFirst.set(first, list);
      }
    }
  }

  /**
   * `stems[i]` is the stem of `surface[i]`; without `surface`, every form fires.
   * `origin[k]` (when given) receives the words that output term `k` came from ("the tip").
   */
  apply(stems: readonly string[], surface?: readonly string[], origin?: string[]): string[] {
    const out: string[] = [];
    for (let i = 0; i < stems.length; ) {
      const rule = this.byFirst
        .get(stems[i]!)
        ?.find((r) => r.from.every((s, k) => stems[i + k] === s) && (r.surface === undefined || !surface || isPluralOf(surface[i]!, r.surface)));
      const produced = rule ? rule.to : [stems[i]!];
      out.push(...produced);
      const length = rule ? rule.from.length : 1;
      const phrase = (surface ?? stems).slice(i, i + length).join(' ');
      origin?.push(...produced.map(() => phrase));
      i += length;
    }
    return out;
  }
}

function isPluralOf(word: string, base: string): boolean {
  return word === base || word === `${base}s` || word === `${base}es` || (base.endsWith('y') && word === `${base.slice(0, -1)}ies`);
}

/** Stems with synonyms applied and stopwords removed: the terms the matcher scores on. */
export function terms(wordList: readonly string[], synonyms: SynonymMap): string[] {
  return termsWithOrigin(wordList, synonyms).terms;
}

/** As `terms`, plus for each term the resident's words it came from (to explain a match). */
export function termsWithOrigin(
  wordList: readonly string[],
  synonyms: SynonymMap,
  keepStopwords = false,
): { terms: string[]; origin: string[] } {
  const origin: string[] = [];
  const all = synonyms.apply(wordList.map(stem), wordList, origin);
  const keep = all.map((t) => keepStopwords || !STOPWORDS.has(t));
  return { terms: all.filter((_, k) => keep[k]), origin: origin.filter((_, k) => keep[k]) };
}

export function isStopword(word: string): boolean {
  return STOPWORDS.has(stem(word));
}
