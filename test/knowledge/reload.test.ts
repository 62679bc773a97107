import fs from 'node:fs';
import { openDatabase, SqliteBackend, type Sql } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { loadKnowledge, type LoadedKnowledge } from '../../bot/knowledgeLoad';
import { following, KnowledgeReloader, type ReloaderDeps } from '../../bot/knowledgeReloader';
import { SqlKnowledgeVersionStore } from '../../bot/knowledgeVersions';
import { SqlBinStore } from '../../knowledge/bins/store';
import { versionText } from '../../knowledge/version';
import { watchKnowledge } from '../../knowledge/watch';
import { loadWordVectors } from '../../knowledge/wordVectors';
import { KnowledgeError } from '../../knowledge/yamlFile';
import { freshPostgres } from '../db/backends';
import { postgresUrl } from '../postgres';
import { KbCopy } from './reloadFixture';

const vectors = loadWordVectors();
const NOW = new Date('2026-11-25T10:00:00Z');
const PAY = 'You can pay your Council Tax online, by Direct Debit or by phone.';

/** What the app's commit does: a version's bins and text in one transaction. */
async function commitTo(sql: Sql, next: LoadedKnowledge): Promise<void> {
  await sql.transaction(async (tx) => {
    await new SqlBinStore(tx).replace(next.bins);
    await new SqlKnowledgeVersionStore(tx).record(next.version, versionText(next.kb), NOW);
  });
}

/** The reloader as the app builds it, committed, without the file watch: tests call reload(). */
async function reloaderFor(copy: KbCopy, overrides: Partial<ReloaderDeps> = {}, sql: Sql = new SqliteBackend(openDatabase(':memory:')).sql) {
  await migrateAll(sql);
  const bins = new SqlBinStore(sql);
  const versions = new SqlKnowledgeVersionStore(sql);
  const errors: string[] = [];
  const infos: string[] = [];
  const reloader = new KnowledgeReloader({
    dir: copy.dir,
    vectors,
    commit: (next) => commitTo(sql, next),
    watch: false,
    log: { info: (m: string) => infos.push(m), error: (m: string) => errors.push(m) },
    now: () => NOW,
    displayRoot: copy.dir,
    ...overrides,
  });
  await reloader.ready();
  return { reloader, bins, versions, errors, infos, sql };
}

const answerOf = (reloader: KnowledgeReloader, id: string) => reloader.current().kb.byId.get(id)?.answer;

async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(done()).toBe(true);
}

describe('KnowledgeReloader', () => {
  it('swaps in an edited knowledge base as a new object, with its bin data and its version recorded', async () => {
    const copy = new KbCopy();
    const { reloader, bins, versions, infos } = await reloaderFor(copy);
    const before = reloader.current();
    copy.edit('entries.yaml', 'by Direct Debit or by phone.', 'by Direct Debit only.');
    copy.edit('data/bin-postcodes.csv', 'TE1 2BB,fri-a', 'TE1 2BB,fri-a\nTE1 3AB,tue-a');

    const result = await reloader.reload();

    expect(result).toMatchObject({ kind: 'reloaded', version: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const after = reloader.current();
    expect(after).not.toBe(before);
    // The old object is untouched: a turn holding it finishes with the text it started with.
    expect(before.kb.byId.get('council-tax-pay')?.answer).toBe(PAY);
    expect(after.kb.byId.get('council-tax-pay')?.answer).toBe('You can pay your Council Tax online, by Direct Debit only.');
    expect(after.matcher).not.toBe(before.matcher);
    expect((await bins.roundFor('TE1 3AB'))?.round).toBe('tue-a');
    expect((await versions.list()).map((v) => v.version).sort()).toEqual([before.version, after.version].sort());
    expect(reloader.status()).toEqual({ version: after.version, loadedAt: NOW.toISOString(), liveReload: 'off', lastReload: { at: NOW.toISOString(), ok: true, version: after.version } });
    expect(infos).toEqual([expect.stringMatching(/^\[knowledge\] Reloaded: version [0-9a-f]{12} \(8 entries\) is now live; the matcher took \d+ ms to build\.$/)]);
  });

  it('does nothing when no knowledge file changed, and rebuilds nothing for a comment', async () => {
    const copy = new KbCopy();
    const { reloader, infos } = await reloaderFor(copy);
    const before = reloader.current();
    copy.write('entries.yaml', copy.read('entries.yaml'));
    expect(await reloader.reload()).toEqual({ kind: 'unchanged' });
    // Not knowledge: the watcher ignores such files, and they do not count as a change.
    fs.mkdirSync(copy.path('tests'), { recursive: true });
    copy.write('tests/questions.jsonl', '{"text":"hi","expect":"greeting"}\n');
    expect(await reloader.reload()).toEqual({ kind: 'unchanged' });
    copy.write('entries.yaml', `# Reviewed by the web team\n${copy.read('entries.yaml')}`);
    expect(await reloader.reload()).toEqual({ kind: 'same-version', version: before.version });
    expect(reloader.current()).toBe(before);
    expect(infos).toEqual([]);
  });

  it('keeps the knowledge base in force when an edit is invalid, and logs the problems once in kb:check form', async () => {
    const copy = new KbCopy();
    const { reloader, bins, errors } = await reloaderFor(copy);
    const before = reloader.current();
    copy.edit('entries.yaml', 'questions: [hello, hi there, good morning, hiya]', 'questions: [hello, hi there]');
    copy.edit('data/bin-postcodes.csv', 'TE1 2BB,fri-a', 'TE1 2BB,fri-a\nTE1 1AA,fri-a');

    const result = await reloader.reload();

    expect(result).toMatchObject({ kind: 'invalid' });
    expect(reloader.current()).toBe(before);
    expect((await bins.roundFor('TE1 1AA'))?.round).toBe('tue-a');
    expect(reloader.status().lastReload).toEqual({ at: NOW.toISOString(), ok: false, problems: 2 });
    expect(errors).toHaveLength(1);
    const lines = errors[0]!.split('\n');
    expect(lines[0]).toBe(
      `[knowledge] Not reloaded: the knowledge base has 2 errors. Residents still get answers from version ${before.version.slice(0, 12)}. Fix them and save again (npm run kb:check shows the same list).`,
    );
    expect(lines.slice(1)).toEqual([
      'error    entries.yaml:6:5 entries[0].questions: expected at least 4 items',
      expect.stringMatching(/^ {9}Fix: /),
      'error    data/bin-postcodes.csv:4:1 postcode: duplicate postcode "TE1 1AA"',
      expect.stringMatching(/^ {9}Fix: /),
    ]);

    // The same files again (an editor's extra events, a save without changes): not read, not logged.
    copy.write('entries.yaml', copy.read('entries.yaml'));
    expect(await reloader.reload()).toEqual({ kind: 'unchanged' });
    // Another change that leaves the same errors: read again, but the same message is not repeated.
    copy.write('synonyms.yaml', `# more to come\n${copy.read('synonyms.yaml')}`);
    expect(await reloader.reload()).toMatchObject({ kind: 'invalid' });
    expect(errors).toHaveLength(1);
    // A different failure is news.
    copy.edit('data/bin-postcodes.csv', '\nTE1 1AA,fri-a', '');
    expect(await reloader.reload()).toMatchObject({ kind: 'invalid' });
    expect(errors).toHaveLength(2);
    expect(errors[1]).toMatch(/has 1 error\. .*Fix it and save again/);
  });

  it('goes back to reporting success once the files are fixed, without rebuilding when the fix restores the version in force', async () => {
    const copy = new KbCopy();
    const { reloader, errors } = await reloaderFor(copy);
    const before = reloader.current();
    const good = copy.read('entries.yaml');
    copy.write('entries.yaml', good.replace('department: waste', 'department: refuse'));
    expect(await reloader.reload()).toMatchObject({ kind: 'invalid' });
    expect(errors[0]).toContain('unknown department "refuse"');
    copy.write('entries.yaml', good);
    expect(await reloader.reload()).toEqual({ kind: 'same-version', version: before.version });
    expect(reloader.current()).toBe(before);
    expect(reloader.status().lastReload).toEqual({ at: NOW.toISOString(), ok: true, version: before.version });
  });

  it('refuses a knowledge base that lacks an entry the bot needs, naming it', async () => {
    const copy = new KbCopy();
    const { reloader, errors } = await reloaderFor(copy);
    copy.edit('entries.yaml', '  - id: human\n', '  - id: a-person\n');
    expect(await reloader.reload()).toMatchObject({ kind: 'invalid' });
    expect(errors[0]).toContain('error    .:1:1: no entry has the id "human", and the bot needs it');
    expect(answerOf(reloader, 'human')).toBe('I can put you in touch with someone from the council.');
  });

  it('keeps the old knowledge base when writing the new one to the database fails, and tries again on the next change', async () => {
    const copy = new KbCopy();
    let failWith: Error | undefined;
    const sql = new SqliteBackend(openDatabase(':memory:')).sql;
    const bins = new SqlBinStore(sql);
    const { reloader, errors } = await reloaderFor(
      copy,
      {
        commit: (next) =>
          sql.transaction(async (tx) => {
            await new SqlBinStore(tx).replace(next.bins);
            if (failWith) throw failWith;
          }),
      },
      sql,
    );
    failWith = new Error('SQLITE_FULL: database or disk is full');
    copy.edit('entries.yaml', 'by Direct Debit or by phone.', 'by Direct Debit only.');
    copy.edit('data/bin-postcodes.csv', 'TE1 2BB,fri-a', 'TE1 2BB,tue-a');

    expect(await reloader.reload()).toMatchObject({ kind: 'failed', error: failWith });
    expect(answerOf(reloader, 'council-tax-pay')).toBe(PAY);
    // The transaction rolled back: the bin lookup still agrees with the answers in force.
    expect((await bins.roundFor('TE1 2BB'))?.round).toBe('fri-a');
    expect(errors).toEqual([expect.stringMatching(/^\[knowledge\] Reload failed: Error: SQLITE_FULL: database or disk is full\n/)]);
    expect(reloader.status().lastReload).toEqual({ at: NOW.toISOString(), ok: false, problems: 1 });

    failWith = undefined;
    // Not the content's fault: the same files are tried again.
    expect(await reloader.reload()).toMatchObject({ kind: 'reloaded' });
    expect(answerOf(reloader, 'council-tax-pay')).toBe('You can pay your Council Tax online, by Direct Debit only.');
    expect((await bins.roundFor('TE1 2BB'))?.round).toBe('tue-a');
  });

  it('swaps only once the commit has resolved, and runs reloads one after another', async () => {
    const copy = new KbCopy();
    const held: (() => void)[] = [];
    const sql = new SqliteBackend(openDatabase(':memory:')).sql;
    let hold = false;
    const { reloader } = await reloaderFor(
      copy,
      {
        // Once `hold` is set, each commit waits for the test to let it go, as a slow database would.
        commit: async (next) => {
          if (hold) await new Promise<void>((resolve) => held.push(resolve));
          await commitTo(sql, next);
        },
      },
      sql,
    );
    hold = true;
    const before = reloader.current();
    copy.edit('entries.yaml', 'by Direct Debit or by phone.', 'by Direct Debit only.');
    const first = reloader.reload();
    await until(() => held.length === 1);
    expect(reloader.current()).toBe(before);

    // A later edit while the first commit is pending waits its turn: the older version cannot land last.
    copy.edit('entries.yaml', 'by Direct Debit only.', 'by phone only.');
    const second = reloader.reload();
    await new Promise((resolve) => setImmediate(resolve));
    expect(held).toHaveLength(1);
    held[0]!();
    expect(await first).toMatchObject({ kind: 'reloaded' });
    expect(answerOf(reloader, 'council-tax-pay')).toBe('You can pay your Council Tax online, by Direct Debit only.');
    await until(() => held.length === 2);
    held[1]!();
    expect(await second).toMatchObject({ kind: 'reloaded' });
    expect(answerOf(reloader, 'council-tax-pay')).toBe('You can pay your Council Tax online, by phone only.');
  });

  it('is not ready when the first commit fails', async () => {
    const copy = new KbCopy();
    await expect(reloaderFor(copy, { commit: () => Promise.reject(new Error('SQLITE_READONLY: attempt to write a readonly database')) })).rejects.toThrow('SQLITE_READONLY');
  });

  it('will not start from an invalid knowledge base: a KnowledgeError lists every problem', async () => {
    const copy = new KbCopy();
    copy.edit('departments.yaml', 'email: waste@testshire.example', 'email: waste at testshire');
    copy.write('data/bin-postcodes.csv', 'postcode,round\nTE1 1AA,mon-z\n');
    expect(() => loadKnowledge(copy.dir, vectors, copy.dir)).toThrow(KnowledgeError);
    try {
      await reloaderFor(copy);
    } catch (err) {
      expect((err as KnowledgeError).message.split('\n')).toEqual([
        'The knowledge base has 2 problems:',
        '  departments.yaml:15 departments[1].email: must be an email address',
        '  data/bin-postcodes.csv:2 round: no round "mon-z" in bin-rounds.csv',
      ]);
      return;
    }
    throw new Error('expected the start to be refused');
  });
});

const pgUrl = postgresUrl();
(pgUrl ? describe : describe.skip)('KnowledgeReloader on PostgreSQL', () => {
  it('commits a reload\'s bins and version together, and rolls both back when the commit fails', async () => {
    const backend = await freshPostgres(pgUrl!);
    try {
      const copy = new KbCopy();
      let fail = false;
      const { reloader, bins, versions } = await reloaderFor(
        copy,
        {
          commit: (next) =>
            backend.sql.transaction(async (tx) => {
              await commitTo(tx, next);
              if (fail) throw new Error('connection lost');
            }),
        },
        backend.sql,
      );
      copy.edit('data/bin-postcodes.csv', 'TE1 2BB,fri-a', 'TE1 2BB,tue-a');
      fail = true;
      expect(await reloader.reload()).toMatchObject({ kind: 'failed' });
      expect((await bins.roundFor('TE1 2BB'))?.round).toBe('fri-a');
      expect(await versions.list()).toHaveLength(1);
      fail = false;
      copy.edit('entries.yaml', 'by Direct Debit or by phone.', 'by Direct Debit only.');
      expect(await reloader.reload()).toMatchObject({ kind: 'reloaded' });
      expect((await bins.roundFor('TE1 2BB'))?.round).toBe('tue-a');
      expect((await versions.list()).map((v) => v.version)).toContain(reloader.current().version);
    } finally {
      await backend.close();
    }
  });
});

describe('following', () => {
  it('reads whichever object is in force at the time of each read', () => {
    let current: ReadonlyMap<string, string> = new Map([['2026-12-25', 'Christmas Day']]);
    const holidays = following(() => current);
    expect(holidays.has('2026-12-25')).toBe(true);
    expect(holidays.size).toBe(1);
    current = new Map([['2026-12-28', 'Boxing Day (substitute day)'], ['2027-01-01', "New Year's Day"]]);
    expect(holidays.has('2026-12-25')).toBe(false);
    expect(holidays.get('2027-01-01')).toBe("New Year's Day");
    expect(holidays.size).toBe(2);
    expect([...holidays.keys()]).toEqual(['2026-12-28', '2027-01-01']);
    expect([...holidays]).toHaveLength(2);
  });
});

describe('watchKnowledge', () => {
  /** Resolves on the next call of the watcher's onChange. */
  function watching(dir: string) {
    let calls = 0;
    let wake: (() => void) | undefined;
    const watch = watchKnowledge(
      dir,
      () => {
        calls += 1;
        wake?.();
      },
      { debounceMs: 100 },
    );
    return {
      watch,
      calls: () => calls,
      next: () => new Promise<void>((resolve) => (wake = resolve)),
    };
  }

  it('sees every save that replaces a file, not only the first (where a recursive watch on Linux stops)', async () => {
    const copy = new KbCopy();
    const w = watching(copy.dir);
    try {
      for (const answer of ['first', 'second', 'third']) {
        const seen = w.next();
        copy.edit('entries.yaml', /answer: You can pay your Council Tax[^\n]*/.exec(copy.read('entries.yaml'))![0], `answer: You can pay your Council Tax ${answer}.`, 'replace');
        await seen;
      }
      expect(w.calls()).toBe(3);
    } finally {
      w.watch.close();
    }
  });

  it('sees edits in data/, also after data/ itself was replaced', async () => {
    const copy = new KbCopy();
    const w = watching(copy.dir);
    try {
      let seen = w.next();
      copy.write('data/bin-postcodes.csv', `${copy.read('data/bin-postcodes.csv')}TE1 3AB,tue-a\n`);
      await seen;
      seen = w.next();
      fs.renameSync(copy.path('data'), copy.path('data-old'));
      fs.cpSync(copy.path('data-old'), copy.path('data'), { recursive: true });
      await seen;
      seen = w.next();
      copy.write('data/bank-holidays.yaml', `${copy.read('data/bank-holidays.yaml')}holidays: []\n`);
      await seen;
      expect(w.calls()).toBe(3);
    } finally {
      w.watch.close();
    }
  });

  it('calls once for a burst of saves across several files', async () => {
    const copy = new KbCopy();
    const w = watching(copy.dir);
    try {
      const seen = w.next();
      for (const file of ['entries.yaml', 'departments.yaml', 'synonyms.yaml', 'data/bin-rounds.csv']) copy.write(file, `${copy.read(file)}\n`);
      await seen;
      // A later single save is the second call: the burst did not make two.
      const again = w.next();
      copy.write('entries.yaml', `${copy.read('entries.yaml')}\n`);
      await again;
      expect(w.calls()).toBe(2);
    } finally {
      w.watch.close();
    }
  });
});
