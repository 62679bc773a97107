import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadSplits } from '../../scripts/bench/data';
import { runSystem } from '../../scripts/bench/systems';

const root = path.resolve(__dirname, '..', '..');
const fixtures = path.join(root, 'test/fixtures/intents');
const clinc = ['--dataset', path.join(fixtures, 'mini_clinc.json')];
const jsonl = ['--train', 'train.jsonl', '--val', 'val.jsonl', '--test', 'test.jsonl'].map((a) => (a.endsWith('.jsonl') ? path.join(fixtures, a) : a));

function cli(args: string[]) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench-intents.ts', ...args], {
    cwd: root,
    env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' },
    encoding: 'utf8',
    timeout: 120_000,
  });
}

const KEYS = ['buildMs', 'inScopeAccuracy', 'oosPrecision', 'oosRecall', 'p50Ms', 'p99Ms', 'rssMb', 'threshold', 'untunedAccuracy'];
const QUALITY = ['inScopeAccuracy', 'oosRecall', 'oosPrecision', 'untunedAccuracy', 'threshold'] as const;

function expectSane(r: Record<string, number>) {
  expect(Object.keys(r).filter((k) => k !== 'baselines').sort()).toEqual(KEYS);
  for (const k of QUALITY) {
    expect(r[k]).toBeGreaterThanOrEqual(0);
    expect(r[k]).toBeLessThanOrEqual(1);
  }
  expect(r.buildMs).toBeGreaterThanOrEqual(0);
  expect(r.p50Ms).toBeGreaterThan(0);
  expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms!);
  expect(r.rssMb).toBeGreaterThan(10);
  // Four intents: chance is 0.25. A wrong id → intent mapping would score 0.
  expect(r.untunedAccuracy).toBeGreaterThan(0.25);
}

describe('npm run bench:intents', () => {
  let parleyJson: Record<string, number> & { baselines: Record<string, Record<string, number>> };

  beforeAll(() => {
    const run = cli([...clinc, '--systems', 'parley,nlpjs,fuse', '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    parleyJson = JSON.parse(run.stdout);
  });

  it('prints one JSON object for Parley with the other systems under baselines', () => {
    expectSane(parleyJson);
    expect(Object.keys(parleyJson.baselines).sort()).toEqual(['fuse', 'nlpjs']);
    expectSane(parleyJson.baselines.fuse!);
    expectSane(parleyJson.baselines.nlpjs!);
  });

  it('reports in its child process exactly what the library computes for the same data', async () => {
    const splits = loadSplits({ dataset: path.join(fixtures, 'mini_clinc.json') });
    for (const [name, reported] of [['parley', parleyJson], ['fuse', parleyJson.baselines.fuse!]] as const) {
      const direct = await runSystem(name, splits, { progress: false });
      for (const k of QUALITY) expect([name, k, reported[k]]).toEqual([name, k, direct[k]]);
    }
  });

  it('gives the same figures from JSON lines as from the CLINC file', () => {
    const run = cli([...jsonl, '--systems', 'parley,fuse', '--json']);
    expect(run.status).toBe(0);
    const fromLines = JSON.parse(run.stdout);
    for (const k of QUALITY) {
      expect([k, fromLines[k]]).toEqual([k, parleyJson[k]]);
      expect([k, fromLines.baselines.fuse[k]]).toEqual([k, parleyJson.baselines.fuse![k]]);
    }
    expect(Object.keys(fromLines.baselines)).toEqual(['fuse']);
  });

  it('prints a side-by-side table without --json', () => {
    const run = cli([...clinc, '--systems', 'fuse,parley', '--shots', '4']);
    expect(run.status).toBe(0);
    const lines = run.stdout.split('\n');
    expect(lines[0]).toBe('Intent benchmark: mini_clinc.json, first 4 training questions per intent');
    expect(lines[1]).toBe('Train 16 questions, 4 intents; val 10 (threshold picked here); test 11 (3 out of scope)');
    expect(lines).toContain('| Measure | fuse.js only | Parley |');
    const row = lines.find((l) => l.startsWith('| Out-of-scope recall |'))!;
    expect(row).toMatch(/^\| Out-of-scope recall \| [01]\.\d{3} \| [01]\.\d{3} \|$/);
    expect(lines.filter((l) => l.startsWith("| "))).toHaveLength(2 + 10);
  });

  it.each([
    [['--shots', '3'], 2, '--shots must be a whole number >= 4 (a Parley entry needs at least 4 questions); got "3"'],
    [['--shots', 'ten'], 2, '--shots must be a whole number >= 4'],
    [['--systems', 'parley,rasa'], 2, 'unknown system "rasa" in --systems'],
    [['--systems', 'fuse', '--json'], 2, '--json reports Parley'],
    [['--train', 'x.jsonl'], 2, 'give either --dataset or --train/--val/--test, not both'],
  ])('refuses %j with exit %d', (extra, status, message) => {
    const run = cli([...clinc, ...extra]);
    expect(run.status).toBe(status);
    expect(run.stderr).toContain(message);
    expect(run.stdout).toBe('');
  });

  it('names a missing data file', () => {
    const run = cli(['--dataset', 'no/such/data.json']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`${path.join(root, 'no/such/data.json')}: cannot read (ENOENT)`);
  });

  it('refuses --train without --val and --test', () => {
    const run = cli(['--train', jsonl[1]!]);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('give --dataset FILE, or all three of --train, --val and --test');
  });
});
