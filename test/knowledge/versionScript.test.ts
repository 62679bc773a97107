import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { openDatabase, SqliteBackend } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { readKnowledge } from '../../bot/knowledgeLoad';
import { SqlKnowledgeVersionStore } from '../../bot/knowledgeVersions';
import { versionText } from '../../knowledge/version';
import { freshPostgres, withSearchPath } from '../db/backends';
import { postgresUrl } from '../postgres';
import { tempDir } from '../tempDb';
import { KbCopy } from './reloadFixture';

const root = path.resolve(__dirname, '..', '..');
const PAY_V1 = 'You can pay your Council Tax online, by Direct Debit or by phone.';
const PAY_V2 = 'You can pay your Council Tax online or at the Town Hall.';

function kbVersion(args: string[], env: { dataDir: string; kbDir: string; databaseUrl?: string }) {
  const run = spawnSync('node', ['--import', 'tsx', 'scripts/kb-version.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      DOTENV_CONFIG_QUIET: 'true',
      PARLEY_DATA_DIR: env.dataDir,
      PARLEY_KNOWLEDGE_DIR: env.kbDir,
      ...(env.databaseUrl && { DATABASE_URL: env.databaseUrl }),
    },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function versionOf(copy: KbCopy) {
  const read = readKnowledge(copy.dir);
  if (read.kind === 'invalid') throw new Error('fixture invalid');
  return read.content;
}

describe('npm run kb:version', () => {
  // The bot served v1, then v2 after an edit; the folder now holds v3, not yet loaded.
  const copy = new KbCopy();
  const v1 = versionOf(copy);
  copy.edit('entries.yaml', PAY_V1, PAY_V2);
  const v2 = versionOf(copy);
  copy.edit('entries.yaml', PAY_V2, 'You can pay your Council Tax online.');
  const v3 = versionOf(copy);
  const dataDir = tempDir('parley-kbversion-');
  const env = { dataDir, kbDir: copy.dir };

  beforeAll(async () => {
    const backend = new SqliteBackend(openDatabase(path.join(dataDir, 'parley.sqlite')));
    await migrateAll(backend.sql);
    const store = new SqlKnowledgeVersionStore(backend.sql);
    await store.record(v1.version, versionText(v1.kb), new Date('2026-11-25T10:00:00Z'));
    await store.record(v2.version, versionText(v2.kb), new Date('2026-11-25T11:30:00Z'));
    await backend.close();
  });

  it('prints the version of the folder as it is now, and whether the bot has loaded it', () => {
    expect(kbVersion([], env)).toEqual({ status: 0, stdout: `${v3.version}\nNot loaded by the bot yet: it will be once the bot starts or reloads.\n`, stderr: '' });
    const served = new KbCopy();
    expect(kbVersion([], { dataDir, kbDir: served.dir }).stdout).toBe(`${v1.version}\nFirst loaded by the bot 2026-11-25T10:00:00.000Z.\n`);
  });

  it('prints what a past version told residents, from the first characters of its hash', () => {
    const run = kbVersion([v1.version.slice(0, 12)], env);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`Version ${v1.version}, first loaded 2026-11-25T10:00:00.000Z, 8 entries.`);
    expect(run.stdout).toContain(`## council-tax-pay: Pay your Council Tax (department: council-tax)\n\n${PAY_V1}\n\n- Pay Council Tax: https://www.testshire.example/council-tax/pay\n`);
    expect(run.stdout).toContain('## homelessness: Homeless or at risk of homelessness (department: housing, escalate: urgent)');
  });

  it('prints one entry of a version', () => {
    const run = kbVersion([v2.version, 'council-tax-pay'], env);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n## ')).toHaveLength(2);
    expect(run.stdout).toContain(PAY_V2);
  });

  it('lists the versions served, oldest first', () => {
    expect(kbVersion(['--list'], env).stdout).toBe(
      `${v1.version}  first loaded 2026-11-25T10:00:00.000Z  8 entries\n${v2.version}  first loaded 2026-11-25T11:30:00.000Z  8 entries\n`,
    );
  });

  it.each<[string, string[], number, RegExp]>([
    ['a version never served', [v3.version], 1, /^No version starting "[0-9a-f]{64}" has been served here/],
    ['an entry the version lacks', [v1.version, 'parking-permits'], 1, /has no entry "parking-permits"/],
    ['something that is not a version', ['council-tax-pay'], 2, /"council-tax-pay": expected a version/],
    ['too many arguments', [v1.version, 'a', 'b'], 2, /^Too many arguments/],
  ])('refuses %s', (_what, args, status, message) => {
    const run = kbVersion(args, env);
    expect(run.status).toBe(status);
    expect(run.stderr).toMatch(message);
  });

  it('says so when the bot has not run with this data folder', () => {
    const run = kbVersion([v1.version], { dataDir: tempDir('parley-empty-'), kbDir: copy.dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^No database at .*parley\.sqlite: the bot has not run with this PARLEY_DATA_DIR/);
  });

  it('gives no version for an invalid folder, with the problems', () => {
    const broken = new KbCopy();
    broken.edit('entries.yaml', 'department: council-tax\n    questions: [how do I pay', 'department: tax\n    questions: [how do I pay');
    const run = kbVersion([], { dataDir, kbDir: broken.dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/^The knowledge base has errors, so it has no version/);
    expect(run.stderr).toMatch(/entries\.yaml:37:5 entries\[5\]\.department: unknown department "tax"/);
  });
});

const url = postgresUrl();
(url ? describe : describe.skip)('npm run kb:version with DATABASE_URL', () => {
  it('reads the versions the bot keeps in PostgreSQL', async () => {
    const copy = new KbCopy();
    const v1 = versionOf(copy);
    const backend = await freshPostgres(url!);
    let databaseUrl: string;
    try {
      await migrateAll(backend.sql);
      await new SqlKnowledgeVersionStore(backend.sql).record(v1.version, versionText(v1.kb), new Date('2026-11-25T10:00:00Z'));
      const { schema } = (await backend.sql.get<{ schema: string }>('SELECT current_schema() AS schema'))!;
      databaseUrl = withSearchPath(url!, schema);
    } finally {
      await backend.close();
    }
    // No SQLite file in this data folder: the versions can only have come from PostgreSQL.
    const env = { dataDir: tempDir('parley-kbversion-pg-'), kbDir: copy.dir, databaseUrl };
    expect(kbVersion(['--list'], env)).toEqual({ status: 0, stdout: `${v1.version}  first loaded 2026-11-25T10:00:00.000Z  8 entries\n`, stderr: '' });
    expect(kbVersion([], env).stdout).toBe(`${v1.version}\nFirst loaded by the bot 2026-11-25T10:00:00.000Z.\n`);
  });
});
