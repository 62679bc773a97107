import type { Server } from 'restify';
import { z } from 'zod';
import type { GapReport } from '../knowledge/gaps/report';
import { calendarDate } from '../knowledge/schema';
import type { AgentStore } from './agents';
import { HttpError, parse, routeWith, signedInWith } from './http';
import type { SessionStore } from './sessions';

/**
 * GET /api/console/gaps: what residents asked that the bot could not answer, grouped (the same
 * report as `npm run kb:gaps -- --json`). For supervisors only: the gaps are about the content
 * across every department, which supervisors and the content editors they work with look after;
 * an agent's job is the chats in front of them. Same session rules as the rest of the console API.
 */

export interface GapsApiDeps {
  agents: AgentStore;
  sessions: SessionStore;
  /** The report from the given council date (YYYY-MM-DD), or over everything recorded. */
  report: (since: string | undefined) => Promise<GapReport>;
  now: () => Date;
  log: Pick<Console, 'error'>;
}

const gapsQuery = z.object({ since: calendarDate.optional() });

export function mountGapsApi(server: Server, deps: GapsApiDeps): void {
  const signedIn = signedInWith(deps.agents, deps.sessions, deps.now);
  const route = routeWith(deps.log);

  server.get(
    '/api/console/gaps',
    route(async (req, res) => {
      const { agent } = await signedIn(req, false);
      if (agent.role !== 'supervisor') throw new HttpError(403, 'supervisors-only', 'Knowledge gaps are for supervisors.');
      const { since } = parse(gapsQuery, Object.fromEntries(new URLSearchParams(req.getQuery())));
      res.send(200, await deps.report(since));
    }),
  );
}
