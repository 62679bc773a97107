/**
 * TF-IDF features of a message: unigrams and bigrams of its terms (stems, synonyms applied:
 * meaning) plus character n-grams of its words (typos and word forms the speller and stemmer
 * miss). The two groups are normalised separately and mixed with fixed weights, so a cosine
 * is a weighted sum of a word cosine and a character cosine. Term frequencies are sublinear.
 */

/** A message as the features see it. */
export interface Analysed {
  /** Stems with synonyms applied. */
  terms: readonly string[];
  /** The words as written (spelling fixed). */
  words: readonly string[];
}

/** Feature ids and their values; typed arrays because the classifier's inner loops read them. */
export interface SparseVector {
  ids: Int32Array;
  values: Float64Array;
}

export interface FeatureWeights {
  /** Share of the cosine that comes from character n-grams, in [0, 1]. */
  chars: number;
}

const CHAR_MIN = 3;
const CHAR_MAX = 5;

function wordFeatures(terms: readonly string[], out: Map<string, number>): void {
  for (let i = 0; i < terms.length; i++) {
    const t = terms[i]!;
    out.set(`w ${t}`, (out.get(`w ${t}`) ?? 0) + 1);
    if (i > 0) {
      const key = `b ${terms[i - 1]} ${t}`;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
}

function charFeatures(words: readonly string[], out: Map<string, number>): void {
  for (const w of words) {
    const padded = `<${w}>`;
    for (let n = CHAR_MIN; n <= CHAR_MAX; n++) {
      for (let i = 0; i + n <= padded.length; i++) {
        const key = `c ${padded.slice(i, i + n)}`;
        out.set(key, (out.get(key) ?? 0) + 1);
      }
    }
  }
}

/** Learns vocabulary and inverse document frequencies from documents, then vectorises text. */
export class Vectorizer {
  private readonly index = new Map<string, number>();
  private idf: number[] = [];
  private maxIdf = { word: 1, char: 1 };

  constructor(private readonly weights: FeatureWeights) {}

  /** Number of distinct features learnt by `fit`. */
  get size(): number {
    return this.idf.length;
  }

  fit(documents: readonly Analysed[]): this {
    const df = new Map<string, number>();
    for (const doc of documents) {
      for (const key of this.counts(doc).keys()) df.set(key, (df.get(key) ?? 0) + 1);
    }
    const n = documents.length;
    const idf = (d: number) => Math.log((n + 1) / (d + 1)) + 1;
    for (const key of [...df.keys()].sort()) {
      this.index.set(key, this.idf.length);
      this.idf.push(idf(df.get(key)!));
    }
    // Features never seen in the knowledge base still count against a question's length
    // (as the rarest kind of feature): a message full of unknown words is not a good match.
    this.maxIdf = { word: idf(0), char: idf(0) };
    return this;
  }

  /** Unit-length vector; unknown features add to the length but have no id. */
  vectorize(doc: Analysed): SparseVector {
    const wordPart = new Map<string, number>();
    const charPart = new Map<string, number>();
    wordFeatures(doc.terms, wordPart);
    charFeatures(doc.words, charPart);
    const ids: number[] = [];
    const values: number[] = [];
    const addGroup = (part: Map<string, number>, share: number, unknownIdf: number) => {
      const known: [number, number][] = [];
      let norm = 0;
      for (const [key, count] of part) {
        const id = this.index.get(key);
        const w = (1 + Math.log(count)) * (id === undefined ? unknownIdf : this.idf[id]!);
        norm += w * w;
        if (id !== undefined) known.push([id, w]);
      }
      if (norm === 0 || share === 0) return;
      const scale = Math.sqrt(share) / Math.sqrt(norm);
      for (const [id, w] of known) {
        ids.push(id);
        values.push(w * scale);
      }
    };
    addGroup(wordPart, 1 - this.weights.chars, this.maxIdf.word);
    addGroup(charPart, this.weights.chars, this.maxIdf.char);
    return { ids: Int32Array.from(ids), values: Float64Array.from(values) };
  }

  private counts(doc: Analysed): Map<string, number> {
    const all = new Map<string, number>();
    wordFeatures(doc.terms, all);
    charFeatures(doc.words, all);
    return all;
  }
}
