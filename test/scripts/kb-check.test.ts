import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');
const fixture = (name: string) => path.join('test', 'fixtures', 'kb', name);

function kbCheck(...args: string[]) {
  const run = spawnSync('node', ['--import', 'tsx', 'scripts/kb-check.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true', PARLEY_ANSWER_THRESHOLD: '0.37', PARLEY_SUGGEST_THRESHOLD: '0.34' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run kb:check', () => {
  it('exits 0 with only warnings, each followed by its fix, and a summary', () => {
    const run = kbCheck('--dir', fixture('valid'));
    expect(run.status).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('warning  test/fixtures/kb/valid/entries.yaml:6:5 entries[0].questions: has 4 sample questions; at least 5 make matching reliable');
    expect(lines[1]).toMatch(/^ {9}Fix: Add more ways residents ask this/);
    expect(lines.filter((l) => l.startsWith('warning  '))).toHaveLength(8);
    expect(lines.at(-1)).toMatch(/^kb:check: no errors, 8 warnings \(8 entries, 32 sample questions; leave-one-out in 10 folds took [\d.]+ s\)\. The knowledge base is valid\.$/);
  });

  it('exits 1 on errors, lists every one with its fix, and skips the quality checks', () => {
    const run = kbCheck('--dir', fixture('bad-fields'));
    expect(run.status).toBe(1);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 4)).toEqual([
      'error    test/fixtures/kb/bad-fields/waste.yaml:3:5 entries[0].id: must be kebab-case: lower-case letters, digits and single hyphens',
      '         Fix: Use lower-case letters, digits and single hyphens only, for example bins-missed-collection.',
      'error    test/fixtures/kb/bad-fields/waste.yaml:3:5 entries[0].answer: Invalid input: expected string, received undefined',
      '         Fix: This field is required: add it.',
    ]);
    expect(lines).toContain('error    test/fixtures/kb/bad-fields/data/bin-rounds.csv:1:1: file is missing');
    expect(lines.at(-1)).toBe('kb:check: 8 errors, no warnings (quality checks not run: fix the errors first). The bot will not start until the errors are fixed.');
  });

  it('prints one JSON object with --json: errors and warnings with file, line, column, field, kind, message and hint', () => {
    const bad = kbCheck('--dir', fixture('bad-fields'), '--json');
    expect(bad.status).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(Object.keys(report)).toEqual(['errors', 'warnings']);
    expect(report.warnings).toEqual([]);
    expect(report.errors).toHaveLength(8);
    expect(report.errors[4]).toEqual({
      file: 'test/fixtures/kb/bad-fields/waste.yaml',
      line: 7,
      column: 5,
      field: 'entries[0].answr',
      kind: 'schema',
      message: 'unknown field "answr" (check the spelling)',
      hint: '"answr" is not a field the bot knows. Check its spelling and indentation against the list of fields in knowledge/README.md.',
    });

    const good = kbCheck('--dir', fixture('valid'), '--json');
    expect(good.status).toBe(0);
    const warnings = JSON.parse(good.stdout);
    expect(warnings.errors).toEqual([]);
    expect(warnings.warnings.map((w: { kind: string; field: string }) => `${w.kind} ${w.field}`)).toEqual(
      [0, 1, 2, 3, 4, 5, 6, 7].map((i) => `too-few-questions entries[${i}].questions`),
    );
  });

  it('exits 1 when an entry the bot needs by id is gone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-kb-check-'));
    try {
      fs.cpSync(path.join(root, fixture('valid')), dir, { recursive: true });
      const file = path.join(dir, 'entries.yaml');
      const text = fs.readFileSync(file, 'utf8');
      // The human entry is the one residents reach when they ask for a person.
      fs.writeFileSync(file, text.replace(/ {2}- id: human\n(?: {4}.*\n)+/, ''));
      const run = kbCheck('--dir', dir, '--json');
      expect(run.status).toBe(1);
      const { errors } = JSON.parse(run.stdout);
      expect(errors.map((e: { kind: string; message: string }) => `${e.kind}: ${e.message}`)).toEqual(['missing-content: no entry has the id "human", and the bot needs it']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with the reason for a bad command line', () => {
    const run = kbCheck('--folds', '0');
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('--folds must be a whole number of 1 or more (got "0")\n');
    expect(kbCheck('--no-such-option').status).toBe(2);
  });
});
