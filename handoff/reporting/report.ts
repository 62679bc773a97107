import { figures, type Costs, type Figures } from './figures';
import { eventRange, type Period } from './period';
import type { ReportEventStore } from './store';

/** What a report is made from; the console routes and `npm run report` both make theirs here. */
export interface ReportSource {
  store: Pick<ReportEventStore, 'list'>;
  timeZone: string;
  costs: Costs;
  entryTitle: (id: string) => string | undefined;
  /** An officer's name; a look-up in the agents' store may be async. */
  agentName: (id: string) => string | undefined | Promise<string | undefined>;
  now: () => Date;
}

/** The figures for a checked period (periodSchema) and, if given, one department. */
export async function makeReport(source: ReportSource, period: Period, department?: string): Promise<Figures> {
  const events = await source.store.list(eventRange(period));
  // `figures` is pure and synchronous: the officers' names are looked up first, once each.
  const agents = [...new Set(events.flatMap((e) => ('agent' in e ? [e.agent] : [])))];
  const names = new Map(await Promise.all(agents.map(async (id) => [id, await source.agentName(id)] as const)));
  return figures(events, {
    ...period,
    timeZone: source.timeZone,
    ...(department !== undefined && { department }),
    costs: source.costs,
    now: source.now(),
    names: { entry: source.entryTitle, agent: (id) => names.get(id) },
  });
}
