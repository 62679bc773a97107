import { createHash } from 'node:crypto';
import type { Db } from '../../bot/db';

/**
 * The crash test's ledger: every write the server acknowledged (a 2xx the client received), and
 * the check of a database against it. The check reads the tables directly, not through the stores,
 * so that a bug in a store cannot hide the loss it causes.
 */

export const KINDS = ['escalations', 'queuePositions', 'escalationChanges', 'transcripts', 'liveMessages', 'leftMessages', 'agentSessions'] as const;
export type Kind = (typeof KINDS)[number];

type Stage = 'waiting' | 'active' | 'closed';
const STAGE_ORDER: Record<string, number> = { waiting: 0, active: 1, closed: 2 };

export type Fact = NewFact & { seq: number };

type NewFact =
  /** The resident was told "You're number N in the queue": one open escalation for the conversation. */
  | { kind: 'escalations'; conversationId: string; escalationId: number }
  /** Same fact seen as a place: among residents still waiting, the order they joined in is kept. */
  | { kind: 'queuePositions'; conversationId: string; escalationId: number }
  /** A pick-up or close the console API acknowledged: the escalation is at least that far on. */
  | { kind: 'escalationChanges'; escalationId: number; stage: Stage }
  /** A resident's turn answered 200: their activity is in the transcript once. */
  | { kind: 'transcripts'; conversationId: string; activityId: string }
  /** An agent's message answered 200, or a resident's message during a live chat: stored once. */
  | { kind: 'liveMessages'; escalationId: number; author: 'agent' | 'resident'; token: string }
  /** "Your reference is M…": the left message is stored once, with the question. */
  | { kind: 'leftMessages'; escalationId: number; token: string }
  /** A sign-in answered 200: the session is still there after a crash. */
  | { kind: 'agentSessions'; token: string };

export interface Figures {
  acknowledged: Record<Kind, number>;
  lost: Record<Kind, number>;
  duplicated: Record<Kind, number>;
  /** Each lost or duplicated write, said in words, for the report. */
  problems: string[];
}

const zero = (): Record<Kind, number> => Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;

export class Ledger {
  readonly facts: Fact[] = [];
  private seq = 0;
  /** Problems already found by an earlier check: a write lost at one crash is counted once. */
  private readonly seen = new Map<string, 'lost' | 'duplicated'>();

  record(fact: NewFact): void {
    this.facts.push({ ...fact, seq: ++this.seq } as Fact);
  }

  /** Checks the database against every acknowledged write; returns the figures so far (problems counted once across checks). */
  check(db: Db): Figures {
    const found = checkFacts(db, this.facts);
    for (const p of found) if (!this.seen.has(p.key)) this.seen.set(p.key, p.kind);
    const figures: Figures = { acknowledged: zero(), lost: zero(), duplicated: zero(), problems: [] };
    for (const f of this.facts) figures.acknowledged[f.kind]++;
    for (const [key, what] of this.seen) {
      const kind = key.split(':')[0] as Kind;
      figures[what][kind]++;
      figures.problems.push(`${what}: ${key}`);
    }
    return figures;
  }
}

interface Problem {
  key: string;
  kind: 'lost' | 'duplicated';
}

function checkFacts(db: Db, facts: readonly Fact[]): Problem[] {
  const problems: Problem[] = [];
  const problem = (kind: Problem['kind'], key: string) => problems.push({ kind, key });
  const escalation = db.prepare<[number], { conversation_id: string; status: string }>('SELECT conversation_id, status FROM escalations WHERE id = ?');
  const openFor = db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM escalations WHERE conversation_id = ? AND status <> 'message'");
  const waiting = db.prepare<[], { id: number }>("SELECT id FROM escalations WHERE status = 'waiting' ORDER BY priority DESC, queued_at, id");
  const transcript = db.prepare<[string, string], { n: number }>("SELECT count(*) AS n FROM transcript_activities WHERE conversation_id = ? AND activity_id = ? AND from_role = 'user'");
  const live = db.prepare<[number, string, string], { n: number }>("SELECT count(*) AS n FROM live_messages WHERE escalation_id = ? AND author = ? AND text LIKE '%' || ? || '%'");
  const left = db.prepare<[number], { question: string }>('SELECT question FROM left_messages WHERE escalation_id = ?');
  const leftCopies = db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM left_messages WHERE question LIKE '%' || ? || '%'");
  const session = db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM sessions WHERE token_hash = ?');

  const stillWaiting: { id: number; seq: number }[] = [];
  const waitingIds = waiting.all().map((r) => r.id);
  for (const f of facts) {
    switch (f.kind) {
      case 'escalations': {
        const row = escalation.get(f.escalationId);
        if (!row || row.conversation_id !== f.conversationId) problem('lost', `escalations:${f.conversationId}`);
        else if (openFor.get(f.conversationId)!.n > 1) problem('duplicated', `escalations:${f.conversationId}`);
        break;
      }
      case 'queuePositions':
        if (waitingIds.includes(f.escalationId)) stillWaiting.push({ id: f.escalationId, seq: f.seq });
        break;
      case 'escalationChanges': {
        const row = escalation.get(f.escalationId);
        if (!row || (STAGE_ORDER[row.status] ?? -1) < STAGE_ORDER[f.stage]!) problem('lost', `escalationChanges:${f.escalationId}:${f.stage}`);
        break;
      }
      case 'transcripts': {
        const n = transcript.get(f.conversationId, f.activityId)!.n;
        if (n === 0) problem('lost', `transcripts:${f.conversationId}/${f.activityId}`);
        if (n > 1) problem('duplicated', `transcripts:${f.conversationId}/${f.activityId}`);
        break;
      }
      case 'liveMessages': {
        const n = live.get(f.escalationId, f.author, f.token)!.n;
        if (n === 0) problem('lost', `liveMessages:${f.escalationId}/${f.token}`);
        if (n > 1) problem('duplicated', `liveMessages:${f.escalationId}/${f.token}`);
        break;
      }
      case 'leftMessages': {
        const row = left.get(f.escalationId);
        if (!row?.question.includes(f.token)) problem('lost', `leftMessages:M${f.escalationId}`);
        else if (leftCopies.get(f.token)!.n > 1) problem('duplicated', `leftMessages:M${f.escalationId}`);
        break;
      }
      case 'agentSessions':
        if (session.get(createHash('sha256').update(f.token).digest('hex'))!.n === 0) problem('lost', `agentSessions:${f.token.slice(0, 6)}…`);
        break;
    }
  }
  // Residents still waiting must be in the order they were told their places in.
  const served = stillWaiting.sort((a, b) => waitingIds.indexOf(a.id) - waitingIds.indexOf(b.id));
  served.forEach((w, i) => {
    if (i > 0 && served[i - 1]!.seq > w.seq) problem('lost', `queuePositions:${w.id}`);
  });
  return problems;
}
