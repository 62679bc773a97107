import type { Request, Response, Next } from 'restify';

/**
 * Token buckets for the public endpoints: each key (a conversation, an address) may spend up to
 * `perMinute` requests at once and earns them back at `perMinute` a minute. Time is the process's
 * monotonic clock, not the app's business clock: tests freeze the business clock, and a limit is
 * about how fast requests really arrive.
 */
export interface BucketOptions {
  perMinute: number;
  /** Keys kept at most; the least recently used go first (a full bucket carries no information). */
  maxKeys?: number;
  /** Milliseconds, monotonic. */
  clock?: () => number;
}

export type Take = { ok: true } | { ok: false; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A bucket earns `perMinute` a minute and holds at most that, and never goes below 0: a minute
 * after its last request it is full, the same as a key never seen, so it can be forgotten.
 */
const FULL_AFTER_MS = 60_000;

export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();
  private readonly perMs: number;
  private readonly maxKeys: number;
  private readonly clock: () => number;

  constructor(private readonly options: BucketOptions) {
    if (!(options.perMinute > 0)) throw new RangeError(`perMinute must be above 0 (got ${options.perMinute})`);
    this.perMs = options.perMinute / 60_000;
    this.maxKeys = options.maxKeys ?? 100_000;
    this.clock = options.clock ?? (() => performance.now());
  }

  take(key: string): Take {
    const now = this.clock();
    const capacity = this.options.perMinute;
    const old = this.buckets.get(key);
    const tokens = old ? Math.min(capacity, old.tokens + (now - old.at) * this.perMs) : capacity;
    // Re-inserting moves the key to the end of the Map's order: the front is least recently used.
    this.buckets.delete(key);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: now });
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / this.perMs / 1000)) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: now });
    this.forgetFull(now);
    while (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return { ok: true };
  }

  /**
   * Drops the buckets that are full again, oldest first. Without this every conversation ever
   * seen kept its bucket until maxKeys (a soak's heap grew by one per conversation). The Map is in
   * order of last request, so the full ones are at the front and the loop stops at the first that
   * is not: a few steps per request.
   */
  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at < FULL_AFTER_MS) return;
      this.buckets.delete(key);
    }
  }

  get size(): number {
    return this.buckets.size;
  }
}

export interface RateLimits {
  /** Requests a minute per conversation (0: no limit). */
  perConversation: number;
  /** Requests a minute per client address on the web chat routes (0: no limit). */
  perAddress: number;
  clock?: () => number;
}

/**
 * Which limits a request counts against. Azure's channels all post to /api/messages from Azure's
 * own addresses (and Parley's own channel from this machine), so there only the conversation is a
 * fair key. The web chat routes are called by residents' browsers: by address and, once a
 * conversation exists, by conversation too. Everything else (the console, the bot's replies to
 * the local Connector routes) is not limited here: the console has its own sign-in limit.
 */
export function keysOf(req: Request): { conversation?: string; address?: string } {
  const path = req.getPath();
  if (req.method === 'POST' && path === '/api/messages') {
    const id = (req.body as { conversation?: { id?: unknown } } | undefined)?.conversation?.id;
    return typeof id === 'string' && id !== '' ? { conversation: id } : {};
  }
  if (path === '/api/directline/token' || path.startsWith('/v3/directline/')) {
    const address = req.socket.remoteAddress ?? 'unknown';
    const m = /^\/v3\/directline\/conversations\/([^/]+)/.exec(path);
    return m ? { address, conversation: decodeURIComponent(m[1]!) } : { address };
  }
  return {};
}

/** A restify handler answering 429 with Retry-After once a key's bucket is empty. */
export function rateLimiter(limits: RateLimits) {
  const clock = limits.clock ?? (() => performance.now());
  const byConversation = limits.perConversation > 0 ? new TokenBuckets({ perMinute: limits.perConversation, clock }) : undefined;
  const byAddress = limits.perAddress > 0 ? new TokenBuckets({ perMinute: limits.perAddress, clock }) : undefined;
  return (req: Request, res: Response, next: Next): void => {
    const keys = keysOf(req);
    // Address first: a flood of made-up conversation ids from one address must still be stopped.
    const taken = [keys.address !== undefined && byAddress?.take(keys.address), keys.conversation !== undefined && byConversation?.take(keys.conversation)];
    const refused = taken.find((t): t is Extract<Take, { ok: false }> => typeof t === 'object' && !t.ok);
    if (!refused) return next();
    res.header('Retry-After', String(refused.retryAfterSeconds));
    res.send(429, { error: 'TooManyRequests', message: `Too many requests: try again in ${refused.retryAfterSeconds} seconds.` });
    return next(false);
  };
}
