import { readKnowledge } from '../../bot/knowledgeLoad';
import { KNOWLEDGE_VERSIONS_SCHEMA, SqlKnowledgeVersionStore } from '../../bot/knowledgeVersions';
import { migrateStore } from '../../bot/db';
import { canonicalJson, shortVersion, versionText } from '../../knowledge/version';
import { forEachBackend } from '../db/backends';
import { KbCopy } from './reloadFixture';

/** The version of a knowledge folder, as the bot computes it at start and at each reload. */
function versionOf(copy: KbCopy): string {
  const read = readKnowledge(copy.dir, copy.dir);
  if (read.kind === 'invalid') throw new Error(`fixture invalid: ${read.findings.map((f) => f.message).join('; ')}`);
  return read.content.version;
}

describe('knowledgeVersion: a hash of the content as loaded', () => {
  const original = versionOf(new KbCopy());

  it('is a SHA-256 in hex, the same for two copies in different folders', () => {
    expect(original).toMatch(/^[0-9a-f]{64}$/);
    expect(versionOf(new KbCopy())).toBe(original);
  });

  // Differences in the files that change nothing a resident sees, as different machines and editors make them.
  it.each<[string, (copy: KbCopy) => void]>([
    ['Windows line endings', (c) => c.write('entries.yaml', c.read('entries.yaml').replace(/\n/g, '\r\n'))],
    ['a comment', (c) => c.write('departments.yaml', `# Checked by the web team, May 2026\n${c.read('departments.yaml')}`)],
    ['a default written out', (c) => c.edit('entries.yaml', '    answer: Hello, I can help', '    escalate: none\n    answer: Hello, I can help')],
    ['quotes around a value', (c) => c.edit('entries.yaml', 'title: Pay your Council Tax', 'title: "Pay your Council Tax"')],
    ['a comment in the bin rounds', (c) => c.write('data/bin-rounds.csv', `${c.read('data/bin-rounds.csv')}# new rounds from April\n`)],
  ])('does not change with %s', (_what, change) => {
    const copy = new KbCopy();
    change(copy);
    expect(versionOf(copy)).toBe(original);
  });

  it.each<[string, (copy: KbCopy) => void]>([
    ['an answer', (c) => c.edit('entries.yaml', 'by Direct Debit or by phone.', 'by Direct Debit, by phone or at a Post Office.')],
    ['a sample question', (c) => c.edit('entries.yaml', 'council tax payment]', 'council tax payment, paying council tax]')],
    ['a department phone number', (c) => c.edit('departments.yaml', '"01632 960 110"', '"01632 960 111"')],
    ['a synonym', (c) => c.edit('synonyms.yaml', '[the tip, hwrc]', '[the tip, hwrc, the dump]')],
    ['a bin postcode', (c) => c.edit('data/bin-postcodes.csv', 'TE1 2BB,fri-a', 'TE1 2BB,tue-a')],
    ['a bank holiday change', (c) => c.edit('data/bank-holidays.yaml', 'to: 2026-12-26', 'to: 2026-12-28')],
    ['the order of entries (the matcher is trained in it)', (c) => {
      const text = c.read('entries.yaml');
      const [head, ...entries] = text.split(/(?=^ {2}- id: )/m);
      c.write('entries.yaml', [head, ...entries.reverse().map((e) => (e.endsWith('\n') ? e : `${e}\n`))].join(''));
    }],
  ])('changes with %s', (_what, change) => {
    const copy = new KbCopy();
    change(copy);
    expect(versionOf(copy)).not.toBe(original);
  });

  it('hashes JSON with keys sorted at every level and undefined left out', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('shows the first 12 characters where people read it', () => {
    expect(shortVersion(original)).toBe(original.slice(0, 12));
  });
});

forEachBackend('the knowledge versions store', (fresh) => {
  async function openStore(): Promise<SqlKnowledgeVersionStore> {
    const { sql } = await fresh();
    await migrateStore(sql, KNOWLEDGE_VERSIONS_SCHEMA);
    return new SqlKnowledgeVersionStore(sql);
  }

  const read = (copy: KbCopy) => {
    const r = readKnowledge(copy.dir, copy.dir);
    if (r.kind === 'invalid') throw new Error('fixture invalid');
    return r.content;
  };

  it('keeps each version once, with when it was first loaded and what its entries said', async () => {
    const store = await openStore();
    const first = read(new KbCopy());
    const edited = new KbCopy();
    edited.edit('entries.yaml', 'by Direct Debit or by phone.', 'by Direct Debit only.');
    const second = read(edited);

    await store.record(first.version, versionText(first.kb), new Date('2026-11-25T10:00:00Z'));
    await store.record(second.version, versionText(second.kb), new Date('2026-11-25T11:00:00Z'));
    // Loaded again later (a restart, or an edit undone): the first time stays.
    await store.record(first.version, versionText(first.kb), new Date('2026-11-25T12:00:00Z'));

    expect(await store.list()).toEqual([
      { version: first.version, firstLoadedAt: '2026-11-25T10:00:00.000Z', entryCount: 8 },
      { version: second.version, firstLoadedAt: '2026-11-25T11:00:00.000Z', entryCount: 8 },
    ]);
    const [found, ...others] = await store.find(first.version.slice(0, 12));
    expect(others).toEqual([]);
    expect(found?.text.entries.find((e) => e.id === 'council-tax-pay')).toEqual({
      id: 'council-tax-pay',
      title: 'Pay your Council Tax',
      department: 'council-tax',
      answer: 'You can pay your Council Tax online, by Direct Debit or by phone.',
      links: [{ title: 'Pay Council Tax', url: 'https://www.testshire.example/council-tax/pay' }],
      escalate: 'none',
    });
    expect((await store.find(second.version))[0]?.text.entries.find((e) => e.id === 'council-tax-pay')?.answer).toBe(
      'You can pay your Council Tax online, by Direct Debit only.',
    );
    expect(found?.text.departments.map((d) => d.id)).toEqual(['customer-services', 'waste', 'housing', 'council-tax']);
  });

  it('finds by any prefix, in upper or lower case, and nothing for an unknown one', async () => {
    const store = await openStore();
    const content = read(new KbCopy());
    await store.record(content.version, versionText(content.kb), new Date('2026-11-25T10:00:00Z'));
    expect((await store.find(content.version.slice(0, 6).toUpperCase())).map((v) => v.version)).toEqual([content.version]);
    const other = content.version.startsWith('0') ? 'ffff' : '0000';
    expect(await store.find(other)).toEqual([]);
  });

  it('records a version once when several instances load it at once', async () => {
    const store = await openStore();
    const content = read(new KbCopy());
    const times = ['2026-11-25T10:00:00Z', '2026-11-25T10:00:01Z', '2026-11-25T10:00:02Z'];
    await Promise.all(times.map((t) => store.record(content.version, versionText(content.kb), new Date(t))));
    expect(await store.list()).toEqual([{ version: content.version, firstLoadedAt: expect.any(String), entryCount: 8 }]);
  });

  it.each(['', 'abc', 'not-hex!', 'g'.repeat(12), 'a'.repeat(65)])('refuses %p as a version', async (prefix) => {
    const store = await openStore();
    await expect(store.find(prefix)).rejects.toThrow(/expected a version/);
  });
});
