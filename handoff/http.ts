import type { Request, Response } from 'restify';
import { z } from 'zod';
import type { Agent, AgentStore } from './agents';
import type { Session, SessionStore } from './sessions';

/**
 * What every console route shares: typed refusals, zod parsing of bodies, the session cookie and
 * CSRF check, and the wrapper that turns errors into answers. The routes live in consoleApi.ts
 * and beside it; this module has no routes of its own.
 */

export const SESSION_COOKIE = 'parley_session';

/** A refusal with its HTTP status and a stable `error` code that scripts can test. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function cookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k !== name) continue;
    try {
      return decodeURIComponent(v.join('='));
    } catch {
      return undefined; // a mangled cookie is no cookie: the answer is 401, not a crash
    }
  }
  return undefined;
}

/** The value if it fits the schema; otherwise a 400 naming every field that does not. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const reason = result.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    throw new HttpError(400, 'bad-request', reason);
  }
  return result.data;
}

export const idParam = z.coerce.number().int().positive();

/**
 * Runs a handler: changes must be JSON (a form post from another site cannot sign anyone in),
 * HttpErrors become their answers, anything else is logged and a plain 500 (no internals shown).
 */
export const routeWith =
  (log: Pick<Console, 'error'>) => (handler: (req: Request, res: Response) => Promise<void> | void) => async (req: Request, res: Response) => {
    try {
      if (req.method === 'POST' && req.contentLength() > 0 && !req.is('json')) {
        throw new HttpError(415, 'unsupported-media-type', 'Send JSON (content-type: application/json).');
      }
      await handler(req, res);
    } catch (err) {
      if (err instanceof HttpError) return void res.send(err.status, { error: err.code, message: err.message });
      log.error(`[console] ${req.method} ${req.path()}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      res.send(500, { error: 'internal', message: 'Something went wrong on the server; it has been logged.' });
    }
  };

/**
 * Builds the check every console route starts with: the signed-in agent, or a 401; for changes,
 * a 403 without the session's CSRF token in `x-csrf-token`.
 */
export const signedInWith =
  (agents: AgentStore, sessions: SessionStore, now: () => Date) =>
  async (req: Request, change: boolean): Promise<{ agent: Agent; session: Session }> => {
    const token = cookie(req, SESSION_COOKIE);
    const session = token ? await sessions.touch(token, now()) : undefined;
    if (!session) throw new HttpError(401, 'not-signed-in', 'Sign in first (or your session has expired).');
    const agent = await agents.byId(session.agentId);
    if (!agent) throw new HttpError(401, 'not-signed-in', 'This agent no longer exists.');
    if (change && req.headers['x-csrf-token'] !== session.csrfToken) {
      throw new HttpError(403, 'csrf', 'Missing or wrong x-csrf-token header.');
    }
    return { agent, session };
  };

/** Supervisors serve every department; other agents the ones they are set up for. */
export const mayServe = (agent: Agent, department: string) => agent.role === 'supervisor' || agent.departments.includes(department);
