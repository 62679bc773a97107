import { Classifier, softmaxInPlace } from './classifier';
import { Vectorizer, type SparseVector } from './features';
import type { KnowledgeBase } from './loader';
import { isStopword, SynonymMap, terms, termsWithOrigin, words } from './normalize';
import { englishWords, isEnglishWord, Speller } from './spelling';

export interface Candidate {
  id: string;
  /** Confidence in [0, 1]. */
  score: number;
  /** The resident's words (after spelling fixes) that also occur in the entry. */
  matched: string[];
}

export interface MatcherOptions {
  /** Weight of the best single sample question against the entry as a whole (its centroid). */
  nearestWeight: number;
  /** Share of similarity from character n-grams. */
  charWeight: number;
  /** Share of the score from the classifier's probability (the rest is the cosine similarity). */
  classifierWeight: number;
  /** Softmax temperature of the classifier: higher spreads probability over more entries. */
  temperature: number;
  /** How hard words the knowledge base has never seen pull the score down: score × coverage^power. */
  coveragePower: number;
  /** Training passes of the classifier over the sample questions. */
  epochs: number;
  /** L2 penalty of the classifier. */
  l2: number;
}

export const defaultMatcherOptions: MatcherOptions = {
  nearestWeight: 0.6,
  charWeight: 0.3,
  classifierWeight: 0.5,
  temperature: 1,
  coveragePower: 1,
  epochs: 40,
  l2: 1e-4,
};

interface Postings {
  rows: number[];
  values: number[];
}

/** Scores every row against a query with an inverted index: work grows with shared features only. */
class InvertedIndex {
  private readonly postings = new Map<number, Postings>();

  constructor(readonly size: number) {}

  add(row: number, v: SparseVector): void {
    v.ids.forEach((id, i) => {
      let p = this.postings.get(id);
      if (!p) this.postings.set(id, (p = { rows: [], values: [] }));
      p.rows.push(row);
      p.values.push(v.values[i]!);
    });
  }

  scores(q: SparseVector): Float64Array {
    const out = new Float64Array(this.size);
    q.ids.forEach((id, i) => {
      const p = this.postings.get(id);
      if (!p) return;
      const qv = q.values[i]!;
      for (let k = 0; k < p.rows.length; k++) out[p.rows[k]!]! += qv * p.values[k]!;
    });
    return out;
  }
}

function centroid(vectors: SparseVector[]): SparseVector {
  const sum = new Map<number, number>();
  for (const v of vectors) v.ids.forEach((id, i) => sum.set(id, (sum.get(id) ?? 0) + v.values[i]!));
  const ids = [...sum.keys()].sort((a, b) => a - b);
  const norm = Math.sqrt(ids.reduce((s, id) => s + sum.get(id)! ** 2, 0)) || 1;
  return { ids, values: ids.map((id) => sum.get(id)! / norm) };
}

/**
 * Ranks knowledge-base entries for a resident's message. Each entry is represented by its
 * sample questions, title and keywords as TF-IDF vectors. An entry's score blends
 *  - the cosine similarity: its closest sample (good when a resident echoes one phrasing) mixed
 *    with its centroid (good when words are spread over several phrasings), and
 *  - the probability a logistic-regression classifier trained on the samples gives it (which
 *    words tell entries apart),
 * and is then scaled by coverage: the share of the resident's content words the knowledge base
 * knows at all. A message about things the council never mentions ("water a cactus") is out of
 * scope however well its one familiar word matches. Deterministic: ties break by id.
 */
export class Matcher {
  private constructor(
    private readonly ids: string[],
    private readonly entryTerms: Set<string>[],
    private readonly knownTerms: Set<string>,
    private readonly rowEntry: number[],
    private readonly rows: InvertedIndex,
    private readonly centroids: InvertedIndex,
    private readonly vectorizer: Vectorizer,
    private readonly classifier: Classifier,
    private readonly synonyms: SynonymMap,
    private readonly speller: Speller,
    private readonly options: MatcherOptions,
  ) {}

  static build(kb: Pick<KnowledgeBase, 'entries' | 'synonyms'>, options: Partial<MatcherOptions> = {}): Matcher {
    const opts: MatcherOptions = { ...defaultMatcherOptions, ...options };
    const synonyms = new SynonymMap(kb.synonyms);
    // Read the English word list now, so the first resident does not wait for it.
    const dictionary = englishWords();
    const documents: string[][] = [];
    const rowEntry: number[] = [];
    const frequency = new Map<string, number>();
    const countWords = (list: string[]) => list.forEach((w) => frequency.set(w, (frequency.get(w) ?? 0) + 1));

    kb.entries.forEach((entry, e) => {
      for (const text of [...entry.questions, entry.title, ...entry.keywords]) {
        const ws = words(text);
        countWords(ws);
        documents.push(terms(ws, synonyms));
        rowEntry.push(e);
      }
    });
    for (const s of kb.synonyms) [s.term, ...s.variants].forEach((t) => countWords(words(t)));

    const vectorizer = new Vectorizer({ chars: opts.charWeight }).fit(documents);
    const rows = new InvertedIndex(documents.length);
    const perEntry: SparseVector[][] = kb.entries.map(() => []);
    const entryTerms = kb.entries.map(() => new Set<string>());
    const knownTerms = new Set<string>();
    const vectors = documents.map((doc, row) => {
      const v = vectorizer.vectorize(doc);
      rows.add(row, v);
      perEntry[rowEntry[row]!]!.push(v);
      doc.forEach((t) => {
        entryTerms[rowEntry[row]!]!.add(t);
        knownTerms.add(t);
      });
      return v;
    });
    const centroids = new InvertedIndex(kb.entries.length);
    perEntry.forEach((vs, e) => centroids.add(e, centroid(vs)));
    const classifier = Classifier.train(vectors, rowEntry, kb.entries.length, vectorizer.size, {
      epochs: opts.epochs,
      learningRate: 0.8,
      l2: opts.l2,
    });

    return new Matcher(
      kb.entries.map((e) => e.id),
      entryTerms,
      knownTerms,
      rowEntry,
      rows,
      centroids,
      vectorizer,
      classifier,
      synonyms,
      new Speller(frequency, (w) => isEnglishWord(w, dictionary)),
      opts,
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
      const ts = terms([word], this.synonyms);
      if (this.speller.knows(word) || (ts.length > 0 && ts.every((t) => this.knownTerms.has(t)))) known += 1;
    }
    return all === 0 ? 1 : known / all;
  }

  /** The best `limit` entries for `text`, highest score first. Never throws on odd input. */
  match(text: string, limit = 5): Candidate[] {
    const corrected = words(text).map((w) => (isStopword(w) ? w : this.speller.correct(w)));
    const { terms: queryTerms, origin } = termsWithOrigin(corrected, this.synonyms);
    if (queryTerms.length === 0) return [];
    const q = this.vectorizer.vectorize(queryTerms);
    if (q.ids.length === 0) return [];

    const nearest = new Float64Array(this.ids.length);
    const rowScores = this.rows.scores(q);
    for (let row = 0; row < rowScores.length; row++) {
      const e = this.rowEntry[row]!;
      if (rowScores[row]! > nearest[e]!) nearest[e] = rowScores[row]!;
    }
    const whole = this.centroids.scores(q);
    const { nearestWeight: w, classifierWeight: c, temperature, coveragePower } = this.options;
    const probability = softmaxInPlace(this.classifier.logits(q), temperature);
    const scale = coveragePower === 0 ? 1 : this.coverage(corrected) ** coveragePower;

    const ranked = this.ids
      .map((id, e) => {
        const cosine = w * nearest[e]! + (1 - w) * whole[e]!;
        const blended = cosine > 0 ? c * probability[e]! + (1 - c) * cosine : 0;
        return { id, e, score: Math.min(1, Math.max(0, blended * scale)) };
      })
      .filter((x) => x.score > 0)
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, limit);

    return ranked.map(({ id, e, score }) => ({
      id,
      score,
      matched: [...new Set(queryTerms.flatMap((t, k) => (this.entryTerms[e]!.has(t) ? [origin[k]!] : [])))],
    }));
  }
}
