import type { Request, Response, Server } from 'restify';
import type { z } from 'zod';
import { HttpError, parse } from '../../handoff/http';

/**
 * Answers in the shape both Direct Line and the Bot Connector use for errors,
 * `{error: {code, message}}` (the console API's flat `{error, message}` would confuse Web Chat
 * and botbuilder's connector client alike). HttpError and parse come from handoff/http.ts.
 */

export const errorBody = (code: string, message: string) => ({ error: { code, message } });

/** A request body that fits the schema, or a 400 `BadArgument` naming every field that does not. */
export function parseBody<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  try {
    return parse(schema, value);
  } catch (err) {
    if (err instanceof HttpError) throw new HttpError(400, 'BadArgument', err.message);
    throw err;
  }
}

/** Runs a handler: HttpErrors become their answers; anything else is logged and a plain 500. */
export const routeWith =
  (log: Pick<Console, 'error'>, { jsonOnly = true } = {}) =>
  (handler: (req: Request, res: Response) => Promise<void> | void) =>
  async (req: Request, res: Response) => {
    try {
      // A page on another site can post a form or text/plain here without asking first; JSON
      // it cannot send cross-site without a CORS preflight, which this server never grants.
      if (jsonOnly && req.method === 'POST' && req.contentLength() > 0 && !req.is('json')) {
        throw new HttpError(415, 'BadArgument', 'Send JSON (content-type: application/json).');
      }
      await handler(req, res);
    } catch (err) {
      if (err instanceof HttpError) return void res.send(err.status, errorBody(err.code, err.message));
      log.error(`[directline] ${req.method} ${req.path()}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      res.send(500, errorBody('ServiceError', 'Something went wrong on the server; it has been logged.'));
    }
  };

const RESTIFY_CODES: Record<number, string> = { 400: 'BadSyntax', 404: 'NotFound', 413: 'MessageSizeTooBig' };

/**
 * restify's own refusals (unparseable JSON, a body over its parser's limit, no such route)
 * happen before any route runs; on the channel's paths they are reshaped to `{error: {code, message}}` too.
 */
export function reshapeRestifyErrors(server: Server, isChannelPath: (path: string) => boolean): void {
  server.on('restifyError', (req: Request, _res: Response, err: Error & { statusCode?: number; toJSON?: () => unknown }, callback: () => void) => {
    if (isChannelPath(req.path())) {
      const status = err.statusCode ?? 500;
      const code = RESTIFY_CODES[status] ?? (status < 500 ? 'BadArgument' : 'ServiceError');
      const message = status === 400 ? 'The body is not valid JSON.' : err.message;
      err.toJSON = () => errorBody(code, message);
    }
    callback();
  });
}
