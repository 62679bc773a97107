import { TestAdapter, TranscriptLoggerMiddleware, type Activity } from 'botbuilder';
import { migrateStore, openDatabase, SqliteBackend, type Sql } from '../../bot/db';
import {
  InvalidActivityError,
  PAGE_SIZE,
  SqlTranscriptStore,
  TranscriptArgumentError,
  TRANSCRIPTS_SCHEMA,
  type SqlTranscriptStoreOptions,
} from '../../handoff/transcriptStore';
import { describeInstances, forEachBackend } from '../db/backends';
import { tempDbFile } from '../tempDb';

const T0 = Date.parse('2026-11-25T10:00:00Z');

/** A message in conversation `conversationId`; from the resident unless `from` says 'bot'. */
function message(conversationId: string, n: number, text: string, from: 'user' | 'bot' = 'user', channelId = 'webchat'): Activity {
  const resident = { id: `resident-${conversationId}`, role: 'user' };
  const bot = { id: 'parley' }; // the middleware leaves the bot's role unset
  return {
    type: 'message',
    id: `${conversationId}-${n}`,
    channelId,
    conversation: { id: conversationId },
    from: from === 'user' ? resident : bot,
    recipient: from === 'user' ? { id: 'parley' } : { id: resident.id },
    timestamp: new Date(T0 + n * 1000),
    text,
  } as Activity;
}

/** Polls until `check` stops throwing: the logger middleware writes after the turn, unawaited. */
async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}

async function rawDocs(sql: Sql): Promise<string[]> {
  return (await sql.all<{ doc: string }>('SELECT doc FROM transcript_activities ORDER BY seq')).map((r) => r.doc);
}

forEachBackend('SqlTranscriptStore', (fresh) => {
  let sql: Sql;
  const open = (options?: SqlTranscriptStoreOptions) => new SqlTranscriptStore(sql, options);
  beforeEach(async () => {
    sql = (await fresh()).sql;
    await migrateStore(sql, TRANSCRIPTS_SCHEMA);
  });

  it('reads a conversation back in the order it was logged, even when clocks disagree', async () => {
    const store = open();
    await store.logActivity(message('c1', 2, 'what day are my bins'));
    // The bot's clock is a second behind the channel's: the reply is still second.
    await store.logActivity(message('c1', 1, 'Which postcode?', 'bot'));
    await store.logActivity(message('other', 3, 'hello'));

    const page = await store.getTranscriptActivities('webchat', 'c1');
    expect(page.items.map((a) => a.text)).toEqual(['what day are my bins', 'Which postcode?']);
    expect(page.continuationToken).toBeUndefined();
    expect(page.items[0]!.timestamp).toEqual(new Date(T0 + 2000));
    expect(await store.transcriptOf('webchat', 'c1')).toEqual(page.items);
  });

  it('pages activities by 20 with continuation tokens, and filters by start date', async () => {
    const store = open();
    for (let n = 0; n < 45; n++) await store.logActivity(message('c1', n, `message ${n}`));

    const texts: string[] = [];
    const tokens: (string | undefined)[] = [];
    let token: string | undefined;
    do {
      const page = await store.getTranscriptActivities('webchat', 'c1', token);
      expect(page.items.length).toBeLessThanOrEqual(PAGE_SIZE);
      texts.push(...page.items.map((a) => a.text!));
      token = page.continuationToken;
      tokens.push(token);
    } while (token);
    expect(texts).toEqual(Array.from({ length: 45 }, (_, n) => `message ${n}`));
    expect(tokens.length).toBe(3);

    const late = await store.getTranscriptActivities('webchat', 'c1', undefined, new Date(T0 + 40_000));
    expect(late.items.map((a) => a.text)).toEqual(['message 40', 'message 41', 'message 42', 'message 43', 'message 44']);
  });

  it('gives no token when a page is exactly the last one', async () => {
    const store = open();
    for (let n = 0; n < PAGE_SIZE; n++) await store.logActivity(message('c1', n, `m${n}`));
    const page = await store.getTranscriptActivities('webchat', 'c1');
    expect(page.items).toHaveLength(PAGE_SIZE);
    expect(page.continuationToken).toBeUndefined();
  });

  it('lists the conversations of a channel, oldest first, in pages', async () => {
    const store = open();
    for (let n = 0; n < 25; n++) {
      await store.logActivity(message(`c${n}`, n, 'hi'));
      await store.logActivity(message(`c${n}`, n + 100, 'Hello', 'bot'));
    }
    await store.logActivity(message('elsewhere', 1, 'hi', 'user', 'msteams'));

    const first = await store.listTranscripts('webchat');
    expect(first.items).toHaveLength(PAGE_SIZE);
    expect(first.items[0]).toEqual({ channelId: 'webchat', id: 'c0', created: new Date(T0) });
    const second = await store.listTranscripts('webchat', first.continuationToken);
    expect([...first.items, ...second.items].map((t) => t.id)).toEqual(Array.from({ length: 25 }, (_, n) => `c${n}`));
    expect(second.continuationToken).toBeUndefined();
    expect((await store.listTranscripts('msteams')).items.map((t) => t.id)).toEqual(['elsewhere']);
  });

  it('deletes one conversation and nothing else', async () => {
    const store = open();
    await store.logActivity(message('c1', 1, 'one'));
    await store.logActivity(message('c2', 2, 'two'));
    await store.deleteTranscript('webchat', 'c1');
    expect((await store.getTranscriptActivities('webchat', 'c1')).items).toEqual([]);
    expect((await store.listTranscripts('webchat')).items.map((t) => t.id)).toEqual(['c2']);
  });

  it('never writes a resident\'s email, phone or postcode to the database', async () => {
    const store = open();
    const activity = message('c1', 1, 'I am jane@example.com, 07700 900123, BK3 4TN');
    activity.speak = 'jane@example.com';
    activity.value = { email: 'jane@example.com', nested: ['call 07700 900123', 3], ok: true };
    await store.logActivity(activity);

    const [raw] = await rawDocs(sql);
    expect(raw).not.toMatch(/jane@example\.com|07700|BK3 4TN/);
    const [stored] = await store.transcriptOf('webchat', 'c1');
    expect(stored!.text).toBe('I am [email], [phone], [postcode]');
    expect(stored!.speak).toBe('[email]');
    expect(stored!.value).toEqual({ email: '[email]', nested: ['call [phone]', 3], ok: true });
    // The caller's activity is not changed.
    expect(activity.text).toContain('jane@example.com');
  });

  it('keeps the postcode only in activities the predicate marks as given to the bin lookup', async () => {
    const store = open({ keepPostcodes: (a) => a.value?.lookup === 'bin-day' });
    await store.logActivity({ ...message('c1', 1, 'bins for BK3 4TN, me@example.com'), value: { lookup: 'bin-day' } });
    await store.logActivity(message('c1', 2, 'I moved from BK7 1RP'));
    expect((await store.transcriptOf('webchat', 'c1')).map((a) => a.text)).toEqual(['bins for BK3 4TN, [email]', 'I moved from [postcode]']);
  });

  it('stores text as written when redaction is turned off', async () => {
    const store = open({ redact: false });
    await store.logActivity(message('c1', 1, 'jane@example.com'));
    expect((await rawDocs(sql))[0]).toContain('jane@example.com');
  });

  it("marks the bot's replies with role 'bot' once it knows the bot's id from a resident's message", async () => {
    const store = open();
    await store.logActivity(message('c1', 1, 'before the bot is known', 'bot'));
    await store.logActivity(message('c1', 2, 'hi'));
    await store.logActivity(message('c1', 3, 'Hello', 'bot'));
    expect((await store.transcriptOf('webchat', 'c1')).map((a) => a.from.role)).toEqual([undefined, 'user', 'bot']);
  });

  it('rejects activities and arguments it cannot file, saying which field', async () => {
    const store = open();
    const noConversation = { ...message('c1', 1, 'x'), conversation: undefined } as unknown as Activity;
    await expect(store.logActivity(noConversation)).rejects.toThrow(InvalidActivityError);
    await expect(store.logActivity(noConversation)).rejects.toMatchObject({ field: 'conversation', activityId: 'c1-1' });
    await expect(store.logActivity({ ...message('c1', 1, 'x'), timestamp: 'yesterday' as unknown as Date })).rejects.toThrow(
      'Transcript: cannot log activity c1-1: timestamp: not a date: yesterday',
    );
    await expect(store.getTranscriptActivities('webchat', 'c1', 'abc')).rejects.toThrow(TranscriptArgumentError);
    await expect(store.getTranscriptActivities('', 'c1')).rejects.toThrow('Transcript: channelId: required');
    await expect(store.listTranscripts('webchat', '-1')).rejects.toThrow(TranscriptArgumentError);
  });

  it("logs both sides of a two-turn conversation through botbuilder's TranscriptLoggerMiddleware", async () => {
    const store = open();
    const adapter = new TestAdapter(async (context) => {
      await context.sendActivity(`You said: ${context.activity.text}`);
    }).use(new TranscriptLoggerMiddleware(store));

    await adapter
      .send('my email is jane@example.com')
      .assertReply('You said: my email is jane@example.com')
      .send('and my phone is 07700 900123')
      .assertReply('You said: and my phone is 07700 900123');

    const conversationId = adapter.conversation.conversation.id;
    const logged = await eventually(async () => {
      const items = await store.transcriptOf('test', conversationId);
      expect(items).toHaveLength(4);
      return items;
    });
    expect(logged.map((a) => [a.from.role, a.text])).toEqual([
      ['user', 'my email is [email]'],
      ['bot', 'You said: my email is [email]'],
      ['user', 'and my phone is [phone]'],
      ['bot', 'You said: and my phone is [phone]'],
    ]);
    expect((await rawDocs(sql)).join('\n')).not.toMatch(/jane@|07700/);
  });
});

describe('SqlTranscriptStore on a SQLite file', () => {
  it('keeps everything when the database is reopened', async () => {
    const file = tempDbFile();
    const first = new SqliteBackend(openDatabase(file));
    await migrateStore(first.sql, TRANSCRIPTS_SCHEMA);
    await new SqlTranscriptStore(first.sql).logActivity(message('c1', 1, 'before the restart'));
    await first.close();

    const reopened = new SqliteBackend(openDatabase(file));
    await migrateStore(reopened.sql, TRANSCRIPTS_SCHEMA);
    const store = new SqlTranscriptStore(reopened.sql);
    await store.logActivity(message('c1', 2, 'after the restart'));
    expect((await store.transcriptOf('webchat', 'c1')).map((a) => a.text)).toEqual(['before the restart', 'after the restart']);
    expect(await reopened.sql.all("SELECT version FROM schema_migrations WHERE store = 'transcripts'")).toEqual([{ version: 1 }]);
    await reopened.close();
  });
});

describeInstances('SqlTranscriptStore', (fresh, another) => {
  it("one conversation logged by both instances at once reads back whole, in order, with the bot's role inferred across them", async () => {
    const one = await fresh();
    await migrateStore(one.sql, TRANSCRIPTS_SCHEMA);
    const two = await another(one);
    const first = new SqlTranscriptStore(one.sql);
    const second = new SqlTranscriptStore(two.sql);

    // The resident's message reached instance 1; the bot's reply is logged by instance 2.
    await first.logActivity(message('c1', 0, 'hi'));
    await second.logActivity(message('c1', 1, 'Hello', 'bot'));
    // Then many activities at once from both, each instance keeping its own order.
    await Promise.all([
      (async () => {
        for (let n = 0; n < 15; n++) await first.logActivity(message('c1', 10 + n, `one ${n}`));
      })(),
      (async () => {
        for (let n = 0; n < 15; n++) await second.logActivity(message('c1', 10 + n, `two ${n}`));
      })(),
    ]);

    const read: Activity[] = [];
    let token: string | undefined;
    do {
      const page = await second.getTranscriptActivities('webchat', 'c1', token);
      read.push(...page.items);
      token = page.continuationToken;
    } while (token);
    expect(read.slice(0, 2).map((a) => [a.from.role, a.text])).toEqual([['user', 'hi'], ['bot', 'Hello']]);
    const texts = read.map((a) => a.text!);
    expect(texts).toHaveLength(32);
    expect(new Set(texts).size).toBe(32);
    for (const who of ['one', 'two']) expect(texts.filter((t) => t.startsWith(who))).toEqual(Array.from({ length: 15 }, (_, n) => `${who} ${n}`));
  });
});
