/**
 * How long the supervisors' report takes over a large period, on SQLite or PostgreSQL:
 * `node --import tsx scripts/bench/reportScale.ts [--conversations N] [--database-url URL]`.
 * Fills a new database (a temp SQLite file, or a new schema of the PostgreSQL database, dropped
 * after) with N conversations' reporting events over 30 days (a tenth handed to an officer:
 * queued, picked up, closed, rated), then times `makeReport` (reading the events, then `figures`)
 * three times (and the reading alone before each), printing the last run as JSON.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { migrateStore, openDatabase, PostgresBackend, SqliteBackend, type Backend } from '../../bot/db';
import type { ConversationEvent, DeskRecord } from '../../handoff/reporting/events';
import { eventRange } from '../../handoff/reporting/period';
import { makeReport } from '../../handoff/reporting/report';
import { REPORT_EVENTS_SCHEMA, SqlReportEventStore } from '../../handoff/reporting/store';

const { values } = parseArgs({ options: { conversations: { type: 'string', default: '100000' }, 'database-url': { type: 'string' } } });
const conversations = Number(values.conversations);
const url = values['database-url'];

type Row = { at: Date } & ({ conversation: string; event: ConversationEvent } | { desk: DeskRecord });

/** One conversation's events, a tenth of them with a chat on the desk. */
function conversationRows(n: number, start: number): Row[] {
  const at = (seconds: number) => new Date(start + seconds * 1000);
  const conversation = `conv-${n}`;
  const department = ['waste', 'council-tax', 'housing', 'parking'][n % 4]!;
  const entry = `entry-${n % 40}`;
  const rows: Row[] = [
    { at: at(0), conversation, event: { type: 'started' } },
    { at: at(5), conversation, event: { type: 'answered', entry, department, via: 'question' } },
  ];
  if (n % 10 === 0) {
    rows.push({ at: at(20), conversation, event: { type: 'handoff-accepted', reason: 'asked', department } });
    rows.push({ at: at(21), desk: { type: 'queued', escalation: n + 1, department, priority: 'normal', reason: 'asked' } });
    rows.push({ at: at(200), desk: { type: 'picked-up', escalation: n + 1, department, agent: String(1 + (n % 7)) } });
    rows.push({ at: at(600), desk: { type: 'closed', escalation: n + 1, department, because: 'closed-by-agent' } });
    rows.push({ at: at(620), desk: { type: 'rated', escalation: n + 1, department, rating: 1 + (n % 5) } });
  } else {
    rows.push({ at: at(30), conversation, event: { type: 'feedback', entry, department, helped: n % 3 !== 0 } });
  }
  return rows;
}

async function open(): Promise<{ backend: Backend; drop: () => Promise<void> }> {
  if (!url) {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'parley-report-scale-')), 'parley.sqlite');
    return { backend: new SqliteBackend(openDatabase(file)), drop: async () => fs.rmSync(path.dirname(file), { recursive: true }) };
  }
  const schema = `report_scale_${randomUUID().replace(/-/g, '')}`;
  const admin = new PostgresBackend(url, console);
  await admin.sql.exec(`CREATE SCHEMA ${schema}`);
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return {
    backend: new PostgresBackend(u.toString(), console),
    drop: async () => {
      await admin.sql.exec(`DROP SCHEMA ${schema} CASCADE`);
      await admin.close();
    },
  };
}

async function main(): Promise<void> {
  const { backend, drop } = await open();
  try {
    await migrateStore(backend.sql, REPORT_EVENTS_SCHEMA);
    const store = new SqlReportEventStore(backend.sql);
    const first = Date.parse('2026-10-01T08:00:00Z');
    const fillStarted = Date.now();
    let events = 0;
    // A transaction per thousand conversations: the fill is not what is measured.
    for (let from = 0; from < conversations; from += 1000) {
      await backend.sql.transaction(async (tx) => {
        const inTx = new SqlReportEventStore(tx);
        for (let n = from; n < Math.min(conversations, from + 1000); n++) {
          const start = first + Math.floor((n / conversations) * 30 * 86_400_000);
          for (const row of conversationRows(n, start)) {
            if ('desk' in row) await inTx.recordDesk(row.desk, row.at);
            else await inTx.recordConversation(row.conversation, row.event, row.at);
            events++;
          }
        }
      });
    }
    console.error(`${backend.label}: ${conversations} conversations, ${events} events written in ${((Date.now() - fillStarted) / 1000).toFixed(1)} s`);
    const seconds = (since: bigint) => Number(process.hrtime.bigint() - since) / 1e9;
    for (let run = 1; run <= 3; run++) {
      // Reading alone first (the database's share), then the whole report (reading and figures).
      const reading = process.hrtime.bigint();
      const read = (await store.list(eventRange({ from: '2026-10-01', to: '2026-10-30' }))).length;
      const readSeconds = seconds(reading);
      const started = process.hrtime.bigint();
      const figures = await makeReport(
        { store, timeZone: 'Europe/London', costs: { perCall: 5, perChat: 3 }, entryTitle: () => undefined, agentName: async (id) => `Officer ${id}`, now: () => new Date('2026-11-15T12:00:00Z') },
        { from: '2026-10-01', to: '2026-10-30' },
      );
      const total = seconds(started);
      console.error(`run ${run}: ${read} events read in ${readSeconds.toFixed(2)} s; whole report in ${total.toFixed(2)} s (${figures.conversations.started} conversations started)`);
      if (run === 3) console.log(JSON.stringify({ database: backend.sql.dialect, conversations, events, readSeconds, reportSeconds: total, started: figures.conversations.started }));
    }
  } finally {
    await backend.close();
    await drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
