import type { Database } from 'better-sqlite3';
import type { BinData } from './data';
import type { Change, Round } from './schedule';

export interface BinStore {
  /** Replaces everything with freshly loaded data, atomically. */
  replace(data: BinData): void;
  roundFor(postcode: string): Round | undefined;
  /** Bank-holiday changes whose scheduled date falls in [from, to], keyed by that date. */
  changesBetween(from: string, to: string): Map<string, Change>;
  postcodeCount(): number;
}

/**
 * Bin rounds in SQLite. These tables are a cache of knowledge/data/ rebuilt at every start,
 * not records to migrate, so the schema is created in place rather than versioned.
 */
export class SqliteBinStore implements BinStore {
  private readonly statements;

  constructor(private readonly db: Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS bin_rounds (round TEXT PRIMARY KEY, day TEXT NOT NULL, recycling_anchor TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS bin_postcodes (postcode TEXT PRIMARY KEY, round TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS bin_changes (from_date TEXT PRIMARY KEY, to_date TEXT NOT NULL, reason TEXT NOT NULL);
    `);
    this.statements = {
      round: db.prepare<[string], { round: string; day: Round['day']; recyclingAnchor: string }>(
        `SELECT r.round, r.day, r.recycling_anchor AS recyclingAnchor
           FROM bin_postcodes p JOIN bin_rounds r ON r.round = p.round WHERE p.postcode = ?`,
      ),
      changes: db.prepare<{ from: string; to: string }, Change>(
        'SELECT from_date AS "from", to_date AS "to", reason FROM bin_changes WHERE from_date BETWEEN @from AND @to',
      ),
      count: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM bin_postcodes'),
      insertRound: db.prepare('INSERT INTO bin_rounds (round, day, recycling_anchor) VALUES (@round, @day, @recyclingAnchor)'),
      insertPostcode: db.prepare('INSERT INTO bin_postcodes (postcode, round) VALUES (@postcode, @round)'),
      insertChange: db.prepare('INSERT INTO bin_changes (from_date, to_date, reason) VALUES (@from, @to, @reason)'),
    };
  }

  replace(data: BinData): void {
    const s = this.statements;
    this.db.transaction(() => {
      this.db.exec('DELETE FROM bin_rounds; DELETE FROM bin_postcodes; DELETE FROM bin_changes;');
      data.rounds.forEach((r) => s.insertRound.run(r));
      data.postcodes.forEach((p) => s.insertPostcode.run(p));
      data.changes.forEach((c) => s.insertChange.run(c));
    }).immediate();
  }

  roundFor(postcode: string): Round | undefined {
    return this.statements.round.get(postcode);
  }

  changesBetween(from: string, to: string): Map<string, Change> {
    return new Map(this.statements.changes.all({ from, to }).map((c) => [c.from, c]));
  }

  postcodeCount(): number {
    return this.statements.count.get()?.n ?? 0;
  }
}
