import type { Sql, StoreSchema } from '../sql';
import type { BinData } from './data';
import type { Change, Round } from './schedule';

export interface BinStore {
  /** Replaces everything with freshly loaded data, atomically. */
  replace(data: BinData): Promise<void>;
  roundFor(postcode: string): Promise<Round | undefined>;
  /** Bank-holiday changes whose scheduled date falls in [from, to], keyed by that date. */
  changesBetween(from: string, to: string): Promise<Map<string, Change>>;
  postcodeCount(): Promise<number>;
}

const TABLES = `
  CREATE TABLE IF NOT EXISTS bin_rounds (round TEXT PRIMARY KEY, day TEXT NOT NULL, recycling_anchor TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS bin_postcodes (postcode TEXT PRIMARY KEY, round TEXT NOT NULL);
  CREATE TABLE IF NOT EXISTS bin_changes (from_date TEXT PRIMARY KEY, to_date TEXT NOT NULL, reason TEXT NOT NULL);
`;

/**
 * The bin tables are a cache of knowledge/data/, rebuilt by every (re)load, so they once had no
 * migrations: databases from then already hold them with no row in schema_migrations. Hence
 * IF NOT EXISTS in the first version, on both databases.
 */
export const BIN_SCHEMA: StoreSchema = { store: 'bin-days', sqlite: [TABLES], postgres: [TABLES] };

/** Bin rounds over SQL: shared by every instance on one database, and rewritten by each reload. */
export class SqlBinStore implements BinStore {
  constructor(private readonly sql: Sql) {}

  async replace(data: BinData): Promise<void> {
    await this.sql.transaction(async (tx) => {
      // Instances reloading at once take turns: otherwise the second one's DELETE, which cannot
      // see the first's uncommitted rows, leaves them in place and its inserts hit their keys.
      if (tx.dialect === 'postgres') await tx.get("SELECT pg_advisory_xact_lock(hashtext('parley:bin-days')) AS locked");
      await tx.exec('DELETE FROM bin_rounds; DELETE FROM bin_postcodes; DELETE FROM bin_changes;');
      for (const r of data.rounds) {
        await tx.run('INSERT INTO bin_rounds (round, day, recycling_anchor) VALUES (@round, @day, @recyclingAnchor)', { round: r.round, day: r.day, recyclingAnchor: r.recyclingAnchor });
      }
      for (const p of data.postcodes) await tx.run('INSERT INTO bin_postcodes (postcode, round) VALUES (@postcode, @round)', { postcode: p.postcode, round: p.round });
      for (const c of data.changes) await tx.run('INSERT INTO bin_changes (from_date, to_date, reason) VALUES (@from, @to, @reason)', { from: c.from, to: c.to, reason: c.reason });
    });
  }

  async roundFor(postcode: string): Promise<Round | undefined> {
    return this.sql.get<Round>(
      `SELECT r.round, r.day, r.recycling_anchor AS "recyclingAnchor"
         FROM bin_postcodes p JOIN bin_rounds r ON r.round = p.round WHERE p.postcode = ?`,
      [postcode],
    );
  }

  async changesBetween(from: string, to: string): Promise<Map<string, Change>> {
    const changes = await this.sql.all<Change>('SELECT from_date AS "from", to_date AS "to", reason FROM bin_changes WHERE from_date BETWEEN @from AND @to', { from, to });
    return new Map(changes.map((c) => [c.from, c]));
  }

  async postcodeCount(): Promise<number> {
    return (await this.sql.get<{ n: number }>('SELECT count(*) AS n FROM bin_postcodes'))?.n ?? 0;
  }
}
