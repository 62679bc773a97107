import type { Sql, StoreSchema } from '../../knowledge/sql';
import { LEFT_MESSAGES_SCHEMA } from '../../handoff/leftMessages';
import { LIVE_MESSAGES_SCHEMA } from '../../handoff/liveMessages';
import { ESCALATIONS_SCHEMA } from '../../handoff/queue';
import { migrateStore } from './index';

/**
 * Every store's tables, in the order they are created (a store whose tables refer to another's
 * comes after it). `npm run db:migrate`, the app at start and db:copy all go by this list.
 */
export const SCHEMAS: readonly StoreSchema[] = [
  ESCALATIONS_SCHEMA,
  LIVE_MESSAGES_SCHEMA,
  LEFT_MESSAGES_SCHEMA,
];

/** Brings every store's tables up to date, in one transaction. */
export async function migrateAll(sql: Sql): Promise<void> {
  await sql.transaction(async (tx) => {
    for (const schema of SCHEMAS) await migrateStore(tx, schema);
  });
}
