import type { Activity } from 'botbuilder';
import type { Config } from '../../bot/config';
import type { App } from '../../bot/index';
import { readKnowledge } from '../../bot/knowledgeLoad';
import type { ReloadStatus } from '../../bot/knowledgeReloader';
import { SqlKnowledgeVersionStore } from '../../bot/knowledgeVersions';
import { SqlAgentStore } from '../../handoff/agents';
import { SqlTranscriptStore } from '../../handoff/transcriptStore';
import { startApp, testConfig, withSql } from '../app';
import { call, login } from '../handoff/consoleClient';
import { messageTexts, repliesTo, residentMessage } from '../bot/residentClient';
import { KbCopy } from './reloadFixture';

/**
 * Live reload end to end: the app as `npm start` builds it, watching a copy of the fixture
 * knowledge base that the test edits as a content editor would, while residents talk to it over
 * /api/messages. No timing assertions: the test waits until /healthz shows the version it expects.
 */

const PAY_V1 = 'You can pay your Council Tax online, by Direct Debit or by phone.';
const PAY_V2 = 'You can pay your Council Tax online, by Direct Debit or at the Town Hall.';
const PAY_V3 = 'You can pay your Council Tax online or by Direct Debit.';

type Health = { status: string; knowledge: ReloadStatus };
type Traced = { parleyAnswer?: { entryId: string; kbVersion?: string } };

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The version the app should reach once it has read the folder as it is now. */
function expectedVersion(copy: KbCopy): string {
  const read = readKnowledge(copy.dir);
  if (read.kind === 'invalid') throw new Error(`the test made an invalid edit: ${read.findings.map((f) => f.message).join('; ')}`);
  return read.content.version;
}

function running(env: Record<string, string> = {}) {
  const copy = new KbCopy();
  let clock = new Date('2026-11-25T10:00:00Z');
  const errors: string[] = [];
  const infos: string[] = [];
  const state = { copy, errors, infos } as { copy: KbCopy; errors: string[]; infos: string[]; app: App; url: string; config: Config };

  beforeAll(async () => {
    state.config = testConfig({ PARLEY_KNOWLEDGE_DIR: copy.dir, ...env });
    ({ app: state.app, url: state.url } = await startApp(state.config, {
      now: () => clock,
      log: { info: (m: string) => infos.push(m), error: (m: string) => errors.push(m) },
    }));
  });
  afterAll(() => state.app.close());

  return {
    state,
    tick: () => (clock = new Date(clock.getTime() + 60_000)),
    ask: (text: string, conversation: string) => repliesTo(state.url, residentMessage(text, { conversation, serviceUrl: 'http://localhost:9/unused' })),
    health: async () => (await (await fetch(`${state.url}/healthz`)).json()) as Health,
    /** Polls /healthz until the knowledge status satisfies `done`; the test's own timeout is the only limit. */
    async until(done: (k: ReloadStatus) => boolean): Promise<ReloadStatus> {
      for (;;) {
        const { knowledge } = (await (await fetch(`${state.url}/healthz`)).json()) as Health;
        if (done(knowledge)) return knowledge;
        await pause(25);
      }
    },
  };
}

const traced = (a: Partial<Activity>) => (a.channelData as Traced | undefined)?.parleyAnswer;

describe('live reload over real HTTP', () => {
  const bot = running();
  const { state } = bot;
  let v1: string;
  let v2: string;
  let v3: string;

  it('answers from the knowledge base it started with, and each answer names its entry and version', async () => {
    const { knowledge } = await bot.health();
    v1 = knowledge.version;
    expect(knowledge).toEqual({ version: expect.stringMatching(/^[0-9a-f]{64}$/), loadedAt: '2026-11-25T10:00:00.000Z', liveReload: 'on' });
    expect(v1).toBe(expectedVersion(state.copy));

    const replies = await bot.ask('how do I pay my council tax', 'pay');
    expect(messageTexts(replies)[0]).toMatch(new RegExp(`^${PAY_V1}`));
    expect(traced(replies[0]!)).toEqual({ entryId: 'council-tax-pay', kbVersion: v1 });
    // The "did this help?" question carries no answer text, so no trace.
    expect(traced(replies[1]!)).toBeUndefined();

    // Two residents part-way through: one was asked for a postcode, one was offered related topics.
    expect(messageTexts(await bot.ask('when is my bin day', 'postcode'))).toEqual(['I can look up your bin collection days. What is your postcode? (For example BK3 4TN.)']);
    const related = await bot.ask('recycling centre hours', 'related');
    expect(related[1]?.suggestedActions?.actions.map((a) => a.title)).toEqual(['Yes', 'No', 'Find your bin collection day', 'Pay your Council Tax']);
  });

  it('puts an edit live without a restart: the new answer and the new bin rounds, and a conversation in progress carries on', async () => {
    bot.tick();
    state.copy.edit('entries.yaml', PAY_V1, PAY_V2);
    state.copy.edit('data/bin-postcodes.csv', 'TE1 1AA,tue-a', 'TE1 1AA,fri-a', 'replace');
    v2 = expectedVersion(state.copy);
    expect(v2).not.toBe(v1);

    const knowledge = await bot.until((k) => k.version === v2);
    expect(knowledge).toEqual({ version: v2, loadedAt: '2026-11-25T10:01:00.000Z', liveReload: 'on', lastReload: { at: '2026-11-25T10:01:00.000Z', ok: true, version: v2 } });

    const replies = await bot.ask('how do I pay my council tax', 'pay');
    expect(messageTexts(replies)[0]).toMatch(new RegExp(`^${PAY_V2}`));
    expect(traced(replies[0]!)).toEqual({ entryId: 'council-tax-pay', kbVersion: v2 });

    // The resident asked for a postcode before the reload gives it after: the new round (Fridays) answers.
    const bins = await bot.ask('TE1 1AA', 'postcode');
    expect(messageTexts(bins)[0]).toMatch(/^Your next bin collections for \*\*TE1 1AA\*\*:\n\n- \*\*Friday 27 November\*\*/);
    expect(traced(bins[0]!)).toEqual({ entryId: 'bins-collection-day', kbVersion: v2 });
    expect(state.infos.filter((m) => m.startsWith('[knowledge] Reloaded'))).not.toHaveLength(0);
  });

  it('keeps serving the last good version when an edit is invalid, logs the problem once with file and line, and says so on /healthz', async () => {
    bot.tick();
    state.copy.edit('entries.yaml', 'questions: [hello, hi there, good morning, hiya]', 'questions: [hello, hi there]');
    state.copy.edit('entries.yaml', PAY_V2, PAY_V3);

    const knowledge = await bot.until((k) => k.lastReload?.ok === false);
    expect(knowledge).toEqual({ version: v2, loadedAt: '2026-11-25T10:01:00.000Z', liveReload: 'on', lastReload: { at: '2026-11-25T10:02:00.000Z', ok: false, problems: 1 } });
    expect(messageTexts(await bot.ask('how do I pay my council tax', 'pay'))[0]).toMatch(new RegExp(`^${PAY_V2}`));

    const reported = state.errors.filter((m) => m.startsWith('[knowledge]'));
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain(`Not reloaded: the knowledge base has 1 error. Residents still get answers from version ${v2.slice(0, 12)}.`);
    expect(reported[0]).toContain('entries.yaml:6:5 entries[0].questions: expected at least 4 items');

    // Another save that leaves the same error: read again (the time moves on) but not logged again.
    bot.tick();
    state.copy.write('entries.yaml', `${state.copy.read('entries.yaml')}# Draft: do not publish yet\n`);
    await bot.until((k) => k.lastReload?.at === '2026-11-25T10:03:00.000Z');
    expect(state.errors.filter((m) => m.startsWith('[knowledge]'))).toHaveLength(1);
  });

  it('reloads once the file is fixed', async () => {
    bot.tick();
    state.copy.edit('entries.yaml', 'questions: [hello, hi there]', 'questions: [hello, hi there, good morning, hiya]', 'replace');
    v3 = expectedVersion(state.copy);
    const knowledge = await bot.until((k) => k.version === v3);
    expect(knowledge.lastReload).toEqual({ at: '2026-11-25T10:04:00.000Z', ok: true, version: v3 });
    const replies = await bot.ask('how do I pay my council tax', 'pay');
    expect(messageTexts(replies)[0]).toMatch(new RegExp(`^${PAY_V3}`));
    expect(traced(replies[0]!)).toEqual({ entryId: 'council-tax-pay', kbVersion: v3 });
  });

  it('does not fail a resident whose pending choice names an entry a reload removed', async () => {
    bot.tick();
    const text = state.copy.read('entries.yaml');
    const withoutPay = text.replace(/ {2}- id: council-tax-pay\n(?: {4}.*\n)+/, '').replace('related: [bins-collection-day, council-tax-pay]', 'related: [bins-collection-day]');
    state.copy.write('entries.yaml', withoutPay);
    const v4 = expectedVersion(state.copy);
    await bot.until((k) => k.version === v4);

    // "Pay your Council Tax" was offered as a related topic before the entry went.
    const replies = await bot.ask('Pay your Council Tax', 'related');
    expect(messageTexts(replies)[0]).toMatch(/^Sorry, I don’t know the answer to that/);
    expect(state.errors.filter((m) => m.startsWith('[onTurnError]'))).toEqual([]);
  });

  it('keeps the version on each answer in the transcript, and the text of every version in the versions store', async () => {
    // The app's own SQLite file, read through a second connection as an investigator would.
    await withSql(state.config, async (sql) => {
      const transcript = await new SqlTranscriptStore(sql).transcriptOf('test', 'pay');
      const answers = transcript.filter((a) => traced(a)).map((a) => ({ text: a.text?.split('\n')[0], ...traced(a) }));
      expect(answers).toEqual([
        { text: PAY_V1, entryId: 'council-tax-pay', kbVersion: v1 },
        { text: PAY_V2, entryId: 'council-tax-pay', kbVersion: v2 },
        { text: PAY_V2, entryId: 'council-tax-pay', kbVersion: v2 },
        { text: PAY_V3, entryId: 'council-tax-pay', kbVersion: v3 },
      ]);

      // The entry is gone from the files now; the store still says what each version told the resident.
      const versions = new SqlKnowledgeVersionStore(sql);
      const [first] = await versions.find(answers[0]!.kbVersion!);
      expect(first?.firstLoadedAt).toBe('2026-11-25T10:00:00.000Z');
      expect(first?.text.entries.find((e) => e.id === 'council-tax-pay')?.answer).toBe(PAY_V1);
      expect((await versions.find(v2))[0]?.text.entries.find((e) => e.id === 'council-tax-pay')?.answer).toBe(PAY_V2);
      expect(await versions.list()).toHaveLength(4);
    });
  });
});

describe('a "did you mean" in progress across a reload', () => {
  // Thresholds that turn every match into a suggestion, so the test does not depend on exact scores.
  const bot = running({ PARLEY_ANSWER_THRESHOLD: '1', PARLEY_SUGGEST_THRESHOLD: '0.05' });
  const { state } = bot;
  const CENTRE_V2 = 'The household waste recycling centre on Mill Lane is open every day from 9am to 5pm.';

  it('answers the pick with the text live when the resident picks', async () => {
    const before = await bot.ask('recycling centre', 'pick');
    expect(messageTexts(before)).toEqual(['I’m not sure I understood. Did you mean:']);
    expect(before[0]?.suggestedActions?.actions[0]?.title).toBe('Household waste recycling centre');

    bot.tick();
    state.copy.edit('entries.yaml', 'is open every day from 8am to 6pm.', 'is open every day from 9am to 5pm.');
    const v2 = expectedVersion(state.copy);
    await bot.until((k) => k.version === v2);

    const replies = await bot.ask('1', 'pick');
    expect(messageTexts(replies)[0]).toMatch(new RegExp(`^${CENTRE_V2}`));
    expect(traced(replies[0]!)).toEqual({ entryId: 'recycling-centre', kbVersion: v2 });
  });

  it('tells the resident it does not know, rather than failing, when the picked entry was removed', async () => {
    expect(messageTexts(await bot.ask('recycling centre', 'gone'))).toEqual(['I’m not sure I understood. Did you mean:']);
    bot.tick();
    const text = state.copy.read('entries.yaml');
    state.copy.write(
      'entries.yaml',
      text.replace(/ {2}- id: recycling-centre\n(?: {4}.*\n| {6}.*\n| {8}.*\n)+/, '').replace('related: [recycling-centre]', 'related: []'),
    );
    const v3 = expectedVersion(state.copy);
    await bot.until((k) => k.version === v3);

    expect(messageTexts(await bot.ask('Household waste recycling centre', 'gone'))[0]).toMatch(/^Sorry, I don’t know the answer to that/);
    expect(state.errors.filter((m) => m.startsWith('[onTurnError]'))).toEqual([]);
  });
});

describe('the handoff desk and the console follow a reload', () => {
  const bot = running();
  const { state } = bot;

  it('closes a department on a bank holiday added while running, and lists a department added while running', async () => {
    await bot.ask('talk to a person', 'holiday');
    // Wednesday 10am, Customer Services open, nobody signed in.
    expect(messageTexts(await bot.ask('Yes, connect me', 'holiday'))[0]).toMatch(/^Nobody from Customer Services can join this chat right now\./);

    bot.tick();
    state.copy.write('data/bank-holidays.yaml', `${state.copy.read('data/bank-holidays.yaml')}holidays:\n  - { date: 2026-11-25, name: Borough Day }\n`);
    state.copy.write(
      'departments.yaml',
      `${state.copy.read('departments.yaml')}  - id: libraries\n    name: Libraries\n    phone: "01632 960 170"\n    email: libraries@testshire.example\n    hours:\n      monday: "09:00-17:00"\n`,
    );
    const v2 = expectedVersion(state.copy);
    await bot.until((k) => k.version === v2);

    await bot.ask('talk to a person', 'holiday');
    expect(messageTexts(await bot.ask('Yes, connect me', 'holiday'))[0]).toMatch(/^Customer Services is closed right now, so nobody can chat\./);

    await withSql(state.config, (sql) => new SqlAgentStore(sql).add({ name: 'Sue', departments: ['customer-services'], role: 'supervisor', password: 'sue-password-1' }, new Date('2026-11-25T10:00:00Z')));
    const sue = await login(state.url, 'Sue', 'sue-password-1');
    const listed = await call(state.url, sue, 'GET', '/api/console/departments');
    expect(listed.body?.departments).toContainEqual({ id: 'libraries', name: 'Libraries' });
  });
});

describe('PARLEY_KNOWLEDGE_RELOAD', () => {
  const bot = running({ PARLEY_KNOWLEDGE_RELOAD: 'off' });

  it('off: the folder is read once at start, and /healthz says live reload is off', async () => {
    expect((await bot.health()).knowledge).toEqual({ version: expectedVersion(bot.state.copy), loadedAt: '2026-11-25T10:00:00.000Z', liveReload: 'off' });
  });

  it('takes only on or off', () => {
    expect(() => testConfig({ PARLEY_KNOWLEDGE_RELOAD: 'yes' })).toThrow('PARLEY_KNOWLEDGE_RELOAD: expected on or off (got "yes")');
  });
});
