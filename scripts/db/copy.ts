import { createHash } from 'node:crypto';
import type { Db } from '../../bot/db';
import type { Sql, SqlValue } from '../../knowledge/sql';

/**
 * Copies every table of a SQLite database into an empty PostgreSQL one made by the same
 * migrations, and proves the copy: the same row count and the same checksum per table.
 * Tables and columns are matched by name (the stores keep both databases' tables alike).
 */

export interface TableCopy {
  table: string;
  rows: number;
  /** sha256 over the table's rows, the same whatever order either database returns them in. */
  checksum: string;
  /** Whether PostgreSQL, read back after the copy, has the same count and checksum. */
  verified: boolean;
}

export class CopyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CopyError';
  }
}

/** Rows per INSERT: well under PostgreSQL's 65,535 parameters for the widest table. */
const BATCH = 500;

export async function copySqliteToPostgres(from: Db, to: Sql): Promise<TableCopy[]> {
  if (to.dialect !== 'postgres') throw new CopyError('db:copy copies into PostgreSQL only');
  const tables = parentsFirst(
    from,
    from
      .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name")
      .all()
      .map((t) => t.name),
  );

  const plans: { table: string; columns: string[] }[] = [];
  for (const table of tables) {
    const columns = from.prepare<[], { name: string }>(`PRAGMA table_info("${table}")`).all().map((c) => c.name);
    const target = (await to.all<{ column_name: string }>('SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?', [table])).map((c) => c.column_name);
    if (target.length === 0) throw new CopyError(`PostgreSQL has no table ${table}: run npm run db:migrate with the same Parley version on both`);
    const missing = columns.filter((c) => !target.includes(c));
    if (missing.length) throw new CopyError(`PostgreSQL's ${table} has no column ${missing.join(', ')}: the two databases are at different versions`);
    const already = (await to.get<{ n: number }>(`SELECT count(*) AS n FROM "${table}"`))!.n;
    if (already > 0) throw new CopyError(`PostgreSQL's ${table} already has ${already} rows: db:copy only copies into an empty database`);
    plans.push({ table, columns });
  }

  // One transaction: a copy that fails half way leaves PostgreSQL as empty as it was.
  await to.transaction(async (tx) => {
    // Tables go parents first, so each row's foreign keys are already there; keys declared
    // DEFERRABLE are also left to the commit.
    await tx.exec('SET CONSTRAINTS ALL DEFERRED');
    for (const { table, columns } of plans) {
      const names = columns.map((c) => `"${c}"`).join(', ');
      const select = from.prepare(`SELECT ${names} FROM "${table}"`).raw();
      let batch: SqlValue[][] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        const rows = batch.map((_, r) => `(${columns.map((__, c) => `$${r * columns.length + c + 1}`).join(', ')})`).join(', ');
        // $n here, not ?, so the statement is not re-translated; Sql passes it through unchanged.
        await tx.run(`INSERT INTO "${table}" (${names}) VALUES ${rows}`, batch.flat());
        batch = [];
      };
      for (const row of select.iterate() as Iterable<SqlValue[]>) {
        batch.push(row);
        if (batch.length === BATCH) await flush();
      }
      await flush();
      // Identity columns carry on after the highest copied id, not from 1.
      const identities = await tx.all<{ column_name: string }>(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND is_identity = 'YES'",
        [table],
      );
      for (const { column_name: column } of identities) {
        await tx.get(`SELECT setval(pg_get_serial_sequence(?, ?), GREATEST((SELECT max("${column}") FROM "${table}"), 1), (SELECT count(*) > 0 FROM "${table}"))`, [table, column]);
      }
    }
  });

  const report: TableCopy[] = [];
  for (const { table, columns } of plans) {
    const names = columns.map((c) => `"${c}"`).join(', ');
    const source = from.prepare(`SELECT ${names} FROM "${table}"`).raw().all() as SqlValue[][];
    const copied = (await to.all<Record<string, SqlValue>>(`SELECT ${names} FROM "${table}"`)).map((r) => columns.map((c) => r[c] ?? null));
    const checksum = checksumOf(source);
    report.push({ table, rows: source.length, checksum, verified: copied.length === source.length && checksumOf(copied) === checksum });
  }
  return report;
}

/**
 * The tables in an order where every table comes after the tables its foreign keys refer to
 * (alphabetical otherwise), so the copy never inserts a row before the row it points at.
 */
export function parentsFirst(db: Db, tables: readonly string[]): string[] {
  const parents = new Map(tables.map((t) => [t, from(db, t).filter((p) => p !== t && tables.includes(p))]));
  const ordered: string[] = [];
  const placing = new Set<string>();
  const place = (table: string) => {
    if (ordered.includes(table)) return;
    if (placing.has(table)) throw new CopyError(`The foreign keys of ${[...placing].join(', ')} refer to each other in a circle: db:copy cannot order them`);
    placing.add(table);
    for (const parent of parents.get(table) ?? []) place(parent);
    placing.delete(table);
    ordered.push(table);
  };
  tables.forEach(place);
  return ordered;
}

function from(db: Db, table: string): string[] {
  return db.prepare<[], { table: string }>(`PRAGMA foreign_key_list("${table}")`).all().map((k) => k.table);
}

/** Each row hashed, the hashes sorted, then hashed together: independent of row order. */
export function checksumOf(rows: readonly (readonly SqlValue[])[]): string {
  const each = rows.map((row) => createHash('sha256').update(row.map(canonical).join('\u0001')).digest('hex')).sort();
  return createHash('sha256').update(each.join('\n')).digest('hex');
}

/** One spelling per value, whichever database read it (a SQLite BLOB and a PostgreSQL BYTEA alike). */
function canonical(value: SqlValue): string {
  if (value === null || value === undefined) return '\u0000null';
  if (value instanceof Uint8Array) return `\u0000bytes:${Buffer.from(value).toString('hex')}`;
  return `${typeof value === 'string' ? 's' : 'n'}:${String(value)}`;
}
