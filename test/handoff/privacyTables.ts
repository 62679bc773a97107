import { createHmac } from 'node:crypto';
import type { Sql } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { SqlChannelStore } from '../../bot/directline/store';

/**
 * Every table that holds residents' data, with rows put in by plain SQL (as db:copy would), for
 * the privacy tests on both databases. `migrateAll` makes the tables of every store on the Sql
 * layer; the statements after it make, only where a store has not moved to the Sql layer yet,
 * the same columns the privacy statements and these rows use. Once every store is in SCHEMAS
 * they find their tables there and do nothing.
 */
const NOT_YET_ON_SQL = [
  'CREATE TABLE IF NOT EXISTS bot_state (key TEXT PRIMARY KEY, doc TEXT NOT NULL, etag INTEGER NOT NULL, updated_at TEXT NOT NULL)',
  `CREATE TABLE IF NOT EXISTS transcript_activities (seq INTEGER PRIMARY KEY, channel_id TEXT NOT NULL, conversation_id TEXT NOT NULL, activity_id TEXT,
     timestamp TEXT NOT NULL, from_id TEXT, from_role TEXT, recipient_id TEXT, doc TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS escalations (id INTEGER PRIMARY KEY, conversation_id TEXT NOT NULL, reference TEXT NOT NULL, department TEXT NOT NULL,
     priority INTEGER NOT NULL, reason TEXT NOT NULL, entry_id TEXT, summary TEXT, status TEXT NOT NULL, queued_at TEXT NOT NULL, agent_id TEXT,
     picked_up_at TEXT, closed_at TEXT, closed_because TEXT, rating INTEGER, rating_declined INTEGER NOT NULL DEFAULT 0)`,
  `CREATE TABLE IF NOT EXISTS live_messages (id INTEGER PRIMARY KEY, escalation_id INTEGER NOT NULL REFERENCES escalations (id), author TEXT NOT NULL,
     agent_id TEXT, text TEXT NOT NULL, sent_at TEXT NOT NULL, delivered_at TEXT)`,
  `CREATE TABLE IF NOT EXISTS left_messages (escalation_id INTEGER PRIMARY KEY REFERENCES escalations (id), question TEXT NOT NULL, contact_kind TEXT NOT NULL,
     contact_value TEXT NOT NULL, left_at TEXT NOT NULL, reply_by TEXT, answer_text TEXT, answered_by TEXT, answered_at TEXT)`,
  `CREATE TABLE IF NOT EXISTS message_deliveries (id INTEGER PRIMARY KEY, escalation_id INTEGER NOT NULL REFERENCES left_messages (escalation_id),
     channel TEXT NOT NULL, payload TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, delivered_at TEXT, last_error TEXT)`,
  `CREATE TABLE IF NOT EXISTS knowledge_gaps (id INTEGER PRIMARY KEY, at TEXT NOT NULL, day TEXT NOT NULL, kind TEXT NOT NULL, question TEXT NOT NULL,
     asker TEXT, entry_id TEXT, closest_id TEXT, closest_score REAL)`,
  'CREATE TABLE IF NOT EXISTS knowledge_gaps_key (key TEXT NOT NULL)',
];

export async function privacyTables(sql: Sql): Promise<void> {
  await migrateAll(sql);
  for (const statement of NOT_YET_ON_SQL) await sql.exec(statement);
}

export const GAPS_KEY = 'test-gaps-key';

/** knowledge/gaps/store.ts's keyed hash of a conversation, under GAPS_KEY. */
export const askerOf = (conversationId: string) => createHmac('sha256', GAPS_KEY).update(conversationId).digest('hex').slice(0, 32);

export interface Seed {
  /** Row ids: unique per seeded conversation. */
  n: number;
  conversationId: string;
  at: Date;
  /** The escalation's status: `closed` (with closed_at = at), `active` or `message`. */
  status: 'closed' | 'active' | 'message';
  /** When the left message was answered; unanswered if absent. */
  answeredAt?: Date;
}

/**
 * One conversation in every table, every row carrying the conversation id or words that name it
 * (`<id>-words`, `<id>@example.org`, resident `r-<id>`), so a test can look for its traces anywhere.
 */
export async function seedConversation(sql: Sql, { n, conversationId: id, at, status, answeredAt }: Seed): Promise<void> {
  const when = at.toISOString();
  if ((await sql.get('SELECT key FROM knowledge_gaps_key')) === undefined) await sql.run('INSERT INTO knowledge_gaps_key (key) VALUES (?)', [GAPS_KEY]);
  for (const [k, role, from] of [[0, 'user', `r-${id}`], [1, 'bot', 'parley']] as const) {
    await sql.run(
      'INSERT INTO transcript_activities (seq, channel_id, conversation_id, activity_id, timestamp, from_id, from_role, recipient_id, doc) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [n * 10 + k, 'test', id, `${id}-${k}`, when, from, role, 'x', JSON.stringify({ text: `${id}-words` })],
    );
  }
  await sql.run(
    `INSERT INTO escalations (id, conversation_id, reference, department, priority, reason, summary, status, queued_at, closed_at)
     VALUES (?, ?, ?, 'waste', 0, 'asked', ?, ?, ?, ?)`,
    [n, id, JSON.stringify({ conversation: { id }, user: { id: `r-${id}` } }), `${id}-words`, status, when, status === 'closed' ? when : null],
  );
  await sql.run("INSERT INTO live_messages (id, escalation_id, author, text, sent_at) VALUES (?, ?, 'resident', ?, ?)", [n, n, `${id}-words`, when]);
  await sql.run(
    "INSERT INTO left_messages (escalation_id, question, contact_kind, contact_value, left_at, answer_text, answered_by, answered_at) VALUES (?, ?, 'email', ?, ?, ?, ?, ?)",
    [n, `${id}-words`, `${id}@example.org`, when, answeredAt ? 'answered' : null, answeredAt ? '1' : null, answeredAt?.toISOString() ?? null],
  );
  await sql.run("INSERT INTO message_deliveries (id, escalation_id, channel, payload, next_attempt_at, delivered_at) VALUES (?, ?, 'email', ?, ?, ?)", [
    n,
    n,
    JSON.stringify({ to: `${id}@example.org` }),
    when,
    answeredAt ? when : null,
  ]);
  for (const key of [`test/conversations/${id}/state`, `test/users/r-${id}/state`]) {
    await sql.run('INSERT INTO bot_state (key, doc, etag, updated_at) VALUES (?, ?, 1, ?)', [key, JSON.stringify({ said: `${id}-words` }), when]);
  }
  await sql.run("INSERT INTO knowledge_gaps (id, at, day, kind, question, asker) VALUES (?, ?, ?, 'not-understood', ?, ?)", [n, when, when.slice(0, 10), `${id}-words`, askerOf(id)]);
  const channel = new SqlChannelStore(sql);
  await channel.createConversation({ id, userId: `dl_${id}` }, at);
  await channel.addToken(`${id}-token`, id, new Date(at.getTime() + 3_600_000), at);
  await channel.append(id, { type: 'message', text: `${id}-words` }, at);
}

/** Every row of every table of the database (its current schema on PostgreSQL), as text. */
export async function everything(sql: Sql): Promise<Map<string, string>> {
  const tables =
    sql.dialect === 'postgres'
      ? await sql.all<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")
      : await sql.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  const all = new Map<string, string>();
  for (const { name } of tables) all.set(name, JSON.stringify(await sql.all(`SELECT * FROM "${name}"`)));
  return all;
}
