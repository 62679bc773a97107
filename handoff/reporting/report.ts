import { figures, type Costs, type Figures } from './figures';
import { eventRange, type Period } from './period';
import type { ReportEventStore } from './store';

/** What a report is made from; the console routes and `npm run report` both make theirs here. */
export interface ReportSource {
  store: Pick<ReportEventStore, 'list'>;
  timeZone: string;
  costs: Costs;
  entryTitle: (id: string) => string | undefined;
  agentName: (id: string) => string | undefined;
  now: () => Date;
}

/** The figures for a checked period (periodSchema) and, if given, one department. */
export function makeReport(source: ReportSource, period: Period, department?: string): Figures {
  return figures(source.store.list(eventRange(period)), {
    ...period,
    timeZone: source.timeZone,
    ...(department !== undefined && { department }),
    costs: source.costs,
    now: source.now(),
    names: { entry: source.entryTitle, agent: source.agentName },
  });
}
