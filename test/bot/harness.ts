import path from 'node:path';
import { FIXTURE_KB } from '../fixtureKb';
import { tempDbFile } from '../tempDb';
import { TestAdapter, type Activity } from 'botbuilder';
import { loadConfig } from '../../bot/config';
import { checkRequiredContent, Conversation, type Outcome } from '../../bot/conversation';
import { openDatabase, SqliteBackend, type Db, type Sql } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { ParleyBot } from '../../bot/parleyBot';
import { SqlStorage } from '../../bot/stateStorage';
import { TurnStateStore } from '../../bot/turnState';
import type { ConversationData, UserData } from '../../bot/state';
import { loadBinData } from '../../knowledge/bins/data';
import { BinDayLookup } from '../../knowledge/bins/lookup';
import { SqlBinStore } from '../../knowledge/bins/store';
import type { Thresholds } from '../../knowledge/decide';
import { loadKnowledgeBase } from '../../knowledge/loader';
import { Matcher } from '../../knowledge/matcher';
import { loadWordVectors } from '../../knowledge/wordVectors';

export { FIXTURE_KB };
/** Wednesday 25 November 2026, mid-morning in London. */
export const NOW = new Date('2026-11-25T10:00:00Z');

const defaults = loadConfig({});
/** The shipped defaults, so tests see what residents see. */
export const DEFAULT_THRESHOLDS: Thresholds = { answer: defaults.PARLEY_ANSWER_THRESHOLD, suggest: defaults.PARLEY_SUGGEST_THRESHOLD };
/** Thresholds that turn every match into a "did you mean", so those tests do not depend on exact scores. */
export const SUGGEST_EVERY_MATCH: Thresholds = { answer: 1.01, suggest: 0.05 };

const kb = loadKnowledgeBase(FIXTURE_KB);
checkRequiredContent(kb);
/** The installed word vectors, as the bot uses them (npm install makes the file). */
export const WORD_VECTORS = loadWordVectors();
const knowledge = { kb, matcher: Matcher.build(kb, {}, WORD_VECTORS) };
const binData = loadBinData(path.join(FIXTURE_KB, 'data'));

export { tempDbFile };

/** The real bot (real SQLite storage, real matcher) on botbuilder's TestAdapter. */
export class BotHarness {
  readonly db: Db;
  readonly sql: Sql;
  readonly bot: ParleyBot;
  /** What came of each step, as reporting is told it (handoff/reporting/). */
  readonly outcomes: Outcome[] = [];
  /** The tables made and the bin data in; `say` waits for it. */
  private readonly ready: Promise<void>;
  adapter: TestAdapter;

  constructor(
    readonly dbFile = tempDbFile(),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    now: Date = NOW,
  ) {
    this.db = openDatabase(dbFile);
    this.sql = new SqliteBackend(this.db).sql;
    const binStore = new SqlBinStore(this.sql);
    this.ready = migrateAll(this.sql).then(() => binStore.replace(binData));
    const conversation = new Conversation({
      knowledge: () => knowledge,
      thresholds,
      missesBeforeOffer: 2,
      timeZone: 'Europe/London',
      bins: new BinDayLookup(binStore, 'Europe/London', () => now),
      now: () => now,
    });
    const storage = new SqlStorage(this.sql, () => now);
    this.bot = new ParleyBot(new TurnStateStore(storage), conversation, undefined, () => now, undefined, (outcome) => void this.outcomes.push(outcome));
    this.adapter = this.newConversation('conversation-1');
  }

  /** A new conversation for the same resident (user id "resident"). */
  newConversation(id: string): TestAdapter {
    this.adapter = new TestAdapter((context) => this.bot.run(context));
    this.adapter.conversation = TestAdapter.createConversation(id, 'resident', 'parley');
    return this.adapter;
  }

  /** Sends one message (or activity) and returns the bot's replies to it. */
  async say(input: string | Partial<Activity>): Promise<Partial<Activity>[]> {
    await this.ready;
    await this.adapter.send(input).startTest();
    return this.adapter.activeQueue.splice(0);
  }

  async conversationData(): Promise<ConversationData> {
    const key = `${this.adapter.conversation.channelId}/conversations/${this.adapter.conversation.conversation.id}/`;
    const items = await new SqlStorage(this.sql).read([key]);
    return (items[key] as { parley: ConversationData }).parley;
  }

  async userData(): Promise<UserData> {
    const key = `${this.adapter.conversation.channelId}/users/resident/`;
    const items = await new SqlStorage(this.sql).read([key]);
    return (items[key] as { resident: UserData }).resident;
  }

  /** After the set-up has settled: closing under it would fail its statements. */
  async close(): Promise<void> {
    await this.ready;
    this.db.close();
  }
}

export const texts = (replies: Partial<Activity>[]) => replies.map((r) => r.text ?? '');
export const buttons = (reply: Partial<Activity> | undefined) => reply?.suggestedActions?.actions.map((a) => a.title) ?? [];
