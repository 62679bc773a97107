import { randomUUID } from 'node:crypto';
import type { Sql, StoreSchema } from '../knowledge/sql';
import type { Agent, AgentStore } from './agents';
import type { EscalationQueue } from './queue';
import type { SessionStore } from './sessions';

/**
 * Who is really at the desk. An agent says whether they are available or away, and which of
 * their departments they are taking chats for (kept in the database, so a restart keeps it); the
 * console's open event streams, on any instance, say whether they are still connected. The roster combines that
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
  get(agentId: number, now: Date): Promise<AgentPresence>;
  /** `departments` undefined keeps the current choice; callers check it is theirs to choose. */
  setStatus(agentId: number, status: Availability, departments: string[] | undefined, now: Date): Promise<AgentPresence>;
  /** A sign-in is a sign of life: it clears any old disconnection, and streams left by a dead instance. */
  signedIn(agentId: number, now: Date): Promise<void>;
  /**
   * An event stream opened; resolves to the function to call when it closes. Agents are
   * "disconnected since" the moment their last stream, on any instance, closes.
   */
  connect(agentId: number, now: Date): Promise<(now: Date) => Promise<void>>;
}

export interface PresenceSettings {
  /** This process, among the instances sharing the database: made at start (a random UUID). */
  instanceId: string;
  /**
   * How often this instance vouches for the streams it holds (`beat`). A stream not vouched for
   * in three beats belongs to an instance that died without closing it, and counts as closed.
   */
  heartbeatMs: number;
  /**
   * Whether this is the only instance on the database (SQLite: one file, one process): then at
   * start every stream left in it is this process's own, from before the restart.
   */
  soleInstance: boolean;
}

/** Five seconds: an instance that dies leaves its agents "connected" for 15 s at most. */
export const PRESENCE_HEARTBEAT_MS = 5_000;
const MISSED_BEATS = 3;

export const PRESENCE_SCHEMA: StoreSchema = {
  store: 'presence',
  sqlite: [
    `CREATE TABLE agent_presence (
       agent_id INTEGER PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
       status TEXT NOT NULL CHECK (status IN ('available', 'away')),
       departments TEXT,
       status_since TEXT NOT NULL,
       streaming INTEGER NOT NULL DEFAULT 0,
       disconnected_since TEXT
     )`,
    // Open streams were counted in one process's memory; with several instances on one database
    // each needs to see the others', and which instance holds each (a restart clears its own).
    `CREATE TABLE agent_streams (
       id TEXT PRIMARY KEY,
       agent_id INTEGER NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
       instance_id TEXT NOT NULL,
       opened_at TEXT NOT NULL,
       last_seen TEXT NOT NULL
     );
     CREATE INDEX agent_streams_agent ON agent_streams (agent_id);
     CREATE INDEX agent_streams_instance ON agent_streams (instance_id);
     ALTER TABLE agent_presence DROP COLUMN streaming;`,
  ],
  postgres: [
    `CREATE TABLE agent_presence (
       agent_id BIGINT PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
       status TEXT NOT NULL CHECK (status IN ('available', 'away')),
       departments TEXT,
       status_since TEXT NOT NULL,
       disconnected_since TEXT
     );
     CREATE TABLE agent_streams (
       id TEXT PRIMARY KEY,
       agent_id BIGINT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
       instance_id TEXT NOT NULL,
       opened_at TEXT NOT NULL,
       last_seen TEXT NOT NULL
     );
     CREATE INDEX agent_streams_agent ON agent_streams (agent_id);
     CREATE INDEX agent_streams_instance ON agent_streams (instance_id);`,
  ],
};

interface Row {
  status: Availability;
  departments: string | null;
  status_since: string;
  disconnected_since: string | null;
  live: number;
  last_seen: string | null;
}

/** A stream still there: held by this instance (it knows), or vouched for by its holder lately. */
const LIVE = '(s.instance_id = @me OR s.last_seen > @fresh)';

/**
 * Open streams are rows in agent_streams, one per stream, naming the instance that holds it;
 * that instance refreshes their `last_seen` (`beat`). The disconnection time is written when an
 * agent's last live stream closes, so the grace time still runs across a restart.
 */
export class SqlPresenceStore implements PresenceStore {
  private readonly staleMs: number;

  /** Needs AGENTS_SCHEMA and PRESENCE_SCHEMA migrated; call `restart` once before use. */
  constructor(
    private readonly sql: Sql,
    private readonly settings: PresenceSettings,
  ) {
    this.staleMs = settings.heartbeatMs * MISSED_BEATS;
  }

  /**
   * At start: the streams this instance held before it restarted (all, for the sole instance)
   * did not survive it. Whoever had one is disconnected from `startedAt`, unless connected to
   * another instance; their console reconnects within seconds if it is still open.
   */
  async restart(startedAt: Date): Promise<void> {
    await this.drop(this.settings.soleInstance ? '1 = 1' : 's.instance_id = @me', startedAt, 'at');
  }

  /**
   * Vouches for this instance's streams, and clears those of instances that stopped vouching
   * for theirs (killed without closing them): their agents are disconnected since then.
   */
  async beat(now: Date): Promise<void> {
    await this.sql.run('UPDATE agent_streams SET last_seen = ? WHERE instance_id = ?', [now.toISOString(), this.settings.instanceId]);
    await this.drop('s.instance_id <> @me AND s.last_seen <= @fresh', now, 'last-seen');
  }

  async get(agentId: number, now: Date): Promise<AgentPresence> {
    const row = await this.sql.get<Row>(
      `SELECT p.status, p.departments, p.status_since, p.disconnected_since,
         (SELECT count(*) FROM agent_streams s WHERE s.agent_id = p.agent_id AND ${LIVE}) AS live,
         (SELECT max(s.last_seen) FROM agent_streams s WHERE s.agent_id = p.agent_id) AS last_seen
       FROM agent_presence p WHERE p.agent_id = @id`,
      { id: agentId, ...this.liveness(now) },
    );
    if (!row) return { status: 'available', departments: null, statusSince: new Date(0).toISOString() };
    // Streams left by a dead instance that no beat has cleared yet: gone since last vouched for.
    const disconnectedSince = Number(row.live) > 0 ? null : (row.disconnected_since ?? row.last_seen);
    return {
      status: row.status,
      departments: row.departments === null ? null : (JSON.parse(row.departments) as string[]),
      statusSince: row.status_since,
      ...(disconnectedSince !== null && { disconnectedSince }),
    };
  }

  async setStatus(agentId: number, status: Availability, departments: string[] | undefined, now: Date): Promise<AgentPresence> {
    await this.sql.transaction(async (tx) => {
      await this.ensure(tx, agentId, now);
      // One statement: status_since moves only when the status changes, whoever else writes.
      await tx.run('UPDATE agent_presence SET status_since = CASE WHEN status = @status THEN status_since ELSE @at END, status = @status WHERE agent_id = @id', {
        id: agentId,
        status,
        at: now.toISOString(),
      });
      if (departments) await tx.run('UPDATE agent_presence SET departments = @departments WHERE agent_id = @id', { id: agentId, departments: JSON.stringify(departments) });
    });
    return this.get(agentId, now);
  }

  async signedIn(agentId: number, now: Date): Promise<void> {
    await this.sql.transaction(async (tx) => {
      // Otherwise they would still count as gone since those streams' last heartbeat.
      await tx.run(`DELETE FROM agent_streams WHERE id IN (SELECT s.id FROM agent_streams s WHERE s.agent_id = @id AND NOT ${LIVE})`, { id: agentId, ...this.liveness(now) });
      await tx.run('UPDATE agent_presence SET disconnected_since = NULL WHERE agent_id = @id', { id: agentId });
    });
  }

  async connect(agentId: number, now: Date): Promise<(now: Date) => Promise<void>> {
    const stream = randomUUID();
    await this.sql.transaction(async (tx) => {
      await this.ensure(tx, agentId, now);
      await tx.run('INSERT INTO agent_streams (id, agent_id, instance_id, opened_at, last_seen) VALUES (?, ?, ?, ?, ?)', [
        stream,
        agentId,
        this.settings.instanceId,
        now.toISOString(),
        now.toISOString(),
      ]);
      await tx.run('UPDATE agent_presence SET disconnected_since = NULL WHERE agent_id = @id', { id: agentId });
    });
    let released = false;
    return async (closedAt: Date) => {
      if (released) return;
      released = true;
      await this.sql.transaction(async (tx) => {
        await tx.run('DELETE FROM agent_streams WHERE id = ?', [stream]);
        // Conditional in the same statement, so a stream opening on another instance meanwhile
        // either is seen here or clears the time after it is written.
        await tx.run(
          `UPDATE agent_presence SET disconnected_since = @at
           WHERE agent_id = @id AND NOT EXISTS (SELECT 1 FROM agent_streams s WHERE s.agent_id = @id AND ${LIVE})`,
          { id: agentId, at: closedAt.toISOString(), ...this.liveness(closedAt) },
        );
      });
    };
  }

  /** Parameters for LIVE: this instance, and the oldest `last_seen` still counted as live. */
  private liveness(now: Date): { me: string; fresh: string } {
    return { me: this.settings.instanceId, fresh: new Date(now.getTime() - this.staleMs).toISOString() };
  }

  private async ensure(tx: Sql, agentId: number, now: Date): Promise<void> {
    await tx.run("INSERT INTO agent_presence (agent_id, status, status_since) VALUES (@id, 'available', @at) ON CONFLICT (agent_id) DO NOTHING", { id: agentId, at: now.toISOString() });
  }

  /**
   * Removes the streams `which` selects (a condition on `s`) and marks their agents disconnected
   * unless a live stream remains: from `now`, or from when each was last vouched for.
   */
  private async drop(which: string, now: Date, since: 'at' | 'last-seen'): Promise<void> {
    const params = { ...this.liveness(now), at: now.toISOString() };
    const gone = `SELECT s.agent_id FROM agent_streams s WHERE ${which}`;
    await this.sql.transaction(async (tx) => {
      await tx.run(
        `UPDATE agent_presence SET disconnected_since = ${since === 'at' ? '@at' : `(SELECT max(s.last_seen) FROM agent_streams s WHERE s.agent_id = agent_presence.agent_id AND ${which})`}
         WHERE agent_id IN (${gone})
           AND NOT EXISTS (SELECT 1 FROM agent_streams s WHERE s.agent_id = agent_presence.agent_id AND NOT (${which}) AND ${LIVE})`,
        params,
      );
      await tx.run(`DELETE FROM agent_streams WHERE id IN (SELECT s.id FROM agent_streams s WHERE ${which})`, params);
    });
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
  async taking(agent: Agent, now: Date): Promise<string[]> {
    return this.chosen(agent, (await this.deps.presence.get(agent.id, now)).departments);
  }

  /**
   * Agents on duty for a department: signed in, available, taking that department, and
   * connected (or disconnected for no longer than the grace time: a dropped connection that
   * comes back quickly changes nothing). An agent who never opened an event stream (a script
   * using the API) is not counted as disconnected.
   */
  async onDuty(department: string, now: Date): Promise<Agent[]> {
    const duty: Agent[] = [];
    for (const id of await this.deps.sessions.signedInAgents(now)) {
      const a = await this.deps.agents.byId(id);
      if (!a) continue;
      const p = await this.deps.presence.get(a.id, now);
      if (p.status === 'available' && !this.beyondGrace(p.disconnectedSince, now) && this.chosen(a, p.departments).includes(department)) duty.push(a);
    }
    return duty;
  }

  /** Whether an agent holding chats has gone: signed out, or away or disconnected past the grace time. */
  async absence(agentId: number, now: Date): Promise<Absence | undefined> {
    if (!(await this.deps.sessions.signedInAgents(now)).includes(agentId)) return 'signed-out';
    const p = await this.deps.presence.get(agentId, now);
    if (p.status === 'away' && this.beyondGrace(p.statusSince, now)) return 'away';
    if (this.beyondGrace(p.disconnectedSince, now)) return 'disconnected';
    return undefined;
  }

  private chosen(agent: Agent, chosen: string[] | null): string[] {
    const serves = this.serves(agent);
    return chosen === null ? serves : chosen.filter((d) => serves.includes(d));
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
    const why = Number.isInteger(id) ? await deps.roster.absence(id, now) : 'signed-out';
    if (!why) continue;
    await deps.returnChats(agentId, why);
    swept++;
  }
  return swept;
}
