/**
 * npm run kb:version -- [VERSION [ENTRY_ID]] [--list] [--dir FOLDER]
 *
 * With no VERSION: the version of the knowledge folder as it is now (what the bot would serve
 * after it reloads), and when the bot first loaded it, if it has.
 * With a VERSION (or its first characters, as a transcript or a log shows it): what that version
 * told residents, every entry or just ENTRY_ID, from the database the bot keeps them in.
 * --list: every version the bot has served, oldest first.
 * Exit 0 when it printed what was asked, 1 when it is not there (or the folder is invalid), 2 for a bad command line.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../bot/config';
import { openBackend } from '../bot/db';
import { migrateAll } from '../bot/db/schemas';
import { readKnowledge } from '../bot/knowledgeLoad';
import { SqlKnowledgeVersionStore, versionPrefix, type StoredVersion } from '../bot/knowledgeVersions';
import { formatFinding } from '../knowledge/check';
import { UsageError } from './cli';

/** Asked for something that is not there: a message for the reader, exit 1. */
class NotFound extends Error {}

function printEntries(version: StoredVersion, entryId: string | undefined): void {
  const entries = entryId ? version.text.entries.filter((e) => e.id === entryId) : version.text.entries;
  if (!entries.length) throw new NotFound(`Version ${version.version} has no entry "${entryId}".`);
  console.log(`Version ${version.version}, first loaded ${version.firstLoadedAt}, ${version.entryCount} entries.\n`);
  for (const e of entries) {
    console.log(`## ${e.id}: ${e.title} (department: ${e.department}${e.escalate === 'none' ? '' : `, escalate: ${e.escalate}`})\n`);
    console.log(e.answer);
    if (e.links.length) console.log(`\n${e.links.map((l) => `- ${l.title}: ${l.url}`).join('\n')}`);
    console.log('');
  }
}

/** Whether there is a database to read: PostgreSQL always; SQLite once the bot has made its file. */
function hasDatabase(config: Config): boolean {
  return config.DATABASE_URL !== undefined || fs.existsSync(config.databaseFile);
}

async function withStore<T>(config: Config, use: (store: SqlKnowledgeVersionStore) => Promise<T>): Promise<T> {
  if (!hasDatabase(config)) {
    const file = config.databaseFile;
    throw new NotFound(`No database at ${path.relative(process.cwd(), file) || file}: the bot has not run with this PARLEY_DATA_DIR, so it has served no versions.`);
  }
  const backend = openBackend({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile });
  try {
    await migrateAll(backend.sql);
    return await use(new SqlKnowledgeVersionStore(backend.sql));
  } finally {
    await backend.close();
  }
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ allowPositionals: true, options: { list: { type: 'boolean', default: false }, dir: { type: 'string' } } });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [version, entryId, ...extra] = parsed.positionals;
  if (extra.length) throw new UsageError(`Too many arguments: give a VERSION and at most one ENTRY_ID (got "${parsed.positionals.join(' ')}").`);
  const config = loadConfig();

  if (parsed.values.list) {
    await withStore(config, async (store) => {
      const versions = await store.list();
      if (!versions.length) throw new NotFound('The bot has served no versions yet.');
      for (const v of versions) console.log(`${v.version}  first loaded ${v.firstLoadedAt}  ${v.entryCount} entries`);
    });
    return;
  }

  if (version !== undefined) {
    const prefix = versionPrefix.safeParse(version);
    if (!prefix.success) throw new UsageError(`"${version}": ${prefix.error.issues[0]!.message}`);
    await withStore(config, async (store) => {
      const found = await store.find(prefix.data);
      if (!found.length) throw new NotFound(`No version starting "${prefix.data}" has been served here (npm run kb:version -- --list shows those that have).`);
      if (found.length > 1) throw new NotFound(`More than one version starts "${prefix.data}": give more of it.\n${found.map((v) => `  ${v.version}`).join('\n')}`);
      printEntries(found[0]!, entryId);
    });
    return;
  }

  const dir = parsed.values.dir ? path.resolve(parsed.values.dir) : config.knowledgeDir;
  const read = readKnowledge(dir);
  if (read.kind === 'invalid') {
    throw new NotFound(`The knowledge base has errors, so it has no version (the bot keeps serving the last valid one):\n${read.findings.map((f) => `  ${formatFinding(f)}`).join('\n')}`);
  }
  const current = read.content.version;
  console.log(current);
  const served = hasDatabase(config) ? await withStore(config, async (store) => (await store.find(current))[0]) : undefined;
  console.log(served ? `First loaded by the bot ${served.firstLoadedAt}.` : 'Not loaded by the bot yet: it will be once the bot starts or reloads.');
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = err instanceof UsageError ? 2 : 1;
});
