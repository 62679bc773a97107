import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import { z } from 'zod';
import { calendarDate } from '../../knowledge/schema';
import type { Agent, AgentStore } from '../agents';
import { consoleDir, SECURITY_HEADERS } from '../consolePage';
import { HttpError, parse, routeWith, signedInWith } from '../http';
import type { SessionStore } from '../sessions';
import { dashboardPage, refusalPage } from './dashboardPage';
import type { Costs, Figures } from './figures';
import { lastDays, localDate, periodSchema } from './period';
import { makeReport } from './report';
import type { ReportEventStore } from './store';

/**
 * The figures for supervisors: GET /api/console/report (JSON) and the dashboard page
 * GET /console/dashboard (HTML made on the server, with its stylesheet). Both follow the console's
 * session rules; an agent who is not a supervisor gets 403 `supervisors-only`. Supervisors look
 * after every department, and the figures compare officers with each other.
 */

export interface ReportingDeps {
  agents: AgentStore;
  sessions: SessionStore;
  store: Pick<ReportEventStore, 'list'>;
  timeZone: string;
  costs: Costs;
  /** The departments of the knowledge base in force, for the choice and to check it. */
  departments: () => { id: string; name: string }[];
  entryTitle: (id: string) => string | undefined;
  now: () => Date;
  log: Pick<Console, 'error'>;
  /** Where dashboard.css is (handoff/console/). */
  dir?: string;
}

/** The dashboard's period when none is chosen: the last 30 days, today included. */
export const DEFAULT_DAYS = 30;

const reportQuery = z.object({
  from: calendarDate.optional(),
  to: calendarDate.optional(),
  // An empty choice in the page's form means every department.
  department: z
    .string()
    .optional()
    .transform((d) => (d === '' ? undefined : d)),
});

export function mountReporting(server: Server, deps: ReportingDeps): void {
  const signedIn = signedInWith(deps.agents, deps.sessions, deps.now);
  const route = routeWith(deps.log);

  const supervisor = async (req: Request): Promise<Agent> => {
    const { agent } = await signedIn(req, false);
    if (agent.role !== 'supervisor') throw new HttpError(403, 'supervisors-only', 'Reports are for supervisors.');
    return agent;
  };

  /** The figures the query asks for; 400 for dates that are not a period or a department that does not exist. */
  const report = async (req: Request): Promise<Figures> => {
    const query = parse(reportQuery, Object.fromEntries(new URLSearchParams(req.getQuery())));
    const fallback = lastDays(localDate(deps.timeZone, deps.now()), DEFAULT_DAYS);
    const period = parse(periodSchema, { from: query.from ?? (query.to && query.to < fallback.from ? query.to : fallback.from), to: query.to ?? fallback.to });
    if (query.department !== undefined && !deps.departments().some((d) => d.id === query.department)) {
      throw new HttpError(400, 'bad-request', `department: there is no department "${query.department}"`);
    }
    // Agents' names read once per report: the report names each agent many times, synchronously.
    const names = new Map((await deps.agents.list()).map((a) => [String(a.id), a.name]));
    return makeReport({ ...deps, agentName: (id) => names.get(id) }, period, query.department);
  };

  server.get(
    '/api/console/report',
    route(async (req, res) => {
      await supervisor(req);
      res.send(200, await report(req));
    }),
  );

  const html = (res: Response, status: number, body: string) => {
    const bytes = Buffer.from(body);
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': bytes.length, ...SECURITY_HEADERS });
    res.end(bytes);
  };

  server.get('/console/dashboard', async (req: Request, res: Response) => {
    try {
      const agent = await supervisor(req);
      const f = await report(req);
      const query = new URLSearchParams({ from: f.period.from, to: f.period.to, ...(f.period.department !== null && { department: f.period.department }) });
      html(res, 200, dashboardPage({ figures: f, departments: deps.departments(), agentName: agent.name, query: query.toString() }));
    } catch (err) {
      if (!(err instanceof HttpError)) {
        deps.log.error(`[console] GET /console/dashboard: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return html(res, 500, refusalPage('Sorry, there is a problem', 'The figures could not be made. The problem has been logged.'));
      }
      if (err.status === 401) return html(res, 401, refusalPage('Sign in first', 'Sign in to the console, then come back to the dashboard.'));
      if (err.status === 403) return html(res, 403, refusalPage('Only supervisors can see the dashboard', 'Ask a supervisor if you need these figures.'));
      html(res, err.status, refusalPage('These figures cannot be shown', err.message));
    }
  });

  const css = fs.readFileSync(path.join(deps.dir ?? consoleDir(), 'dashboard.css'));
  server.get('/console/dashboard.css', async (_req: Request, res: Response) => {
    res.writeHead(200, { 'Content-Type': 'text/css; charset=utf-8', 'Content-Length': css.length, ...SECURITY_HEADERS });
    res.end(css);
  });
}
