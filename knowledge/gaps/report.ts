import { createHash } from 'node:crypto';
import type { KnowledgeBase } from '../loader';
import type { Matcher } from '../matcher';
import { clean } from '../normalize';
import { clusterQuestions } from './cluster';
import type { Gap, GapKind } from './store';
import { QuestionReader, topicWords, withoutPlaceholders } from './terms';

/**
 * The knowledge-gaps report behind `npm run kb:gaps` and GET /api/console/gaps: the recorded
 * questions grouped into clusters of similar questions (cluster.ts), ranked by how many
 * residents asked, each with its most central questions and the existing entry that comes
 * closest (the bot's own matcher). The JSON shape is a contract with the console page.
 */

/**
 * Average similarity two groups of questions need to be merged. Tuned on the hand-made
 * validation set in test/fixtures/gaps/validation.jsonl (see knowledge/gaps/README.md).
 */
export const GAP_THRESHOLD = 0.35;
/** Examples shown per cluster: its most central questions. */
export const EXAMPLES = 3;
/**
 * Distinct questions grouped at most (the most recently asked): the grouping holds an n × n
 * table of similarities, 72 MB at this size. Narrow a bigger history with `since`.
 */
export const MAX_QUESTIONS = 3000;
/** Candidates per question when looking for the closest entry. */
const CANDIDATES = 5;

export interface GapQuestion {
  /** As recorded (redacted); the first time it was asked in these words. */
  text: string;
  /** Times recorded in these words (lower case and punctuation aside). */
  asked: number;
  /** Mean similarity to the cluster's other questions, 1 for a question on its own. */
  centrality: number;
}

export interface GapCluster {
  /** Stable for the same data: made from the cluster's most central question. */
  id: string;
  rank: number;
  /** Different conversations that asked (each question recorded without one counts as one). */
  residents: number;
  /** Times a question of the cluster was recorded. */
  asked: number;
  kinds: Record<GapKind, number>;
  /** The most central questions first, up to EXAMPLES. */
  examples: string[];
  /** Every distinct question, most central first. */
  questions: GapQuestion[];
  /** For `not-helpful`: the entries residents got and said did not help, most often first. */
  answeredWith: { id: string; title: string; count: number }[];
  /**
   * The entry the matcher ranks highest for the cluster as a whole: its mean score over the
   * cluster's questions (0 where it is not in a question's top 5). Null if none shares anything.
   */
  closest: { id: string; title: string; department: string; score: number } | null;
  firstAsked: string;
  lastAsked: string;
}

export interface GapReport {
  /** The `since` date used (YYYY-MM-DD), or null for everything recorded. */
  since: string | null;
  threshold: number;
  totals: {
    /** Questions recorded. */
    asked: number;
    clusters: number;
    /** Recorded questions left out: no words to group by once redacted ("[email]"), or beyond MAX_QUESTIONS. */
    notGrouped: number;
  };
  /** Most residents first. */
  clusters: GapCluster[];
}

export interface ReportOptions {
  since?: string;
  threshold?: number;
  maxQuestions?: number;
}

type Knowledge = { kb: Pick<KnowledgeBase, 'entries' | 'synonyms' | 'byId'>; matcher: Pick<Matcher, 'match'> };

interface Distinct {
  key: string;
  text: string;
  gaps: Gap[];
  terms: string[];
}

export function reportGaps(gaps: readonly Gap[], { kb, matcher }: Knowledge, options: ReportOptions = {}): GapReport {
  const threshold = options.threshold ?? GAP_THRESHOLD;
  const reader = QuestionReader.for(kb);

  // The same words asked again are one question asked more often.
  const byKey = new Map<string, Distinct>();
  let notGrouped = 0;
  for (const gap of gaps) {
    const key = clean(withoutPlaceholders(gap.question));
    const found = byKey.get(key);
    if (found) {
      found.gaps.push(gap);
      continue;
    }
    const terms = key ? reader.terms(gap.question) : [];
    if (!terms.length) {
      notGrouped += 1;
      continue;
    }
    byKey.set(key, { key, text: gap.question, gaps: [gap], terms });
  }
  const byTime = (a: Gap, b: Gap) => (a.at < b.at ? -1 : a.at > b.at ? 1 : a.id - b.id);
  let distinct = [...byKey.values()].map((d) => {
    // Shown in the words of its first asking, whatever order the store listed them in.
    d.gaps.sort(byTime);
    return { ...d, text: d.gaps[0]!.question };
  });
  const lastAt = (d: Distinct) => d.gaps[d.gaps.length - 1]!.at;
  const limit = options.maxQuestions ?? MAX_QUESTIONS;
  if (distinct.length > limit) {
    const kept = distinct.sort((a, b) => (lastAt(a) < lastAt(b) ? 1 : lastAt(a) > lastAt(b) ? -1 : a.key < b.key ? -1 : 1)).slice(0, limit);
    notGrouped += distinct.slice(limit).reduce((n, d) => n + d.gaps.length, 0);
    distinct = kept;
  }
  // A fixed order, whatever order the store gave: the same data always gives the same clusters.
  distinct.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));

  const groups = clusterQuestions(
    distinct.map((d) => d.terms),
    threshold,
  );
  const clusters = groups.map((group) => {
    const members = group.map((m) => ({ d: distinct[m.index]!, centrality: m.centrality }));
    // Most central first; then the more often asked, then alphabetical.
    members.sort((x, y) => y.centrality - x.centrality || y.d.gaps.length - x.d.gaps.length || (x.d.key < y.d.key ? -1 : 1));
    return describe(members, { kb, matcher });
  });
  clusters.sort((a, b) => b.residents - a.residents || b.asked - a.asked || (a.id < b.id ? -1 : 1));

  return {
    since: options.since ?? null,
    threshold,
    totals: { asked: gaps.length, clusters: clusters.length, notGrouped },
    clusters: clusters.map((c, i) => ({ ...c, rank: i + 1 })),
  };
}

function describe(members: { d: Distinct; centrality: number }[], { kb, matcher }: Knowledge): GapCluster {
  const all = members.flatMap((m) => m.d.gaps);
  const kinds: Record<GapKind, number> = { 'not-understood': 0, 'none-of-these': 0, 'not-helpful': 0 };
  const answered = new Map<string, number>();
  let anonymous = 0;
  const askers = new Set<string>();
  for (const g of all) {
    kinds[g.kind] += 1;
    if (g.kind === 'not-helpful' && g.entryId) answered.set(g.entryId, (answered.get(g.entryId) ?? 0) + 1);
    if (g.asker === undefined) anonymous += 1;
    else askers.add(g.asker);
  }
  const times = all.map((g) => g.at).sort();
  const central = members[0]!.d;
  return {
    id: clusterId(central.text, central.key),
    rank: 0,
    residents: askers.size + anonymous,
    asked: all.length,
    kinds,
    examples: members.slice(0, EXAMPLES).map((m) => m.d.text),
    questions: members.map((m) => ({ text: m.d.text, asked: m.d.gaps.length, centrality: round(m.centrality) })),
    answeredWith: [...answered]
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([id, count]) => ({ id, title: kb.byId.get(id)?.title ?? id, count })),
    closest: closestEntry(
      members.map((m) => m.d.text),
      { kb, matcher },
    ),
    firstAsked: times[0]!,
    lastAsked: times[times.length - 1]!,
  };
}

function closestEntry(questions: readonly string[], { kb, matcher }: Knowledge): GapCluster['closest'] {
  const total = new Map<string, number>();
  for (const q of questions) for (const c of matcher.match(q, CANDIDATES)) total.set(c.id, (total.get(c.id) ?? 0) + c.score);
  let best: { id: string; sum: number } | undefined;
  for (const [id, sum] of total) if (!best || sum > best.sum || (sum === best.sum && id < best.id)) best = { id, sum };
  const entry = best && kb.byId.get(best.id);
  return entry ? { id: entry.id, title: entry.title, department: entry.department, score: round(best!.sum / questions.length) } : null;
}

/**
 * Readable and stable: up to 4 topic words of the most central question, then a short hash of
 * it, e.g. "rent-allotment-3f9c1a". The same data always gives the same id; the hash keeps two
 * clusters whose central questions share their first words apart.
 */
export function clusterId(text: string, key = clean(withoutPlaceholders(text))): string {
  const slug = topicWords(text).slice(0, 4).join('-').slice(0, 40).replace(/-+$/, '');
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 6);
  return slug ? `${slug}-${hash}` : `gap-${hash}`;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
