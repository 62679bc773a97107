/**
 * The database as every store sees it: a few async calls that SQLite (better-sqlite3) and
 * PostgreSQL (pg) both implement, in bot/db/. It lives in knowledge/ only because knowledge/
 * depends on nothing else in Parley and two of its stores (bin days, knowledge gaps) need it;
 * it is types only.
 *
 * Statements are written once, in the SQL both databases accept: `?` or `@name` placeholders,
 * `INSERT ... ON CONFLICT`, `RETURNING`, ISO-8601 text for times, INTEGER 0/1 for flags. Where
 * the two differ (table definitions, a few functions) a store branches on `dialect`.
 */

/** A value a statement binds, or a column holds. */
export type SqlValue = string | number | bigint | null | Uint8Array;

/** Positional (`?`) or named (`@name`) parameters. */
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

export type Dialect = 'sqlite' | 'postgres';

export interface Sql {
  readonly dialect: Dialect;
  /** Every row the statement returns. */
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  /** The first row, if any. */
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** A statement that returns no rows; how many rows it changed. */
  run(sql: string, params?: SqlParams): Promise<{ changes: number }>;
  /** Several statements without parameters (table definitions). */
  exec(script: string): Promise<void>;
  /**
   * Runs `work` in one transaction: committed if it resolves, rolled back if it throws. Use the
   * `tx` it is given for every statement inside. Nested calls join the outer transaction.
   */
  transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T>;
}

/**
 * A store's numbered migrations, one list per database. `sqlite[0]` is version 1. Never edit a
 * released migration: add the next one. The PostgreSQL list started later, so its numbers need
 * not match SQLite's; both end at the same tables and columns (db:copy relies on that).
 */
export interface StoreSchema {
  readonly store: string;
  readonly sqlite: readonly string[];
  readonly postgres: readonly string[];
}
