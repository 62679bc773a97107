import { REPORT_EVENTS_SCHEMA } from '../../handoff/reporting/store';
import { GAP_SCHEMA } from '../../knowledge/gaps/store';
import { TRANSCRIPTS_SCHEMA } from '../../handoff/transcriptStore';
import { BIN_SCHEMA } from '../../knowledge/bins/store';
import type { Sql, StoreSchema } from '../../knowledge/sql';
import { AGENTS_SCHEMA } from '../../handoff/agents';
import { LEFT_MESSAGES_SCHEMA } from '../../handoff/leftMessages';
import { LIVE_MESSAGES_SCHEMA } from '../../handoff/liveMessages';
import { PRESENCE_SCHEMA } from '../../handoff/presence';
import { ESCALATIONS_SCHEMA } from '../../handoff/queue';
import { SESSIONS_SCHEMA } from '../../handoff/sessions';
import { DIRECTLINE_SCHEMA } from '../directline/store';
import { KNOWLEDGE_VERSIONS_SCHEMA } from '../knowledgeVersions';
import { BOT_STATE_SCHEMA } from '../stateStorage';
import { migrateStore } from './index';

/**
 * Every store's tables, in the order they are created (a store whose tables refer to another's
 * comes after it). `npm run db:migrate`, the app at start and db:copy all go by this list.
 */
export const SCHEMAS: readonly StoreSchema[] = [
  AGENTS_SCHEMA,
  SESSIONS_SCHEMA,
  PRESENCE_SCHEMA,
  ESCALATIONS_SCHEMA,
  LIVE_MESSAGES_SCHEMA,
  LEFT_MESSAGES_SCHEMA,
  DIRECTLINE_SCHEMA,
  BOT_STATE_SCHEMA,
  TRANSCRIPTS_SCHEMA,
  KNOWLEDGE_VERSIONS_SCHEMA,
  BIN_SCHEMA,
  GAP_SCHEMA,
  REPORT_EVENTS_SCHEMA,
];

/** Brings every store's tables up to date, in one transaction. */
export async function migrateAll(sql: Sql): Promise<void> {
  await sql.transaction(async (tx) => {
    for (const schema of SCHEMAS) await migrateStore(tx, schema);
  });
}
