import { Classifier, softmaxInPlace } from './classifier';
import { Vectorizer, type Analysed, type SparseVector } from './features';
import type { KnowledgeBase } from './loader';
import { isStopword, stem, SynonymMap, termsWithOrigin, words } from './normalize';
import { englishWords, spellerFor, type Speller } from './spelling';
import { normalise, type WordVectors } from './wordVectors';

export interface Candidate {
  id: string;
  /** Confidence in [0, 1]. */
  score: number;
  /** The resident's words (after spelling fixes) that also occur in the entry. */
  matched: string[];
}

export interface MatcherOptions {
  /** Share of character n-grams in the features (the rest: word unigrams and bigrams). */
  charWeight: number;
  /** Share of the score from the classifier's probability; the rest is the nearest sample's cosine. */
  classifierWeight: number;
  /** Softmax temperature of the classifier: higher spreads probability over more entries. */
  temperature: number;
  /** How hard words the knowledge base has never seen pull the score down: score × coverage^power. */
  coveragePower: number;
  /** Training passes of the classifier over the sample questions; 0 = as many as a time budget allows. */
  epochs: number;
  /** L2 penalty of the classifier. */
  l2: number;
  /** Keep stopwords as terms (the classifier learns that "what", "how" and "my" matter). */
  keepStopwords: boolean;
  /** Share of the score from word-vector similarity to the entry (when word vectors are given). */
  semanticWeight: number;
  /** That similarity is raised to this power: only close meanings should count. */
  semanticPower: number;
}

/** Chosen on validation data only: knowledge/tests/dev.jsonl and CLINC150's val split. */
export const defaultMatcherOptions: MatcherOptions = {
  charWeight: 0.3,
  classifierWeight: 0.6,
  temperature: 1,
  coveragePower: 1,
  epochs: 0,
  l2: 1e-5,
  keepStopwords: true,
  semanticWeight: 0.2,
  semanticPower: 6,
};

/**
 * Multiply-adds the classifier's training may spend when `epochs` is 0: about 3 s on a
 * 2-core machine. A council knowledge base gets all MAX_EPOCHS; CLINC150's 15,000 samples ~6.
 */
const TRAINING_BUDGET = 1.2e9;
const MAX_EPOCHS = 40;
const MIN_EPOCHS = 4;
/**
 * The nearest-sample search ignores features found in more than this many samples (or this
 * share of them, if more): such features ("what", "<th") cost the most time and tell the least.
 * A council knowledge base of a few hundred samples is never pruned.
 */
const ROW_INDEX_MAX_POSTINGS = { count: 500, share: 0.05 };

/**
 * Scores every row against a query with an inverted index: work grows with shared features
 * only. Postings are packed into typed arrays once built, since this runs on every message.
 */
class InvertedIndex {
  private readonly start: Int32Array;
  private readonly rowOf: Int32Array;
  private readonly valueOf: Float32Array;
  /** Reused by every call (matching is synchronous), so a message allocates no large arrays. */
  private readonly out: Float64Array;

  constructor(
    readonly size: number,
    vectors: readonly SparseVector[],
    features: number,
    /** Features in more rows than this are left out. */
    maxPostings = Infinity,
  ) {
    this.out = new Float64Array(size);
    const count = new Int32Array(features + 1);
    for (const v of vectors) for (const id of v.ids) count[id + 1]! += 1;
    const limit = maxPostings;
    const skip = new Uint8Array(features);
    for (let f = 0; f < features; f++) {
      if (count[f + 1]! > limit) {
        skip[f] = 1;
        count[f + 1] = 0;
      }
    }
    for (let f = 0; f < features; f++) count[f + 1]! += count[f]!;
    this.start = count;
    const fill = count.slice(0, features);
    this.rowOf = new Int32Array(count[features]!);
    this.valueOf = new Float32Array(count[features]!);
    vectors.forEach((v, row) => {
      for (let k = 0; k < v.ids.length; k++) {
        if (skip[v.ids[k]!]) continue;
        const at = fill[v.ids[k]!]!++;
        this.rowOf[at] = row;
        this.valueOf[at] = v.values[k]!;
      }
    });
  }

  /** Valid until the next call. */
  scores(q: SparseVector): Float64Array {
    const out = this.out.fill(0);
    for (let k = 0; k < q.ids.length; k++) {
      const id = q.ids[k]!;
      const qv = q.values[k]!;
      for (let at = this.start[id]!, end = this.start[id + 1]!; at < end; at++) out[this.rowOf[at]!]! += qv * this.valueOf[at]!;
    }
    return out;
  }
}

/**
 * Ranks knowledge-base entries for a resident's message. Each entry is represented by its
 * sample questions, title and keywords as TF-IDF vectors. An entry's score blends
 *  - the probability a softmax-regression classifier trained on the samples gives it (which
 *    features tell entries apart), and
 *  - the cosine of its closest sample (how close the message is to something editors wrote:
 *    a classifier is confident about anything on its side of a boundary, however far away),
 * scaled by coverage: the share of the resident's content words the knowledge base knows at
 * all. A message about things the council never mentions ("water a cactus") is out of scope
 * however well its one familiar word matches. With word vectors, a share of the score is the
 * similarity of the message's meaning to the entry's (raised to a power, so that only close
 * meanings count): it reaches words no sample question used. Deterministic: ties break by id.
 */
export class Matcher {
  private constructor(
    private readonly ids: string[],
    private readonly entryTerms: Set<string>[],
    private readonly knownStems: Set<string>,
    private readonly rowEntry: Int32Array,
    private readonly rows: InvertedIndex,
    private readonly vectorizer: Vectorizer,
    private readonly classifier: Classifier,
    private readonly synonyms: SynonymMap,
    private readonly speller: Speller,
    private readonly options: MatcherOptions,
    /** Each entry's mean word-vector direction, entry-major; empty without word vectors. */
    private readonly meanings: Float32Array,
    private readonly vectors: WordVectors | undefined,
  ) {}

  static build(kb: Pick<KnowledgeBase, 'entries' | 'synonyms'>, options: Partial<MatcherOptions> = {}, wordVectors?: WordVectors): Matcher {
    const opts: MatcherOptions = { ...defaultMatcherOptions, ...options };
    const synonyms = new SynonymMap(kb.synonyms);
    // Read the English word list now, so the first resident does not wait for it.
    const dictionary = englishWords();
    const documents: Analysed[] = [];
    const rowEntry: number[] = [];

    kb.entries.forEach((entry, e) => {
      for (const text of [...entry.questions, entry.title, ...entry.keywords]) {
        const ws = words(text);
        documents.push({ words: ws, terms: termsWithOrigin(ws, synonyms, opts.keepStopwords).terms });
        rowEntry.push(e);
      }
    });

    const vectorizer = new Vectorizer({ chars: opts.charWeight }).fit(documents);
    const entryTerms = kb.entries.map(() => new Set<string>());
    const knownStems = new Set<string>();
    const vectors = documents.map((doc, row) => {
      const v = vectorizer.vectorize(doc);
      doc.terms.forEach((t) => {
        entryTerms[rowEntry[row]!]!.add(t);
        knownStems.add(t);
      });
      return v;
    });
    const maxPostings = Math.max(ROW_INDEX_MAX_POSTINGS.count, ROW_INDEX_MAX_POSTINGS.share * documents.length);
    const rows = new InvertedIndex(documents.length, vectors, vectorizer.size, maxPostings);
    const work = vectors.reduce((sum, v) => sum + v.ids.length, 0) * kb.entries.length;
    const epochs = opts.epochs || Math.max(MIN_EPOCHS, Math.min(MAX_EPOCHS, Math.floor(TRAINING_BUDGET / Math.max(1, work))));
    const classifier = Classifier.train(vectors, rowEntry, kb.entries.length, vectorizer.size, {
      epochs,
      learningRate: 1,
      l2: opts.l2,
    });

    const dims = wordVectors?.dims ?? 0;
    const meanings = new Float32Array(kb.entries.length * dims);
    if (wordVectors) {
      documents.forEach((doc, row) => {
        const v = wordVectors.sentence(doc.words);
        if (!v) return;
        const base = rowEntry[row]! * dims;
        for (let d = 0; d < dims; d++) meanings[base + d]! += v[d]!;
      });
      for (let e = 0; e < kb.entries.length; e++) normalise(meanings.subarray(e * dims, (e + 1) * dims));
    }

    return new Matcher(
      kb.entries.map((e) => e.id),
      entryTerms,
      knownStems,
      Int32Array.from(rowEntry),
      rows,
      vectorizer,
      classifier,
      synonyms,
      spellerFor(kb, dictionary),
      opts,
      meanings,
      wordVectors,
    );
  }

  /**
   * Share of the message's content words that the knowledge base uses somewhere, in [0, 1].
   * Numbers and codes (postcodes, dates) are neutral; stopwords do not count.
   */
  private coverage(corrected: readonly string[]): number {
    let known = 0;
    let all = 0;
    for (const word of corrected) {
      if (!/^[a-z]+$/.test(word) || isStopword(word)) continue;
      all += 1;
      if (this.speller.knows(word) || this.knownStems.has(stem(word))) known += 1;
    }
    return all === 0 ? 1 : known / all;
  }

  /** Cosine of a unit sentence vector with entry e's meaning. */
  private similarity(meaning: Float32Array, e: number): number {
    const dims = meaning.length;
    let sum = 0;
    for (let d = 0; d < dims; d++) sum += meaning[d]! * this.meanings[e * dims + d]!;
    return sum;
  }

  /** The best `limit` entries for `text`, highest score first. Never throws on odd input. */
  match(text: string, limit = 5): Candidate[] {
    const corrected = words(text).map((w) => (isStopword(w) ? w : this.speller.correct(w)));
    const { terms: queryTerms, origin } = termsWithOrigin(corrected, this.synonyms, this.options.keepStopwords);
    if (queryTerms.length === 0) return [];
    const q = this.vectorizer.vectorize({ terms: queryTerms, words: corrected });
    if (q.ids.length === 0) return [];

    const nearest = new Float64Array(this.ids.length);
    const rowScores = this.rows.scores(q);
    for (let row = 0; row < rowScores.length; row++) {
      const e = this.rowEntry[row]!;
      if (rowScores[row]! > nearest[e]!) nearest[e] = rowScores[row]!;
    }
    const { classifierWeight: c, temperature, coveragePower, semanticPower } = this.options;
    const probability = softmaxInPlace(this.classifier.logits(q), temperature);
    const scale = coveragePower === 0 ? 1 : this.coverage(corrected) ** coveragePower;
    const meaning = this.vectors?.sentence(corrected);
    const s = meaning ? this.options.semanticWeight : 0;

    const ranked = this.ids
      .map((id, e) => {
        const cosine = nearest[e]!;
        const lexical = cosine > 0 ? (c * probability[e]! + (1 - c) * cosine) * scale : 0;
        const semantic = meaning ? Math.max(0, this.similarity(meaning, e)) ** semanticPower : 0;
        return { id, e, score: Math.min(1, Math.max(0, (1 - s) * lexical + s * semantic)) };
      })
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, limit);

    return ranked.map(({ id, e, score }) => ({
      id,
      score,
      // Stopwords take part in scoring but explain nothing to an editor.
      matched: [...new Set(queryTerms.flatMap((t, k) => (this.entryTerms[e]!.has(t) && !isStopword(origin[k]!) ? [origin[k]!] : [])))],
    }));
  }
}
