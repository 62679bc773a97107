import Fuse from 'fuse.js';
import { DamerauLevenshteinDistance } from 'natural/lib/natural/distance/levenshtein_distance';

const MIN_LENGTH = 4;
const CACHE_LIMIT = 10_000;

/**
 * Fixes residents' typos by mapping an unknown word to the closest word of the knowledge
 * base's vocabulary ("counsil" → "council"). fuse.js finds candidates (it only works on
 * short patterns, which single words are); natural's Damerau-Levenshtein distance decides,
 * capped so that real but unrelated words are left alone. Ties break on how common the word
 * is in the knowledge base, then alphabetically, so results are deterministic.
 */
export class Speller {
  private readonly fuse: Fuse<string>;
  private readonly cache = new Map<string, string>();

  constructor(private readonly frequency: ReadonlyMap<string, number>) {
    this.fuse = new Fuse([...frequency.keys()].sort(), { includeScore: true, threshold: 0.4 });
  }

  correct(word: string): string {
    if (word.length < MIN_LENGTH || this.frequency.has(word) || !/^[a-z]+$/.test(word)) return word;
    const cached = this.cache.get(word);
    if (cached !== undefined) return cached;

    const maxDistance = word.length <= 5 ? 1 : 2;
    let best = word;
    let bestDistance = maxDistance + 1;
    let bestFrequency = 0;
    for (const { item } of this.fuse.search(word, { limit: 8 })) {
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
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, best);
    return best;
  }
}
