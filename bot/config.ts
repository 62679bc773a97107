import path from 'node:path';
import { z } from 'zod';
import { teamsChannelSetting } from './teams/channel';

/**
 * Every setting Parley reads from the environment, with its default.
 * This is the only module that reads process.env; everything else receives a Config.
 * Keep .env.example in step with this schema.
 */
const LOOPBACK = ['localhost', '127.0.0.1', '::1'];

export function isLoopback(host: string): boolean {
  return LOOPBACK.includes(host);
}
const number = (fallback: number) => z.coerce.number().finite().default(fallback);
const unitInterval = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);

export const configSchema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65535).default(3978),
    HOST: z.string().default('localhost'),
    PARLEY_DATA_DIR: z.string().min(1).default('./data'),
    /**
     * postgres://user:password@host:5432/parley puts every store on PostgreSQL, shared by any
     * number of Parley instances; unset, one SQLite file in PARLEY_DATA_DIR.
     */
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\/./, 'expected a postgres:// or postgresql:// URL')
      .optional(),
    PARLEY_KNOWLEDGE_DIR: z.string().min(1).default('./knowledge'),
    /** Watch the knowledge folder and swap in a valid edit without a restart (`off`: read once at start). */
    PARLEY_KNOWLEDGE_RELOAD: z.enum(['on', 'off'], { message: 'expected on or off' }).default('on'),
    /** Match residents' questions on a thread of their own (`off`: on the thread that answers HTTP). */
    PARLEY_MATCHER_THREAD: z.enum(['on', 'off'], { message: 'expected on or off' }).default('on'),
    /** Turns this instance runs at once; more wait their turn in order (bot/turnLimit.ts). 0: no limit. */
    PARLEY_CONCURRENT_TURNS: number(48).pipe(z.number().int().min(0)),
    PARLEY_ANSWER_THRESHOLD: unitInterval(0.37),
    PARLEY_SUGGEST_THRESHOLD: unitInterval(0.34),
    PARLEY_MISSES_BEFORE_OFFER: number(2).pipe(z.number().int().min(1)),
    PARLEY_TIMEZONE: z.string().default('Europe/London'),
    PARLEY_CHATS_PER_AGENT: number(3).pipe(z.number().int().min(1)),
    PARLEY_MAX_WAIT_MINUTES: number(15).pipe(z.number().min(0)),
    PARLEY_DEFAULT_HANDLING_MINUTES: number(8).pipe(z.number().min(1)),
    PARLEY_SESSION_IDLE_MINUTES: number(30).pipe(z.number().int().min(1)),
    PARLEY_SESSION_MAX_HOURS: number(12).pipe(z.number().int().min(1)),
    /** Working hours a department takes to answer a left message ("reply by" is worked out from it). */
    PARLEY_MESSAGE_REPLY_HOURS: number(8).pipe(z.number().min(0)),
    /** Where left messages are emailed (each department's `email`): smtp://user:pass@host:587; unset, no email. */
    PARLEY_SMTP_URL: z.string().url().optional(),
    PARLEY_SMTP_FROM: z.string().default('Parley <parley@localhost>'),
    /** Left messages are also posted as JSON here (e.g. the council's CRM); unset, no webhook. */
    PARLEY_MESSAGE_WEBHOOK_URL: z.string().url().optional(),
    /** Signs each webhook body (HMAC-SHA256 in x-parley-signature) so the receiver can trust it. */
    PARLEY_MESSAGE_WEBHOOK_SECRET: z.string().optional(),
    /**
     * The address residents and officers reach Parley at (links in emails and Teams cards, the
     * web chat's WebSocket URL). Unset: http://HOST:PORT.
     */
    PARLEY_PUBLIC_URL: z.string().url().optional(),
    /** A chat waiting longer than this alerts the console again. */
    PARLEY_REALERT_MINUTES: number(3).pipe(z.number().min(0.1)),
    /** An agent away or disconnected this long gives their chats back to the queue. */
    PARLEY_AGENT_GRACE_SECONDS: number(120).pipe(z.number().min(0)),
    /**
     * For the reports' estimate of money saved (pounds): a phone call to the contact centre, and a
     * chat handled by an officer. Illustrative defaults: set the council's own figures.
     */
    PARLEY_COST_PER_CALL: number(3).pipe(z.number().min(0)),
    PARLEY_COST_PER_CHAT: number(2).pipe(z.number().min(0)),
    /** Teams channel for new-escalation cards, as JSON {serviceUrl, conversationId, tenantId}; unset, no cards. */
    PARLEY_TEAMS_ESCALATION_CHANNEL: teamsChannelSetting.optional(),
    /** The Teams app package (`npm run teams:package`): the council as Teams shows it, and its pages. */
    PARLEY_TEAMS_COUNCIL_NAME: z.string().min(1).max(32).default('Brackenford Borough Council'),
    PARLEY_TEAMS_WEBSITE_URL: z.string().url().default('https://www.brackenford.example/'),
    PARLEY_TEAMS_PRIVACY_URL: z.string().url().default('https://www.brackenford.example/privacy'),
    PARLEY_TEAMS_TERMS_URL: z.string().url().default('https://www.brackenford.example/terms'),
    MicrosoftAppId: z.string().default(''),
    MicrosoftAppPassword: z.string().default(''),
    MicrosoftAppType: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
    MicrosoftAppTenantId: z.string().default(''),
    /**
     * Where botbuilder fetches the public keys that sign channels' and the Emulator's tokens (named as
     * botbuilder names them). Unset: Microsoft's own (login.botframework.com and
     * login.microsoftonline.com), which is right for every council; tests point them at a local server.
     */
    ToBotFromChannelOpenIdMetadataUrl: z.string().url().optional(),
    ToBotFromEmulatorOpenIdMetadataUrl: z.string().url().optional(),
    /** For `npm run agents -- add` in scripts; unset, the command asks at a prompt. */
    PARLEY_AGENT_PASSWORD: z.string().optional(),
    /** Web Chat renews its token every 15 minutes, so a shorter life would cut chats off. */
    PARLEY_WEBCHAT_TOKEN_MINUTES: number(30).pipe(z.number().int().min(20).max(1440)),
    /** The largest activity a browser may post, in bytes of JSON (413 above it). */
    PARLEY_WEBCHAT_MAX_MESSAGE_BYTES: number(16384).pipe(z.number().int().min(1024).max(256 * 1024)),
    /** The web channel's delivery buffer keeps activities, and idle conversations, this long. */
    PARLEY_WEBCHAT_RETENTION_HOURS: number(24).pipe(z.number().int().min(1).max(24 * 30)),
    /** YAML file of proactive chat offers for the demo page; unset, no offers. */
    PARLEY_PROACTIVE_RULES: z.string().optional(),
    /** With MicrosoftAppId set: the Direct Line secret the token endpoint trades for tokens. */
    PARLEY_DIRECTLINE_SECRET: z.string().optional(),
    PARLEY_DIRECTLINE_DOMAIN: z.string().url().default('https://directline.botframework.com/v3/directline'),
    /**
     * Requests a minute one conversation may make to /api/messages and the web chat routes, and one
     * address to the web chat routes (429 with Retry-After above it); 0 turns a limit off. A resident
     * types far slower; Web Chat's polling fallback makes about one request a second.
     */
    PARLEY_RATE_PER_CONVERSATION: number(120).pipe(z.number().int().min(0)),
    PARLEY_RATE_PER_ADDRESS: number(600).pipe(z.number().int().min(0)),
    /**
     * Days residents' personal data is kept (transcripts, live messages, closed chats' addresses,
     * answered messages' contact details, bot state, web chat); a daily job removes older data.
     * Unset: kept until `npm run purge`. See handoff/privacy.ts.
     */
    PARLEY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  })
  .refine((c) => c.PARLEY_SUGGEST_THRESHOLD <= c.PARLEY_ANSWER_THRESHOLD, {
    path: ['PARLEY_SUGGEST_THRESHOLD'],
    message: 'must not be above PARLEY_ANSWER_THRESHOLD',
  })
  .refine((c) => isTimeZone(c.PARLEY_TIMEZONE), { path: ['PARLEY_TIMEZONE'], message: 'is not an IANA time zone' })
  // Without an app id the adapter accepts unauthenticated activities and posts replies to any
  // serviceUrl they name: only safe when nothing but this machine can reach it.
  .refine((c) => c.MicrosoftAppId !== '' || isLoopback(c.HOST), {
    path: ['HOST'],
    message: 'local mode (no MicrosoftAppId) listens on localhost only: set MicrosoftAppId to listen on other addresses',
  });

export type Env = z.infer<typeof configSchema>;

export interface Config extends Env {
  /** Absolute path of the folder holding the SQLite files; created at start if missing. */
  dataDir: string;
  /** The SQLite file every store shares (when DATABASE_URL is unset). */
  databaseFile: string;
  knowledgeDir: string;
  /** PARLEY_PUBLIC_URL without a trailing slash, or http://HOST:PORT. */
  publicUrl: string;
  /** Local mode: no app id, so the adapter accepts unauthenticated requests from localhost channels. */
  localMode: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates the environment once; throws a ConfigError naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // Empty strings in .env files mean "not set": let the defaults apply.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(given);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const name = issue.path.join('.') || '(environment)';
        const value = typeof issue.path[0] === 'string' ? given[issue.path[0]] : undefined;
        return `${name}: ${issue.message}${value === undefined ? '' : ` (got "${value}")`}`;
      }),
    );
  }
  const c = parsed.data;
  return {
    ...c,
    dataDir: path.resolve(cwd, c.PARLEY_DATA_DIR),
    databaseFile: path.join(path.resolve(cwd, c.PARLEY_DATA_DIR), 'parley.sqlite'),
    knowledgeDir: path.resolve(cwd, c.PARLEY_KNOWLEDGE_DIR),
    publicUrl: (c.PARLEY_PUBLIC_URL ?? `http://${c.HOST}:${c.PORT}`).replace(/\/+$/, ''),
    localMode: c.MicrosoftAppId === '',
  };
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
