import type { Config } from '../../bot/config';
import type { App } from '../../bot/index';
import { PostcodesGiven } from '../../handoff/postcodesGiven';
import { SqlTranscriptStore } from '../../handoff/transcriptStore';
import { startApp, testConfig, withSql } from '../app';
import { repliesTo, residentMessage } from '../bot/residentClient';

describe('PostcodesGiven', () => {
  it('keeps the marked message and the replies to it, in that conversation only', () => {
    const given = new PostcodesGiven();
    given.mark({ id: 'm1', conversation: { id: 'c1' } as never });
    expect(given.keeps({ id: 'm1', conversation: { id: 'c1' } as never })).toBe(true);
    expect(given.keeps({ id: 'r1', replyToId: 'm1', conversation: { id: 'c1' } as never })).toBe(true);
    expect(given.keeps({ id: 'm1', conversation: { id: 'c2' } as never })).toBe(false);
    expect(given.keeps({ id: 'm2', conversation: { id: 'c1' } as never })).toBe(false);
  });

  it('forgets the oldest marks past its limit', () => {
    const given = new PostcodesGiven(2);
    for (const id of ['a', 'b', 'c']) given.mark({ id, conversation: { id: 'c1' } as never });
    expect(['a', 'b', 'c'].map((id) => given.keeps({ id, conversation: { id: 'c1' } as never }))).toEqual([false, true, true]);
  });
});

describe('postcodes in transcripts, over real HTTP', () => {
  let app: App;
  let url: string;
  let config: Config;

  beforeAll(async () => {
    config = testConfig();
    ({ app, url } = await startApp(config, { now: () => new Date('2026-11-25T10:00:00Z') }));
  });
  afterAll(() => app.close());

  const say = (text: string) => repliesTo(url, residentMessage(text, { conversation: 'pc-1', serviceUrl: 'http://localhost:9', from: 'resident' }));

  it('keeps a postcode given to the bin lookup and redacts one said in passing', async () => {
    await say('when is my bin day');
    await say('TE1 1AA');
    await say('my neighbour at TE1 2BB plays loud music');
    const texts = (await withSql(config, (sql) => new SqlTranscriptStore(sql).transcriptOf('test', 'pc-1'))).map((a) => a.text ?? '');
    expect(texts).toContain('TE1 1AA');
    expect(texts.some((t) => t.startsWith('Your next bin collections for **TE1 1AA**'))).toBe(true);
    expect(texts).toContain('my neighbour at [postcode] plays loud music');
    expect(texts.join('\n')).not.toContain('TE1 2BB');
  });
});
