import { createHmac } from 'node:crypto';
import nodemailer from 'nodemailer';
import { z } from 'zod';
import type { Contact, Delivery, DeliveryChannel, LeftMessageStore, NewLeftMessage } from './leftMessages';
import { dateFormat } from '../knowledge/dateFormat';

/**
 * Delivering left messages where departments already work: their mailbox (email through the
 * council's SMTP server) and a webhook (e.g. the council's CRM). `plannedDeliveries` builds
 * what to send when the message is left; the desk stores it in the outbox with the message
 * (handoff/leftMessages.ts), and `DeliveryWorker` sends due rows, retrying with back-off until
 * each is delivered. Delivery is at least once: a crash between sending and marking re-sends,
 * so each send carries a key the receiver can use to ignore a repeat.
 */

export interface DeliverySettings {
  /** The council's time zone, for "reply by" in the email. */
  timeZone: string;
  /** Set when PARLEY_SMTP_URL is: each message is emailed to its department's mailbox. */
  smtp?: { from: string };
  /** Set when PARLEY_MESSAGE_WEBHOOK_URL is: each message is posted there as JSON. */
  webhookUrl?: string;
}

/** A line of the conversation before the message, already redacted. */
export interface TranscriptLine {
  from: 'resident' | 'bot';
  text: string;
}

/** What the deliveries of one left message say. The question and transcript are already redacted. */
export interface LeftMessageFacts {
  escalationId: number;
  department: { id: string; name: string; email: string };
  /** Why the resident could not chat live: closed, nobody-on-duty, overflow. */
  reason: string;
  question: string;
  contact: Contact;
  leftAt: Date;
  replyBy?: Date;
  /** The short summary the queue shows, and the knowledge-base entry it was about. */
  summary?: string;
  entryId?: string;
  transcript?: readonly TranscriptLine[];
}

export const emailPayloadSchema = z.strictObject({
  from: z.string().min(1),
  to: z.string().min(1),
  subject: z.string(),
  text: z.string(),
  /** The same on every attempt: a mail client can tell a repeat from a new message. */
  messageId: z.string(),
});
export type EmailPayload = z.infer<typeof emailPayloadSchema>;

/** A delivery is shown as failing in the console once this many attempts have failed. */
export const FAILING_AFTER = 5;
const FIRST_RETRY_MS = 30_000;
const LONGEST_RETRY_MS = 60 * 60_000;
/**
 * How long one send may take, every part bounded: a receiver slower than this counts as a failure
 * (the next attempt may well succeed). The webhook's timeout covers the whole request; the SMTP
 * ones are nodemailer's: connecting (its DNS lookup included), the server's greeting, and each
 * silence in the conversation after it. A mail server that answers every command just inside the
 * socket timeout could go on for longer, so the whole email is also given up (its connection
 * closed) at the sum of the three.
 */
export interface SendTimeouts {
  webhookMs: number;
  smtpConnectionMs: number;
  smtpGreetingMs: number;
  smtpSocketMs: number;
}
export const SEND_TIMEOUTS: SendTimeouts = { webhookMs: 30_000, smtpConnectionMs: 15_000, smtpGreetingMs: 15_000, smtpSocketMs: 30_000 };
const emailDeadlineMs = (t: SendTimeouts) => t.smtpConnectionMs + t.smtpGreetingMs + t.smtpSocketMs;
/**
 * How long a row is held for the sender that claimed it, from the moment it is claimed: longer
 * than the sum of a send's timeouts, with a minute to record how it went. A shorter hold lets
 * another instance claim the row while this one is still sending it, and send it again.
 */
export const claimMs = (t: SendTimeouts) => Math.max(emailDeadlineMs(t), t.webhookMs) + 60_000;
export const CLAIM_MS = claimMs(SEND_TIMEOUTS);
/** Enough of an SMTP or network error to act on, without flooding the console. */
const MAX_ERROR_LENGTH = 300;

export const consoleLink = (escalationId: number) => `/console#message-${escalationId}`;
export const idempotencyKey = (escalationId: number, channel: DeliveryChannel) => `left-message-${escalationId}-${channel}`;

/** Wait after the `failures`-th failed attempt: 30 s, doubling each time, at most an hour. */
export function retryDelayMs(failures: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failures - 1), LONGEST_RETRY_MS);
}

export type DeliveryState = 'delivered' | 'pending' | 'failing';

export function deliveryState(d: Pick<Delivery, 'deliveredAt' | 'attempts'>): DeliveryState {
  if (d.deliveredAt) return 'delivered';
  return d.attempts >= FAILING_AFTER ? 'failing' : 'pending';
}

/** The outbox rows for a left message: one per channel the settings turn on. */
export function plannedDeliveries(settings: DeliverySettings, facts: LeftMessageFacts): NewLeftMessage['deliveries'] {
  return [
    ...(settings.smtp ? [{ channel: 'email' as const, payload: emailPayload(facts, settings.smtp.from, settings.timeZone) }] : []),
    ...(settings.webhookUrl ? [{ channel: 'webhook' as const, payload: webhookPayload(facts) }] : []),
  ];
}

const REASONS: Record<string, string> = {
  closed: 'the department was closed',
  'nobody-on-duty': 'nobody was available to chat',
  overflow: 'the wait to chat was too long',
};

/** The JSON a CRM receives. Field names are a contract with receivers: add, never rename. */
export function webhookPayload(f: LeftMessageFacts) {
  return {
    type: 'parley.message-left',
    reference: `left-message-${f.escalationId}`,
    escalationId: f.escalationId,
    department: f.department,
    reason: f.reason,
    question: f.question,
    contact: f.contact,
    leftAt: f.leftAt.toISOString(),
    replyBy: f.replyBy?.toISOString() ?? null,
    summary: f.summary ?? null,
    entryId: f.entryId ?? null,
    consoleLink: consoleLink(f.escalationId),
    transcript: f.transcript ?? [],
  };
}

/** The email a department's mailbox receives: plain text, the reply details first. */
export function emailPayload(f: LeftMessageFacts, from: string, timeZone: string): EmailPayload {
  const replyBy = f.replyBy && formatTime(f.replyBy, timeZone);
  // A subject is one line, whatever the summary holds.
  const about = f.summary ? `: ${f.summary.replace(/\s+/g, ' ').trim()}` : ` for ${f.department.name}`;
  const subject = `Message from a resident${about}${replyBy ? ` (reply by ${replyBy})` : ''}`;
  const how = f.contact.kind === 'email' ? `Email: ${f.contact.value}` : `Phone: ${f.contact.value}`;
  const lines = [
    `A resident left a message for ${f.department.name} because ${REASONS[f.reason] ?? f.reason}.`,
    '',
    ...(replyBy ? [`Reply by ${replyBy}.`, ''] : []),
    'Their question:',
    f.question,
    '',
    'How to reply:',
    how,
    '',
    ...(f.summary || f.entryId ? [`Topic: ${[f.summary, f.entryId && `(${f.entryId})`].filter(Boolean).join(' ')}`, ''] : []),
    `When you have replied, record your reply in the Parley console so the message is closed: ${consoleLink(f.escalationId)}`,
    ...(f.transcript?.length
      ? ['', 'The conversation before the message (personal details removed):', ...f.transcript.map((l) => `${l.from === 'resident' ? 'Resident' : 'Assistant'}: ${l.text}`)]
      : []),
    '',
    `Left at ${formatTime(f.leftAt, timeZone)}. Reference: left-message-${f.escalationId}.`,
  ];
  return {
    from,
    to: f.department.email,
    subject,
    text: `${lines.join('\n')}\n`,
    messageId: `<left-message-${f.escalationId}-${f.leftAt.getTime()}@parley>`,
  };
}

/** "12:30pm on Thursday 26 November 2026" in the council's zone (GOV.UK style: midday, 5pm). */
export function formatTime(at: Date, timeZone: string): string {
  const parts = dateFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const h = Number(parts.find((p) => p.type === 'hour')?.value);
  const m = Number(parts.find((p) => p.type === 'minute')?.value);
  const time =
    m === 0 && h === 12 ? 'midday' : m === 0 && h === 0 ? 'midnight' : `${h % 12 || 12}${m ? `:${String(m).padStart(2, '0')}` : ''}${h < 12 ? 'am' : 'pm'}`;
  const day = dateFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(at).replace(',', '');
  return `${time} on ${day}`;
}

export interface DeliveryWorkerOptions {
  store: Pick<LeftMessageStore, 'due' | 'claim' | 'markDelivered' | 'markFailed'>;
  /** PARLEY_SMTP_URL; without it, email rows wait (failing) until it is set. */
  smtpUrl?: string;
  /** PARLEY_MESSAGE_WEBHOOK_URL and _SECRET; without a URL, webhook rows wait likewise. */
  webhook?: { url: string; secret?: string };
  log: Pick<Console, 'error'>;
  /** SEND_TIMEOUTS unless given (tests give short ones); the claim is sized from them. */
  timeouts?: SendTimeouts;
  /** The clock: when the timer's runs start, when each row is claimed, and when its outcome is recorded. */
  now: () => Date;
}

export interface RunResult {
  delivered: number;
  failed: number;
}

type Outcome = { ok: true } | { ok: false; error: string };

/**
 * Sends the outbox. One run at a time (a second `runDue` waits for the first), so one process
 * never sends a row twice at once; each row is claimed before it is sent, so neither do several
 * instances sharing one database. Errors are logged with the escalation id and channel, never
 * the resident's words or contact: what an SMTP server or CRM says back is kept to its status.
 */
export class DeliveryWorker {
  private readonly mailer;
  private previous: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private readonly timeouts: SendTimeouts;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.timeouts = options.timeouts ?? SEND_TIMEOUTS;
    this.mailer = options.smtpUrl
      ? nodemailer.createTransport({
          url: options.smtpUrl,
          connectionTimeout: this.timeouts.smtpConnectionMs,
          greetingTimeout: this.timeouts.smtpGreetingMs,
          socketTimeout: this.timeouts.smtpSocketMs,
        })
      : undefined;
  }

  /**
   * Sends every row due at `now` once. Each row is claimed just before it is sent, and its outcome
   * recorded just after, at the clock's time then: a run can last minutes (up to 50 rows, one
   * after another), and a claim or retry timed from its start would already be in the past.
   */
  runDue(now: Date): Promise<RunResult> {
    const run = this.previous.then(() => this.deliverDue(now));
    this.previous = run.catch(() => undefined);
    return run;
  }

  /** Runs now and then every `intervalMs` after each run ends; never keeps the process alive. */
  start(intervalMs: number): void {
    if (this.timer || this.stopped) return;
    const tick = () => {
      this.runDue(this.options.now())
        .catch((err: unknown) => this.options.log.error(`[delivery] run failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`))
        .finally(() => {
          if (!this.stopped) this.timer = setTimeout(tick, intervalMs).unref();
        });
    };
    this.timer = setTimeout(tick, 0).unref();
  }

  /** Stops the timer and waits for a run in progress, so the database can close after. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.previous;
    this.mailer?.close();
  }

  private async deliverDue(now: Date): Promise<RunResult> {
    const result: RunResult = { delivered: 0, failed: 0 };
    const { store, log } = this.options;
    for (const delivery of await store.due(now)) {
      const claimedAt = this.options.now();
      // Another instance's worker may have taken it since the list was read.
      const claim = await store.claim(delivery.id, claimedAt, new Date(claimedAt.getTime() + claimMs(this.timeouts)));
      if (!claim) continue;
      const outcome = await this.send(delivery);
      const doneAt = this.options.now();
      const what = `left message ${delivery.escalationId} by ${delivery.channel}`;
      if (outcome.ok) {
        if ((await store.markDelivered(delivery.id, doneAt, claim.token)) === 'recorded') result.delivered++;
        else log.error(`[delivery] ${what}: sent, but its claim ran out first and another instance holds it now, so that instance records it`);
        continue;
      }
      const attempt = delivery.attempts + 1;
      const next = new Date(doneAt.getTime() + retryDelayMs(attempt));
      const error = outcome.error.slice(0, MAX_ERROR_LENGTH);
      if ((await store.markFailed(delivery.id, error, next, claim.token)) === 'not-held') {
        log.error(`[delivery] ${what}: attempt failed: ${error}; its claim ran out first and another instance holds it now, so that instance retries it`);
        continue;
      }
      log.error(`[delivery] ${what}: attempt ${attempt} failed: ${error}; next attempt at ${next.toISOString()}`);
      result.failed++;
    }
    return result;
  }

  private send(d: Delivery): Promise<Outcome> {
    return d.channel === 'email' ? this.sendEmail(d) : this.sendWebhook(d);
  }

  private async sendEmail(d: Delivery): Promise<Outcome> {
    if (!this.mailer) return { ok: false, error: 'no SMTP server is set (PARLEY_SMTP_URL)' };
    const mail = emailPayloadSchema.safeParse(d.payload);
    if (!mail.success) return { ok: false, error: `stored email is malformed: ${mail.error.issues.map((i) => i.path.join('.')).join(', ')}` };
    try {
      // The deadline closes the connection: a send given up on cannot still reach the mailbox later.
      await this.mailer.sendMail({
        ...mail.data,
        headers: { 'X-Parley-Reference': idempotencyKey(d.escalationId, 'email') },
        signal: AbortSignal.timeout(emailDeadlineMs(this.timeouts)),
      });
      return { ok: true };
    } catch (err) {
      return { ok: false, error: describe(err) };
    }
  }

  private async sendWebhook(d: Delivery): Promise<Outcome> {
    const webhook = this.options.webhook;
    if (!webhook) return { ok: false, error: 'no webhook URL is set (PARLEY_MESSAGE_WEBHOOK_URL)' };
    const body = JSON.stringify(d.payload);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': idempotencyKey(d.escalationId, 'webhook'),
      ...(webhook.secret && { 'x-parley-signature': signature(webhook.secret, body) }),
    };
    try {
      // A redirect is a failure, not something to follow: re-posting the body elsewhere is the receiver's call.
      const res = await fetch(webhook.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.timeout(this.timeouts.webhookMs) });
      // The answer's body is not read: a CRM may echo the resident's details back.
      await res.body?.cancel();
      return res.status >= 200 && res.status < 300 ? { ok: true } : { ok: false, error: `HTTP ${res.status}` };
    } catch (err) {
      return { ok: false, error: describe(err) };
    }
  }
}

/** `sha256=<hex>`: HMAC-SHA256 of the exact body bytes, for the receiver to recompute and compare. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * fetch hides the network cause ("fetch failed"); nodemailer puts the SMTP reply in the message.
 * Checked by shape, not `instanceof Error`: fetch's errors come from another realm under jest.
 */
function describe(err: unknown): string {
  if (typeof err !== 'object' || err === null || typeof (err as Error).message !== 'string') return String(err);
  const { message, cause } = err as { message: string; cause?: { code?: string; message?: string } };
  const detail = cause?.code ?? cause?.message;
  return detail ? `${message} (${detail})` : message;
}
