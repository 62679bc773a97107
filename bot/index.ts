/**
 * Parley's composition root: config → auth → adapter → onTurnError → stores → knowledge →
 * conversation → bot → routes. Everything is built here once and passed in; read it top to
 * bottom for the wiring of the whole product.
 */
import 'dotenv/config';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  ConversationState,
  TranscriptLoggerMiddleware,
  type ConversationReference,
  UserState,
  type TurnContext,
} from 'botbuilder';
import { SqliteAgentStore } from '../handoff/agents';
import { mountConsoleApi } from '../handoff/consoleApi';
import { mountConsolePage } from '../handoff/consolePage';
import { HandoffDesk } from '../handoff/desk';
import { SqliteLiveMessageStore } from '../handoff/liveMessages';
import { loadBankHolidays } from '../knowledge/holidays';
import { SqliteEscalationQueue } from '../handoff/queue';
import { SqliteSessionStore } from '../handoff/sessions';
import { SqliteTranscriptStore } from '../handoff/transcriptStore';
import { loadBinData } from '../knowledge/bins/data';
import { BinDayLookup } from '../knowledge/bins/lookup';
import { SqliteBinStore } from '../knowledge/bins/store';
import { loadKnowledgeBase } from '../knowledge/loader';
import { Matcher } from '../knowledge/matcher';
import { loadWordVectors } from '../knowledge/wordVectors';
import { ConfigError, isLoopback, loadConfig, type Config } from './config';
import { checkRequiredContent, Conversation, type Knowledge } from './conversation';
import { openDatabase } from './db';
import { ParleyBot } from './parleyBot';
import { text } from './replies';
import { createServer } from './server';
import { SqliteStorage } from './stateStorage';

export interface AppOptions {
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
  log?: Pick<Console, 'info' | 'error'>;
}

export interface App {
  listen(): Promise<string>;
  close(): Promise<void>;
}

export function createApp(config: Config, { now = () => new Date(), log = console }: AppOptions = {}): App {
  // Auth: enforced by the adapter whenever MicrosoftAppId is set; open only in local mode.
  const auth = new ConfigurationBotFrameworkAuthentication({
    MicrosoftAppId: config.MicrosoftAppId,
    MicrosoftAppPassword: config.MicrosoftAppPassword,
    MicrosoftAppType: config.MicrosoftAppType,
    MicrosoftAppTenantId: config.MicrosoftAppTenantId,
  });
  const adapter = new CloudAdapter(auth);
  adapter.onTurnError = async (context: TurnContext, error: unknown) => {
    // Log the failure, not the resident's message: it may hold personal data.
    const err = error instanceof Error ? error : new Error(String(error));
    log.error(`[onTurnError] conversation ${context.activity.conversation?.id}: ${err.stack ?? err.message}`);
    await context.sendTraceActivity('OnTurnError Trace', err.message, 'https://www.botframework.com/schemas/error', 'TurnError');
    await context.sendActivity(text.error);
  };

  const db = openDatabase(config.databaseFile);
  const storage = new SqliteStorage(db, now);
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  // Every conversation is kept, redacted, so a person who takes over sees what came before.
  const transcripts = new SqliteTranscriptStore(db, { now });
  adapter.use(new TranscriptLoggerMiddleware(transcripts));
  const queue = new SqliteEscalationQueue(db);
  const liveMessages = new SqliteLiveMessageStore(db);
  const agents = new SqliteAgentStore(db);
  const sessions = new SqliteSessionStore(db, { idleMinutes: config.PARLEY_SESSION_IDLE_MINUTES, maxHours: config.PARLEY_SESSION_MAX_HOURS });

  const kb = loadKnowledgeBase(config.knowledgeDir);
  checkRequiredContent(kb);
  const knowledge: Knowledge = { kb, matcher: Matcher.build(kb, {}, loadWordVectors()) };
  const binStore = new SqliteBinStore(db);
  binStore.replace(loadBinData(path.join(config.knowledgeDir, 'data')));
  const bins = new BinDayLookup(binStore, config.PARLEY_TIMEZONE, now);

  const conversation = new Conversation({
    knowledge: () => knowledge,
    thresholds: { answer: config.PARLEY_ANSWER_THRESHOLD, suggest: config.PARLEY_SUGGEST_THRESHOLD },
    missesBeforeOffer: config.PARLEY_MISSES_BEFORE_OFFER,
    bins,
    now,
  });
  const desk = new HandoffDesk({
    queue,
    agents,
    sessions,
    messages: liveMessages,
    departments: () => knowledge.kb.departments,
    holidays: loadBankHolidays(path.join(config.knowledgeDir, 'data')),
    transcripts,
    settings: {
      timeZone: config.PARLEY_TIMEZONE,
      chatsPerAgent: config.PARLEY_CHATS_PER_AGENT,
      maxWaitMinutes: config.PARLEY_MAX_WAIT_MINUTES,
      defaultHandlingMinutes: config.PARLEY_DEFAULT_HANDLING_MINUTES,
    },
  });
  const bot = new ParleyBot(conversationState, userState, conversation, desk, now);

  const server = createServer({
    adapter,
    bot,
    health: () => ({ entries: knowledge.kb.entries.length, postcodes: binStore.postcodeCount() }),
  });

  mountConsoleApi(server, {
    agents,
    sessions,
    queue,
    messages: liveMessages,
    // Proactive: the agent's reply goes out through the adapter to the resident's own channel.
    sendToResident: (reference, text) =>
      adapter.continueConversationAsync(config.MicrosoftAppId, reference as Partial<ConversationReference>, async (context) => {
        await context.sendActivity(text);
      }),
    transcript: async (e) => {
      const channelId = (e.reference as { channelId?: string } | null)?.channelId;
      return channelId ? transcripts.transcriptOf(channelId, e.conversationId) : [];
    },
    departments: new Set(kb.departments.keys()),
    departmentName: (id) => knowledge.kb.departments.get(id)?.name ?? id,
    now,
    log,
    secureCookie: !isLoopback(config.HOST),
  });

  mountConsolePage(server);

  return {
    listen: () =>
      new Promise((resolve) => {
        server.listen(config.PORT, config.HOST, () => {
          const { port } = server.address() as AddressInfo;
          resolve(`http://${config.HOST}:${port}`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        server.close(() => {
          db.close();
          resolve();
        });
      }),
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const app = createApp(config);
  const url = await app.listen();
  console.info(`Parley is listening on ${url}/api/messages (${config.localMode ? 'local mode: no authentication' : 'authenticated'})`);
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    // Config and knowledge errors carry their own readable message; anything else, the stack.
    // Problems a council can fix (settings, content, install) print their own message; anything else, the stack.
    const readable = err instanceof ConfigError || (err instanceof Error && ['KnowledgeError', 'MissingWordVectorsError', 'MissingContentError'].includes(err.name));
    console.error(readable ? (err as Error).message : err);
    process.exit(1);
  });
}
