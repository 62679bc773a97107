import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../bot/config';
import { openDatabase } from '../../bot/db';
import { createApp, type App } from '../../bot/index';
import { PostcodesGiven } from '../../handoff/postcodesGiven';
import { SqliteTranscriptStore } from '../../handoff/transcriptStore';
import { FIXTURE_KB } from '../bot/harness';

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
  let dataDir: string;

  beforeAll(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-postcodes-'));
    app = createApp(loadConfig({ PORT: '0', PARLEY_DATA_DIR: dataDir, PARLEY_KNOWLEDGE_DIR: FIXTURE_KB }), {
      now: () => new Date('2026-11-25T10:00:00Z'),
      log: { info: () => undefined, error: () => undefined },
    });
    url = await app.listen();
  });
  afterAll(() => app.close());

  let n = 0;
  const say = async (text: string) => {
    const res = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'message',
        id: `m${++n}`,
        text,
        channelId: 'test',
        serviceUrl: 'http://localhost:9',
        from: { id: 'resident', role: 'user' },
        recipient: { id: 'parley', role: 'bot' },
        conversation: { id: 'pc-1' },
        deliveryMode: 'expectReplies',
      }),
    });
    expect(res.status).toBe(200);
  };

  it('keeps a postcode given to the bin lookup and redacts one said in passing', async () => {
    await say('when is my bin day');
    await say('TE1 1AA');
    await say('my neighbour at TE1 2BB plays loud music');
    const db = openDatabase(loadConfig({ PARLEY_DATA_DIR: dataDir }).databaseFile);
    try {
      const texts = (await new SqliteTranscriptStore(db).transcriptOf('test', 'pc-1')).map((a) => a.text ?? '');
      expect(texts).toContain('TE1 1AA');
      expect(texts.some((t) => t.startsWith('Your next bin collections for **TE1 1AA**'))).toBe(true);
      expect(texts).toContain('my neighbour at [postcode] plays loud music');
      expect(texts.join('\n')).not.toContain('TE1 2BB');
    } finally {
      db.close();
    }
  });
});
