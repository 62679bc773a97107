import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Sql, SqlParams, SqlValue } from '../../knowledge/sql';

/**
 * `Sql` over a pg connection pool. Stores write `?` or `@name` placeholders (what SQLite takes);
 * each statement text is turned into PostgreSQL's `$1, $2...` once and sent as a named prepared
 * statement, which pg parses once per connection.
 */

/**
 * Counts and ids come back from PostgreSQL as 64-bit integers and sums and averages as
 * NUMERIC, which pg returns as strings; the stores expect numbers, as SQLite gives them.
 */
const NUMBERS: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  }) as pg.CustomTypesConfig['getTypeParser'],
};

export function postgresPool(url: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString: url, max, types: NUMBERS });
}

type Queryable = pg.Pool | pg.PoolClient;

export class PostgresSql implements Sql {
  readonly dialect = 'postgres';

  constructor(private readonly on: Queryable) {}

  async all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return (await this.query(sql, params)).rows as T[];
  }

  async get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return (await this.query(sql, params)).rows[0] as T | undefined;
  }

  async run(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    return { changes: (await this.query(sql, params)).rowCount ?? 0 };
  }

  async exec(script: string): Promise<void> {
    // Without parameters pg uses the simple protocol, which runs several statements.
    await this.on.query(script);
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    if (!(this.on instanceof pg.Pool)) return work(this);
    const client = await this.on.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(new PostgresSql(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch((rollbackFailed: Error) => (broken = rollbackFailed));
      throw err;
    } finally {
      // A connection whose rollback failed is in an unknown state: the pool drops it.
      client.release(broken);
    }
  }

  private async query(sql: string, params: SqlParams | undefined): Promise<pg.QueryResult> {
    const statement = translated(sql);
    const values = statement.values(params);
    if (unprepared.has(statement.text)) return this.on.query({ text: statement.text, values });
    try {
      return await this.on.query({ name: statement.name, text: statement.text, values });
    } catch (err) {
      // "cached plan must not change result type": a table's columns changed under a statement
      // prepared on this connection (a newer instance ran a migration during a rolling upgrade).
      // The text then runs unprepared, on every connection, and this call is tried again.
      if ((err as { code?: string }).code !== '0A000') throw err;
      unprepared.add(statement.text);
      return this.on.query({ text: statement.text, values });
    }
  }
}

/** Statement texts whose prepared plans went stale once (see `query`). */
const unprepared = new Set<string>();

interface Translated {
  name: string;
  text: string;
  values(params: SqlParams | undefined): unknown[];
}

const translations = new Map<string, Translated>();

/** `?` and `@name` placeholders as `$n`, outside quoted strings, identifiers and `--` comments; cached per text. */
export function translated(sql: string): Translated {
  const known = translations.get(sql);
  if (known) return known;
  const order: (number | string)[] = [];
  const named = new Map<string, number>();
  let text = '';
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      text += c;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      const stop = end === -1 ? sql.length : end;
      text += sql.slice(i, stop);
      i = stop - 1;
    } else if (c === "'" || c === '"') {
      quote = c;
      text += c;
    } else if (c === '?') {
      order.push(order.length);
      text += `$${order.length}`;
    } else if (c === '@' && /[A-Za-z_]/.test(sql[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(sql.slice(i + 1))![0];
      let n = named.get(name);
      if (n === undefined) {
        order.push(name);
        n = order.length;
        named.set(name, n);
      }
      text += `$${n}`;
      i += name.length;
    } else {
      text += c;
    }
  }
  const result: Translated = {
    name: `parley_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`,
    text,
    values: (params) => {
      if (params === undefined) return [];
      // A text already written with $n (built by code, like db:copy's batches) takes its array as is.
      if (order.length === 0 && Array.isArray(params)) return (params as readonly SqlValue[]).map(toPg);
      const byName = !Array.isArray(params) ? (params as Readonly<Record<string, SqlValue>>) : undefined;
      return order.map((key) => toPg(typeof key === 'number' ? (params as readonly SqlValue[])[key] : byName?.[key]));
    },
  };
  if (translations.size >= 1_000) translations.clear();
  translations.set(sql, result);
  return result;
}

function toPg(value: SqlValue | undefined): unknown {
  if (value === undefined) return null;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value);
  return value;
}
