/**
 * npm run report -- --from DATE --to DATE [--department ID] [--format md|csv|json] [--out PATH]
 * The supervisors' figures (the same as the console's dashboard) from the reporting events in the
 * database the bot uses (PostgreSQL at DATABASE_URL, or PARLEY_DATA_DIR's SQLite file), also while
 * the bot is running.
 * Markdown (the default) or JSON go to standard output or --out FILE; CSV is one file per table,
 * written into the folder --out names.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../bot/config';
import { openBackend } from '../bot/db';
import { migrateAll } from '../bot/db/schemas';
import { SqlAgentStore } from '../handoff/agents';
import { csvTables } from '../handoff/reporting/csv';
import { markdownReport } from '../handoff/reporting/markdown';
import { periodSchema } from '../handoff/reporting/period';
import { makeReport } from '../handoff/reporting/report';
import { SqlReportEventStore } from '../handoff/reporting/store';
import { loadKnowledgeBase } from '../knowledge/loader';
import { UsageError, writeOutput } from './cli';


const FORMATS = ['md', 'csv', 'json'] as const;
type Format = (typeof FORMATS)[number];

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        department: { type: 'string' },
        format: { type: 'string', default: 'md' },
        out: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { from, to, department, format, out } = parsed.values;
  if (from === undefined || to === undefined) throw new UsageError('Give the period: --from 2026-11-01 --to 2026-11-30 (days on the council’s clocks, both included)');
  const period = periodSchema.safeParse({ from, to });
  if (!period.success) throw new UsageError(period.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; '));
  if (!FORMATS.includes(format as Format)) throw new UsageError(`--format: expected md, csv or json (got "${format}")`);
  if (format === 'csv' && out === undefined) throw new UsageError('--format csv writes one file per table: name a folder with --out');
  return { period: period.data, department, format: format as Format, out };
}

async function main(): Promise<void> {
  const { period, department, format, out } = options();
  const config = loadConfig();
  const kb = loadKnowledgeBase(config.knowledgeDir);
  if (department !== undefined && !kb.departments.has(department)) {
    throw new UsageError(`--department: there is no department "${department}" (the ids are in ${path.join(config.knowledgeDir, 'departments.yaml')})`);
  }
  if (!config.DATABASE_URL && !fs.existsSync(config.databaseFile)) {
    throw new Error(`No Parley database at ${config.databaseFile}. Set PARLEY_DATA_DIR to the folder the bot uses.`);
  }
  const backend = openBackend({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile });
  let figures;
  try {
    await migrateAll(backend.sql);
    // Read once: the report names agents synchronously.
    const names = new Map((await new SqlAgentStore(backend.sql).list()).map((a) => [String(a.id), a.name]));
    figures = await makeReport(
      {
        store: new SqlReportEventStore(backend.sql),
        timeZone: config.PARLEY_TIMEZONE,
        costs: { perCall: config.PARLEY_COST_PER_CALL, perChat: config.PARLEY_COST_PER_CHAT },
        entryTitle: (id) => kb.byId.get(id)?.title,
        agentName: (id) => names.get(id),
        now: () => new Date(),
      },
      period,
      department,
    );
  } finally {
    await backend.close();
  }

  if (format === 'csv') {
    const folder = path.resolve(out!);
    fs.mkdirSync(folder, { recursive: true });
    const tables = Object.entries(csvTables(figures));
    for (const [name, text] of tables) fs.writeFileSync(path.join(folder, name), text);
    console.error(`Written ${tables.length} CSV files to ${out}: ${tables.map(([name]) => name).join(', ')}`);
    return;
  }
  const text = format === 'json' ? `${JSON.stringify(figures, null, 2)}\n` : markdownReport(figures, department && kb.departments.get(department)?.name);
  writeOutput(text, out);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
