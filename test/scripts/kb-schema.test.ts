import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

function kbSchema(...args: string[]) {
  const run = spawnSync('node', ['--import', 'tsx', 'scripts/kb-schema.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run kb:schema', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-kb-schema-'));
    for (const name of ['entries.yaml', 'departments.yaml', 'synonyms.yaml']) {
      fs.copyFileSync(path.join(root, 'test/fixtures/kb/valid', name), path.join(dir, name));
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes the schemas and adds the schema line to each YAML file, changing nothing else', () => {
    const before = fs.readFileSync(path.join(dir, 'entries.yaml'), 'utf8');
    const run = kbSchema('--dir', dir);
    expect(run.status).toBe(0);
    expect(fs.readdirSync(path.join(dir, 'schema')).sort()).toEqual(['departments.schema.json', 'entries.schema.json', 'synonyms.schema.json']);
    expect(fs.readFileSync(path.join(dir, 'entries.yaml'), 'utf8')).toBe(`# yaml-language-server: $schema=./schema/entries.schema.json\n${before}`);
    expect(fs.readFileSync(path.join(dir, 'synonyms.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/synonyms.schema.json');
    expect(kbSchema('--dir', dir).stdout).toBe('kb:schema: nothing to change.\n');
  });

  it('with --check changes nothing and exits 1 naming what is out of date', () => {
    expect(kbSchema('--dir', dir).status).toBe(0);
    expect(kbSchema('--dir', dir, '--check').status).toBe(0);
    fs.writeFileSync(path.join(dir, 'schema', 'synonyms.schema.json'), '{}\n');
    fs.writeFileSync(path.join(dir, 'new-topic.yaml'), 'area: New\nentries: []\n');
    const run = kbSchema('--dir', dir, '--check');
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${path.relative(root, path.join(dir, 'schema', 'synonyms.schema.json'))}\n`);
    expect(run.stderr).toContain(`${path.relative(root, path.join(dir, 'new-topic.yaml'))}\n`);
    expect(fs.readFileSync(path.join(dir, 'new-topic.yaml'), 'utf8')).toBe('area: New\nentries: []\n');
  });
});
