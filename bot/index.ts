/**
 * Parley's composition root: config → auth → adapter → onTurnError → stores → knowledge →
 * conversation → bot → routes. Everything is built here once and passed in; read it top to
 * bottom for the wiring of the whole product.
 */
import 'dotenv/config';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import {
  CloudAdapter,
  TranscriptLoggerMiddleware,
  type ConversationReference,
  type TurnContext,
} from 'botbuilder';
import { SqlAgentStore } from '../handoff/agents';
import { mountConsoleApi } from '../handoff/consoleApi';
import { mountConsolePage } from '../handoff/consolePage';
import { DeliveryWorker, plannedDeliveries, type DeliverySettings, type RunResult } from '../handoff/delivery';
import { HandoffDesk } from '../handoff/desk';
import { SharedDeskEvents } from '../handoff/events';
import { mountGapsApi } from '../handoff/gapsApi';
import { SqlLeftMessageStore } from '../handoff/leftMessages';
import { SqlLiveMessageStore } from '../handoff/liveMessages';
import { PostcodesGiven } from '../handoff/postcodesGiven';
import { purgePersonalData } from '../handoff/privacy';
import { mountMessagesApi } from '../handoff/messagesApi';
import { DutyRoster, PRESENCE_HEARTBEAT_MS, SqlPresenceStore, sweepAbsentAgents } from '../handoff/presence';
import { SqlEscalationQueue } from '../handoff/queue';
import { outcomeRecorder, recordDeskEvents } from '../handoff/reporting/record';
import { mountReporting } from '../handoff/reporting/routes';
import { SqlReportEventStore } from '../handoff/reporting/store';
import { SqlSessionStore } from '../handoff/sessions';
import { SqlTranscriptStore } from '../handoff/transcriptStore';
import { BinDayLookup } from '../knowledge/bins/lookup';
import { SqlBinStore } from '../knowledge/bins/store';
import { reportGaps } from '../knowledge/gaps/report';
import { SqlGapStore } from '../knowledge/gaps/store';
import { versionText } from '../knowledge/version';
import { MatchThread } from '../knowledge/matchThread';
import { defaultWordVectorsFile, loadWordVectors } from '../knowledge/wordVectors';
import { ConfigError, isLoopback, loadConfig, type Config } from './config';
import { Conversation, GENERAL_DEPARTMENT } from './conversation';
import { openBackend, PostgresBackend, postgresLabel, SqliteBackend, storageFailure } from './db';
import { migrateAll } from './db/schemas';
import { following, KnowledgeReloader } from './knowledgeReloader';
import { SqlKnowledgeVersionStore } from './knowledgeVersions';
import { ParleyBot } from './parleyBot';
import { text } from './replies';
import { mountAzureDirectLineTokens } from './directline/azureTokens';
import { mountLocalDirectLine } from './directline/mount';
import { loadProactiveRules } from './web/proactive';
import { mountWebsite } from './web/site';
import { CheckedCloudAdapter, channelAuthentication } from './channelAuth';
import { ReusedClientsAuthentication } from './reusedClients';
import { createServer } from './server';
import { TurnLimit } from './turnLimit';
import { SqlStorage } from './stateStorage';
import { TurnStateStore } from './turnState';
import { notifyTeamsOfEscalations } from './teams/notify';

export interface AppOptions {
  /** The clock; tests pass a fixed one. */
  now?: () => Date;
  log?: Pick<Console, 'info' | 'error'>;
}

export interface App {
  listen(): Promise<string>;
  close(): Promise<void>;
  /** The grace sweep a timer runs every 15 s (agents gone: their chats back to the queue); tests call it with their clock. */
  sweepAbsentAgents(): Promise<number>;
  /** Sends the left-message deliveries due now (a timer does it every 15 s); tests call it with their clock. */
  deliverLeftMessages(): Promise<RunResult>;
}

/** How often the outbox of left messages is checked for deliveries due. */
const DELIVER_EVERY_MS = 15_000;
/** How long a SIGTERM waits for turns and console calls in flight before giving up. */
const SHUTDOWN_LIMIT_MS = 30_000;
/** How often the grace sweep looks for agents who have gone while holding chats. */
const SWEEP_EVERY_MS = 15_000;
/** How often the retention job runs (PARLEY_RETENTION_DAYS). */
const PURGE_EVERY_MS = 24 * 3_600_000;

export function createApp(config: Config, { now = () => new Date(), log = console }: AppOptions = {}): App {
  // Auth: enforced by the adapter whenever MicrosoftAppId is set; open only in local mode.
  const auth = new ReusedClientsAuthentication(channelAuthentication(config));
  const adapter = new CheckedCloudAdapter(auth, log);
  adapter.onTurnError = async (context: TurnContext, error: unknown) => {
    // Log the failure, not the resident's message: it may hold personal data.
    // Error-like, not only `instanceof Error`: errors from native code (better-sqlite3) can come
    // from another realm (under jest, for one) and would otherwise be logged without their stack.
    const err = typeof error === 'object' && error !== null && 'message' in error ? (error as Error) : new Error(String(error));
    log.error(`[onTurnError] conversation ${context.activity.conversation?.id}: ${err.stack ?? err.message}`);
    await context.sendTraceActivity('OnTurnError Trace', err.message, 'https://www.botframework.com/schemas/error', 'TurnError');
    await context.sendActivity(text.error);
  };

  // Every store, on PostgreSQL when DATABASE_URL is set (shared by any number of instances), else
  // on the SQLite file in PARLEY_DATA_DIR.
  const backend = openBackend({ databaseUrl: config.DATABASE_URL, sqliteFile: config.databaseFile }, log);
  if (backend instanceof SqliteBackend) {
    backend.checkpointInBackground(log);
    backend.commitInBackground(log);
  }
  // Every store's tables before anything reads them: on SQLite this transaction opens before
  // createApp returns, so any statement issued meanwhile waits for it.
  const ready = migrateAll(backend.sql);
  /** Set when shutdown begins: /readyz answers 503 from then on. */
  let stopping = false;
  // listen() awaits it and so reports a failure; this only stops Node calling it unhandled first.
  ready.catch(() => undefined);
  // What the bot remembers between turns, stored as botbuilder's ConversationState and UserState store it.
  const states = new TurnStateStore(new SqlStorage(backend.sql, now));
  // Every conversation is kept, redacted, so a person who takes over sees what came before.
  const postcodesGiven = new PostcodesGiven();
  const transcripts = new SqlTranscriptStore(backend.sql, { now, keepPostcodes: (activity) => postcodesGiven.keeps(activity) });
  // botbuilder's transcript logger starts its writes at the end of the turn without waiting for
  // them. This middleware, outside it, waits: the HTTP answer to a resident's message (and an
  // officer's "sent") then means the transcript is stored, on PostgreSQL as on SQLite.
  adapter.use({
    onTurn: async (context, next) => {
      await next();
      await transcripts.settled(context.activity.channelId, context.activity.conversation.id);
    },
  });
  // botbuilder's middleware prints a failed write to the console without saying whose it was:
  // log it here with the conversation and activity, so a council can tell which transcript has a gap.
  adapter.use(
    new TranscriptLoggerMiddleware({
      logActivity: async (activity) => {
        try {
          await transcripts.logActivity(activity);
        } catch (err) {
          log.error(`[transcript] conversation ${activity.conversation?.id}, activity ${activity.id ?? '(no id)'} not kept: ${err instanceof Error ? err.message : String(err)}`);
        }
      },
    }),
  );
  const queue = new SqlEscalationQueue(backend.sql);
  const liveMessages = new SqlLiveMessageStore(backend.sql);
  const leftMessages = new SqlLeftMessageStore(backend.sql);
  // What happens on the desk, for the consoles' live stream.
  const events = new SharedDeskEvents(backend.broadcast, log);
  const agents = new SqlAgentStore(backend.sql);
  const sessions = new SqlSessionStore(backend.sql, { idleMinutes: config.PARLEY_SESSION_IDLE_MINUTES, maxHours: config.PARLEY_SESSION_MAX_HOURS });

  const binStore = new SqlBinStore(backend.sql);
  // Residents' questions are matched on a thread of their own (knowledge/matchThread.ts).
  const matchThread = config.PARLEY_MATCHER_THREAD === 'on' ? new MatchThread(defaultWordVectorsFile(), log) : undefined;
  // The knowledge base, reloaded when its files change. A version's bin data and text are written
  // together, after the tables exist, before it goes live, so the bin lookup and the answers agree.
  const reloader = new KnowledgeReloader({
    dir: config.knowledgeDir,
    vectors: loadWordVectors(),
    ...(matchThread && { matchThread }),
    commit: async (next) => {
      await ready;
      await backend.sql.transaction(async (tx) => {
        await new SqlBinStore(tx).replace(next.bins);
        await new SqlKnowledgeVersionStore(tx).record(next.version, versionText(next.kb), now());
      });
    },
    watch: config.PARLEY_KNOWLEDGE_RELOAD === 'on',
    log,
    now,
  });
  const knowledge = () => reloader.current();
  // Available or away, the departments each agent takes, and who is still connected.
  // Which instance holds each console stream, so instances sharing a database count each other's.
  const presence = new SqlPresenceStore(backend.sql, { instanceId: randomUUID(), heartbeatMs: PRESENCE_HEARTBEAT_MS, soleInstance: backend.sql.dialect === 'sqlite' });
  const presenceStarted = ready.then(() => presence.restart(now()));
  // listen() awaits it and reports a failure, as for `ready`.
  presenceStarted.catch(() => undefined);
  const presenceBeat = setInterval(() => {
    presence.beat(now()).catch((err: unknown) => log.error(`[presence] vouching for this instance's console streams: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  }, PRESENCE_HEARTBEAT_MS);
  presenceBeat.unref();
  const roster = new DutyRoster({ presence, sessions, agents, departments: () => knowledge().kb.departments.keys(), graceSeconds: config.PARLEY_AGENT_GRACE_SECONDS });
  const bins = new BinDayLookup(binStore, config.PARLEY_TIMEZONE, now);

  const conversation = new Conversation({
    knowledge,
    thresholds: { answer: config.PARLEY_ANSWER_THRESHOLD, suggest: config.PARLEY_SUGGEST_THRESHOLD },
    missesBeforeOffer: config.PARLEY_MISSES_BEFORE_OFFER,
    timeZone: config.PARLEY_TIMEZONE,
    bins,
    now,
  });
  const deliverySettings: DeliverySettings = {
    timeZone: config.PARLEY_TIMEZONE,
    ...(config.PARLEY_SMTP_URL && { smtp: { from: config.PARLEY_SMTP_FROM } }),
    ...(config.PARLEY_MESSAGE_WEBHOOK_URL && { webhookUrl: config.PARLEY_MESSAGE_WEBHOOK_URL }),
  };
  const desk = new HandoffDesk({
    queue,
    messages: liveMessages,
    departments: () => knowledge().kb.departments,
    holidays: following(() => knowledge().holidays),
    transcripts,
    events,
    presence: roster,
    leftMessages,
    // Each left message is emailed and/or posted to the webhook, as the settings say.
    planDeliveries: (e, message) => {
      const departments = knowledge().kb.departments;
      const department = departments.get(e.department) ?? departments.get(GENERAL_DEPARTMENT)!;
      return plannedDeliveries(deliverySettings, {
        escalationId: e.id,
        department: { id: e.department, name: department.name, email: department.email },
        reason: e.reason,
        leftAt: new Date(e.queuedAt),
        ...message,
        ...(e.summary !== undefined && { summary: e.summary }),
        ...(e.entryId !== undefined && { entryId: e.entryId }),
      });
    },
    atomically: (work) => backend.sql.transaction(work),
    settings: {
      timeZone: config.PARLEY_TIMEZONE,
      chatsPerAgent: config.PARLEY_CHATS_PER_AGENT,
      maxWaitMinutes: config.PARLEY_MAX_WAIT_MINUTES,
      defaultHandlingMinutes: config.PARLEY_DEFAULT_HANDLING_MINUTES,
      messageReplyHours: config.PARLEY_MESSAGE_REPLY_HOURS,
    },
  });
  // What residents asked that the bot could not answer, for content editors (kb:gaps, the console's
  // Knowledge gaps), and every step of a conversation and of the desk, kept as events without
  // personal data for the reports (handoff/reporting/). Written in the background: a failed write
  // is logged and the resident still gets their reply.
  const gaps = new SqlGapStore(backend.sql, { timeZone: config.PARLEY_TIMEZONE });
  const reportEvents = new SqlReportEventStore(backend.sql);
  const deskRecorder = recordDeskEvents({ events, store: reportEvents, reasonOf: async (id) => (await queue.get(id))?.reason, now, log });
  const outcomes = outcomeRecorder({ events: reportEvents, gaps, now, log });
  const bot = new ParleyBot(states, conversation, desk, now, postcodesGiven, outcomes.record);

  const server = createServer({
    adapter,
    bot,
    // From the version in force, which its commit wrote to the bin tables: /healthz must not need the database.
    health: () => ({ entries: knowledge().kb.entries.length, postcodes: knowledge().bins.postcodes.length, knowledge: reloader.status() }),
    readiness: async () => {
      if (stopping) throw new Error('shutting down');
      await ready;
      await backend.ping().catch((err: Error) => {
        throw new Error(`the database does not answer: ${err.message}`);
      });
      return { database: backend.label.split(' ')[0], knowledgeVersion: reloader.status().version };
    },
    rateLimits: { perConversation: config.PARLEY_RATE_PER_CONVERSATION, perAddress: config.PARLEY_RATE_PER_ADDRESS },
    turns: new TurnLimit(config.PARLEY_CONCURRENT_TURNS),
  });

  const consoleApi = mountConsoleApi(server, {
    agents,
    sessions,
    queue,
    messages: liveMessages,
    // Proactive: the agent's reply goes out through the adapter to the resident's own channel.
    sendToResident: (reference, message) =>
      adapter.continueConversationAsync(config.MicrosoftAppId, fromThisInstance(reference as Partial<ConversationReference>), async (context) => {
        await context.sendActivity(message);
      }),
    waitMinutes: (department, position) => desk.waitFor(department, position, now()),
    transcript: async (e) => {
      const channelId = (e.reference as { channelId?: string } | null)?.channelId;
      return channelId ? transcripts.transcriptOf(channelId, e.conversationId) : [];
    },
    departments: following(() => new Set(knowledge().kb.departments.keys())),
    departmentName: (id) => knowledge().kb.departments.get(id)?.name ?? id,
    now,
    log,
    secureCookie: !isLoopback(config.HOST),
    events,
    presence,
    roster,
    // Canned replies: the matcher's best entries for the agent's search.
    searchAnswers: (q) => {
      const { localMatcher, kb } = knowledge();
      return localMatcher.match(q, 5).flatMap((c) => {
        const entry = kb.byId.get(c.id);
        return entry ? [{ id: entry.id, title: entry.title, answer: entry.answer }] : [];
      });
    },
    realertMinutes: config.PARLEY_REALERT_MINUTES,
  });
  const sweep = () => sweepAbsentAgents({ queue, roster, returnChats: consoleApi.returnChats }, now());
  // One instance at a time sweeps (an advisory lock on PostgreSQL): residents are told once.
  const sweeper = setInterval(() => {
    backend.exclusively('grace-sweep', async () => void (await sweep())).catch((err: unknown) => log.error(`[grace sweep] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  }, SWEEP_EVERY_MS);
  // The sweep alone must not keep the process (or a test) alive.
  sweeper.unref();
  // A resident who leaves the queue with "cancel" moves everyone behind them up: tell them (once,
  // from the instance where they cancelled).
  events.subscribeLocal((e) => {
    if (e.type !== 'closed' || e.because !== 'cancelled-by-resident') return;
    consoleApi.announcePositions(e.department).catch((err: unknown) => log.error(`[queue] announcing places after a cancel: ${String(err)}`));
  });

  mountMessagesApi(server, { agents, sessions, queue, leftMessages, events, departmentName: (id) => knowledge().kb.departments.get(id)?.name ?? id, now, log });
  // Supervisors see the same report as kb:gaps, over the knowledge base in force.
  const gapsReport = async (since?: string) => {
    const { kb, localMatcher } = knowledge();
    return reportGaps(await gaps.list({ since }), { kb, matcher: localMatcher }, { since });
  };
  mountGapsApi(server, { agents, sessions, report: gapsReport, now, log });
  // Supervisors' figures (GET /api/console/report) and dashboard (/console/dashboard), from the events alone.
  mountReporting(server, {
    agents,
    sessions,
    store: reportEvents,
    timeZone: config.PARLEY_TIMEZONE,
    costs: { perCall: config.PARLEY_COST_PER_CALL, perChat: config.PARLEY_COST_PER_CHAT },
    departments: () => [...knowledge().kb.departments.values()].map((d) => ({ id: d.id, name: d.name })),
    entryTitle: (id) => knowledge().kb.byId.get(id)?.title,
    now,
    log,
  });
  // Left messages go out to mailboxes and the webhook from the outbox, retried until delivered.
  const deliveries = new DeliveryWorker({
    store: leftMessages,
    ...(config.PARLEY_SMTP_URL && { smtpUrl: config.PARLEY_SMTP_URL }),
    ...(config.PARLEY_MESSAGE_WEBHOOK_URL && {
      webhook: { url: config.PARLEY_MESSAGE_WEBHOOK_URL, ...(config.PARLEY_MESSAGE_WEBHOOK_SECRET && { secret: config.PARLEY_MESSAGE_WEBHOOK_SECRET }) },
    }),
    log,
    now,
  });
  deliveries.start(DELIVER_EVERY_MS);
  // Duty officers watching a Teams channel get a card for each resident who joins the queue. Its
  // own adapter: the cards are no resident's conversation, so no transcript logging, and a failure
  // is logged by the notifier rather than answered with the residents' error message.
  const teamsChannel = config.PARLEY_TEAMS_ESCALATION_CHANNEL;
  const teams =
    teamsChannel &&
    notifyTeamsOfEscalations({
      events,
      queue,
      adapter: new CloudAdapter(auth),
      appId: config.MicrosoftAppId,
      channel: teamsChannel,
      departmentName: (id) => knowledge().kb.departments.get(id)?.name ?? id,
      publicUrl: config.publicUrl,
      timeZone: config.PARLEY_TIMEZONE,
      now,
      log,
    });

  mountConsolePage(server);

  // Website chat. Local mode: Parley's own Direct Line channel, which posts residents' activities
  // to /api/messages as Azure would and takes the bot's replies at serviceUrl (this server).
  // With an app id, Azure's Direct Line is the channel: only the page's token endpoint is here.
  let selfUrl = `http://${config.HOST}:${config.PORT}`;
  // The resident's reference names the instance they were on when they escalated; with several
  // instances the officer may reply from another, and that one may since have stopped. In local
  // mode the web channel's Connector routes are on every instance and its activities in the shared
  // database, so a proactive reply is posted to this instance instead.
  const fromThisInstance = (reference: Partial<ConversationReference>): Partial<ConversationReference> =>
    config.localMode && reference.channelId === 'directline' ? { ...reference, serviceUrl: `${selfUrl}/` } : reference;
  const webChannel = config.localMode
    ? mountLocalDirectLine(server, {
        sql: backend.sql,
        broadcast: backend.broadcast,
        ready,
        selfUrl: () => selfUrl,
        ...(config.PARLEY_PUBLIC_URL && { publicUrl: config.PARLEY_PUBLIC_URL }),
        tokenLifetimeMs: config.PARLEY_WEBCHAT_TOKEN_MINUTES * 60_000,
        retentionMs: config.PARLEY_WEBCHAT_RETENTION_HOURS * 3_600_000,
        maxActivityBytes: config.PARLEY_WEBCHAT_MAX_MESSAGE_BYTES,
        now,
        log,
      })
    : mountAzureDirectLineTokens(server, { secret: config.PARLEY_DIRECTLINE_SECRET, domain: config.PARLEY_DIRECTLINE_DOMAIN, log });
  // Retention: residents' personal data older than PARLEY_RETENTION_DAYS goes once a day (and at
  // start). The same work as `npm run purge`; erasure of one conversation is `npm run erase`.
  const retentionDays = config.PARLEY_RETENTION_DAYS;
  let purged: Promise<void> = Promise.resolve();
  const purge = () => {
    if (retentionDays === undefined) return;
    // Once a day on one instance, not once per instance (an advisory lock on PostgreSQL).
    purged = backend
      .exclusively('retention-purge', async () => {
        const counts = await purgePersonalData(backend.sql, now(), retentionDays);
        log.info(`[retention] removed data older than ${retentionDays} days: ${JSON.stringify(counts)}`);
      })
      .then(
        () => undefined,
        (err: unknown) => log.error(`[retention] purge failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`),
      );
  };
  const purger = retentionDays === undefined ? undefined : setInterval(purge, PURGE_EVERY_MS);
  purger?.unref();
  // Once the tables exist (a failed migration is listen()'s to report).
  void ready.then(purge, () => undefined);

  // The demo council site at / with the "Ask us" widget (Web Chat served from node_modules).
  mountWebsite(server, {
    rules: loadProactiveRules(config.PARLEY_PROACTIVE_RULES),
    retentionHours: config.PARLEY_WEBCHAT_RETENTION_HOURS,
    ...(!config.localMode && { azureDirectLine: config.PARLEY_DIRECTLINE_DOMAIN }),
    ...(config.PARLEY_PUBLIC_URL && { publicUrl: config.PARLEY_PUBLIC_URL }),
  });

  return {
    listen: async () => {
      await ready;
      await reloader.ready();
      await presenceStarted;
      // Listening for the other instances' events before serving, so none is missed.
      if (backend instanceof PostgresBackend) await backend.broadcast.ready();
      return new Promise((resolve) => {
        server.listen(config.PORT, config.HOST, () => {
          const { port } = server.address() as AddressInfo;
          selfUrl = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
          resolve(`http://${config.HOST}:${port}`);
        });
      });
    },
    sweepAbsentAgents: sweep,
    deliverLeftMessages: () => deliveries.runDue(now()),
    close: () =>
      new Promise((resolve) => {
        stopping = true;
        clearInterval(sweeper);
        clearInterval(presenceBeat);
        clearInterval(purger);
        reloader.close();
        // Open event streams would hold the server open for ever; their agents are recorded
        // disconnected before the database closes.
        const consoleClosed = consoleApi.close();
        // The web channel first: in local mode a resident's message still on its way to the bot
        // is answered through this server's own Connector routes, so the listener closes once
        // those turns are done (or after the channel's DRAIN_MS). Then its open sockets close (its
        // purge in progress finishes before the database closes).
        const webChannelClosed = webChannel.close();
        void webChannelClosed.finally(() => server.close(() => {
          // A send or a purge in progress finishes (and a send is recorded) before the database
          // closes; so do the reporting events and gaps still being written.
          void Promise.all([deliveries.stop(), teams?.close(), matchThread?.close(), purged, webChannelClosed, consoleClosed, deskRecorder.idle(), outcomes.idle(), transcripts.idle()]).finally(() => {
            // On SQLite this checkpoints the write-ahead log into the main file (SqliteBackend.close).
            backend.close().then(resolve, (err: unknown) => {
              log.error(`[shutdown] closing the database: ${err instanceof Error ? err.message : String(err)}`);
              resolve();
            });
          });
        }));
      }),
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  let app: App;
  let url: string;
  try {
    app = createApp(config);
    url = await app.listen();
  } catch (err) {
    // A read-only, full or damaged database, or a PostgreSQL server that cannot be reached or
    // refuses the login, stops the start with a message saying so.
    throw storageFailure(err, config.DATABASE_URL ? postgresLabel(config.DATABASE_URL) : config.databaseFile) ?? err;
  }
  console.info(`Parley is listening on ${url}/api/messages (${config.localMode ? 'local mode: no authentication' : 'authenticated'})`);
  console.info(`The demo council site with the chat widget is at ${url}/ and the duty officers' console at ${url}/console`);
  // Turns and console calls in flight finish; a stuck one (a channel that never answers) must not
  // keep the process from stopping for ever.
  const stop = async (signal: string) => {
    console.info(`${signal}: finishing what is in flight, then stopping`);
    setTimeout(() => {
      console.error(`Still not stopped ${SHUTDOWN_LIMIT_MS / 1000} s after ${signal}: exiting with work unfinished`);
      process.exit(1);
    }, SHUTDOWN_LIMIT_MS).unref();
    try {
      await app.close();
      process.exit(0);
    } catch (err) {
      console.error(`Stopping Parley: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

if (require.main === module) {
  main().catch((err: unknown) => {
    // Config and knowledge errors carry their own readable message; anything else, the stack.
    // Problems a council can fix (settings, content, install) print their own message; anything else, the stack.
    const readable = err instanceof ConfigError || (err instanceof Error && ['KnowledgeError', 'MissingWordVectorsError', 'MissingContentError', 'ProactiveRulesError', 'DatabaseUnavailableError'].includes(err.name));
    console.error(readable ? (err as Error).message : err);
    process.exit(1);
  });
}
