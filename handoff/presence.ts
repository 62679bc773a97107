import type { Database } from 'better-sqlite3';
import { migrate } from '../bot/db';
import type { Agent, AgentStore } from './agents';
import type { EscalationQueue } from './queue';
import type { SessionStore } from './sessions';

/**
 * Who is really at the desk. An agent says whether they are available or away, and which of
 * their departments they are taking chats for (kept in SQLite, so a restart keeps it); the
 * console's open event streams say whether they are still connected. The roster combines that
 * with the sign-in sessions: it is what the desk counts for capacity, and what the grace sweep
 * uses to return the chats of an agent who has gone.
 */

export const AVAILABILITY = ['available', 'away'] as const;
export type Availability = (typeof AVAILABILITY)[number];

export interface AgentPresence {
  status: Availability;
  /** The departments they are taking chats for; null means all they serve. */
  departments: string[] | null;
  /** When `status` last changed: the away time counts from here. */
  statusSince: string;
  /** Set when their last event stream closed; cleared when one opens or they sign in. */
  disconnectedSince?: string;
}

export interface PresenceStore {
  /** An agent who never chose is available for all their departments. */
  get(agentId: number): AgentPresence;
  /** `departments` undefined keeps the current choice; callers check it is theirs to choose. */
  setStatus(agentId: number, status: Availability, departments: string[] | undefined, now: Date): AgentPresence;
  /** A sign-in is a sign of life: it clears any old disconnection. */
  signedIn(agentId: number): void;
  /**
   * An event stream opened; returns the function to call when it closes. Agents are
   * "disconnected since" the moment their last stream closes.
   */
  connect(agentId: number, now: Date): (now: Date) => void;
}

const MIGRATIONS = [
  `CREATE TABLE agent_presence (
     agent_id INTEGER PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
     status TEXT NOT NULL CHECK (status IN ('available', 'away')),
     departments TEXT,
     status_since TEXT NOT NULL,
     streaming INTEGER NOT NULL DEFAULT 0,
     disconnected_since TEXT
   )`,
];

interface Row {
  status: Availability;
  departments: string | null;
  status_since: string;
  disconnected_since: string | null;
}

/**
 * Open streams are counted in memory (one process holds them); the disconnection time is
 * written to SQLite, so the grace time still runs across a restart.
 */
export class SqlitePresenceStore implements PresenceStore {
  private readonly sql;
  private readonly streams = new Map<number, number>();

  /** Needs the agents table (SqliteAgentStore) in the same database. */
  constructor(db: Database, startedAt: Date) {
    migrate(db, 'presence', MIGRATIONS);
    this.sql = {
      get: db.prepare<[number], Row>('SELECT status, departments, status_since, disconnected_since FROM agent_presence WHERE agent_id = ?'),
      ensure: db.prepare<{ id: number; at: string }>(
        "INSERT INTO agent_presence (agent_id, status, status_since) VALUES (@id, 'available', @at) ON CONFLICT (agent_id) DO NOTHING",
      ),
      status: db.prepare<{ id: number; status: Availability; at: string }>(
        'UPDATE agent_presence SET status_since = CASE WHEN status = @status THEN status_since ELSE @at END, status = @status WHERE agent_id = @id',
      ),
      departments: db.prepare<{ id: number; departments: string }>('UPDATE agent_presence SET departments = @departments WHERE agent_id = @id'),
      streaming: db.prepare<{ id: number }>('UPDATE agent_presence SET streaming = 1, disconnected_since = NULL WHERE agent_id = @id'),
      disconnected: db.prepare<{ id: number; at: string }>('UPDATE agent_presence SET streaming = 0, disconnected_since = @at WHERE agent_id = @id'),
      signedIn: db.prepare<{ id: number }>('UPDATE agent_presence SET disconnected_since = NULL WHERE agent_id = @id'),
      // Streams do not survive a restart: whoever had one is disconnected from now on, and their
      // console reconnects within seconds if it is still open.
      restart: db.prepare<{ at: string }>('UPDATE agent_presence SET streaming = 0, disconnected_since = @at WHERE streaming = 1'),
    };
    this.sql.restart.run({ at: startedAt.toISOString() });
  }

  get(agentId: number): AgentPresence {
    const row = this.sql.get.get(agentId);
    if (!row) return { status: 'available', departments: null, statusSince: new Date(0).toISOString() };
    return {
      status: row.status,
      departments: row.departments === null ? null : (JSON.parse(row.departments) as string[]),
      statusSince: row.status_since,
      ...(row.disconnected_since !== null && { disconnectedSince: row.disconnected_since }),
    };
  }

  setStatus(agentId: number, status: Availability, departments: string[] | undefined, now: Date): AgentPresence {
    this.sql.ensure.run({ id: agentId, at: now.toISOString() });
    this.sql.status.run({ id: agentId, status, at: now.toISOString() });
    if (departments) this.sql.departments.run({ id: agentId, departments: JSON.stringify(departments) });
    return this.get(agentId);
  }

  signedIn(agentId: number): void {
    this.sql.signedIn.run({ id: agentId });
  }

  connect(agentId: number, now: Date): (now: Date) => void {
    const open = this.streams.get(agentId) ?? 0;
    this.streams.set(agentId, open + 1);
    if (open === 0) {
      this.sql.ensure.run({ id: agentId, at: now.toISOString() });
      this.sql.streaming.run({ id: agentId });
    }
    let released = false;
    return (closedAt: Date) => {
      if (released) return;
      released = true;
      const left = (this.streams.get(agentId) ?? 1) - 1;
      if (left > 0) return void this.streams.set(agentId, left);
      this.streams.delete(agentId);
      this.sql.disconnected.run({ id: agentId, at: closedAt.toISOString() });
    };
  }
}

export interface RosterDeps {
  presence: PresenceStore;
  sessions: Pick<SessionStore, 'signedInAgents'>;
  agents: Pick<AgentStore, 'byId'>;
  /** Every department id, for supervisors (who serve them all). */
  departments: () => Iterable<string>;
  /** How long an agent may be away or disconnected before their chats go back to the queue. */
  graceSeconds: number;
}

/** Why an agent's chats go back to the queue. */
export type Absence = 'signed-out' | 'away' | 'disconnected';

export class DutyRoster {
  constructor(private readonly deps: RosterDeps) {}

  /** The departments an agent may choose to take chats for: theirs, or all for a supervisor. */
  serves(agent: Agent): string[] {
    return agent.role === 'supervisor' ? [...this.deps.departments()] : agent.departments;
  }

  /** What they are taking chats for: their choice, less any department they no longer serve. */
  taking(agent: Agent): string[] {
    const chosen = this.deps.presence.get(agent.id).departments;
    const serves = this.serves(agent);
    return chosen === null ? serves : chosen.filter((d) => serves.includes(d));
  }

  /**
   * Agents on duty for a department: signed in, available, taking that department, and
   * connected (or disconnected for no longer than the grace time: a dropped connection that
   * comes back quickly changes nothing). An agent who never opened an event stream (a script
   * using the API) is not counted as disconnected.
   */
  onDuty(department: string, now: Date): Agent[] {
    return this.deps.sessions
      .signedInAgents(now)
      .map((id) => this.deps.agents.byId(id))
      .filter((a): a is Agent => a !== undefined)
      .filter((a) => {
        const p = this.deps.presence.get(a.id);
        return p.status === 'available' && !this.beyondGrace(p.disconnectedSince, now) && this.taking(a).includes(department);
      });
  }

  /** Whether an agent holding chats has gone: signed out, or away or disconnected past the grace time. */
  absence(agentId: number, now: Date): Absence | undefined {
    if (!this.deps.sessions.signedInAgents(now).includes(agentId)) return 'signed-out';
    const p = this.deps.presence.get(agentId);
    if (p.status === 'away' && this.beyondGrace(p.statusSince, now)) return 'away';
    if (this.beyondGrace(p.disconnectedSince, now)) return 'disconnected';
    return undefined;
  }

  private beyondGrace(since: string | undefined, now: Date): boolean {
    return since !== undefined && now.getTime() - Date.parse(since) > this.deps.graceSeconds * 1000;
  }
}

/**
 * The grace sweep: returns to the queue the active chats of every agent who has gone (see
 * `DutyRoster.absence`). `returnChats` does the requeueing and tells the residents; this only
 * decides whose. Returns how many agents' chats went back.
 */
export async function sweepAbsentAgents(
  deps: { queue: Pick<EscalationQueue, 'active'>; roster: Pick<DutyRoster, 'absence'>; returnChats: (agentId: string, why: Absence) => Promise<number> },
  now: Date,
): Promise<number> {
  const holders = [...new Set((await deps.queue.active()).map((e) => e.agentId).filter((id): id is string => id !== undefined))];
  let swept = 0;
  for (const agentId of holders) {
    const id = Number(agentId);
    // A chat held by an id that is not a number cannot belong to a signed-in agent.
    const why = Number.isInteger(id) ? deps.roster.absence(id, now) : 'signed-out';
    if (!why) continue;
    await deps.returnChats(agentId, why);
    swept++;
  }
  return swept;
}
