import type { KnowledgeBase } from '../loader';
import { isStopword, stem, SynonymMap, termsWithOrigin, words } from '../normalize';
import { spellerFor, type Speller } from '../spelling';

/**
 * Reads a recorded question as the matcher reads a resident's message (normalize.ts and
 * spelling.ts: the same cleaning, spelling fixes towards the knowledge base's words, stems and
 * synonyms), so "the tip" and "household waste recycling centre" count as the same words when
 * questions are grouped. Stopwords are dropped here, unlike in the matcher: "do I" and "the" are
 * in most questions and would pull unrelated ones together.
 */

/**
 * Question words the matcher keeps (they tell "when is my bin day" from "where is the tip"): left
 * out of ids and titles, which should name the topic. The grouping keeps them: leaving them out
 * there measured worse on the validation set (pair F1 0.79 against 0.81; see README.md).
 */
const QUESTION_WORDS = new Set(['how', 'when', 'where', 'who', 'what', 'why', 'which', 'will', 'would', 'can', 'could', 'get', 'got'].map(stem));

/** Redaction's placeholders ("[email]", "[postcode]"): they say nothing about the topic. */
const PLACEHOLDER = /\[[^\]\n]{1,30}\]/g;

export function withoutPlaceholders(question: string): string {
  return question.replace(PLACEHOLDER, ' ').replace(/\s+/g, ' ').trim();
}

export class QuestionReader {
  private constructor(
    private readonly synonyms: SynonymMap,
    private readonly speller: Speller,
  ) {}

  /**
   * Reads questions with the same speller and synonyms as the matcher.
   */
  static for(kb: Pick<KnowledgeBase, 'entries' | 'synonyms'>): QuestionReader {
    return new QuestionReader(new SynonymMap(kb.synonyms), spellerFor(kb));
  }

  /** The question's terms: placeholders out, spelling fixed, stemmed, synonyms applied, no stopwords. */
  terms(question: string): string[] {
    const corrected = words(withoutPlaceholders(question)).map((w) => (isStopword(w) ? w : this.speller.correct(w)));
    return termsWithOrigin(corrected, this.synonyms).terms;
  }
}

/** The question's own words that carry its topic, as written (no stopwords, no placeholders): for ids and titles. */
export function topicWords(question: string): string[] {
  return words(withoutPlaceholders(question)).filter((w) => /^[a-z0-9]+$/.test(w) && !isStopword(w) && !QUESTION_WORDS.has(stem(w)));
}
