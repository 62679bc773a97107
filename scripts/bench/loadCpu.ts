/**
 * Where the CPU went during a measured phase of `npm run bench:load`, per process, as `pidstat`
 * would say over the same interval: the load generator (this process: loadDriver's residents), each
 * Parley instance, the PostgreSQL server when it runs on this machine (its postmaster and every
 * child: backends, writers), and the machine as a whole, so what the rest of the machine did
 * (other users' work) shows too. Read from /proc (Linux), in percent of one core.
 */
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { round } from './loadStats';

/** USER_HZ: /proc counts CPU time in these ticks; 100 on every Linux this runs on. */
const TICKS_PER_SEC = 100;

export interface CpuShares {
  seconds: number;
  cores: number;
  /** The whole machine's busy time, out of cores × 100. */
  machinePct: number;
  loadGeneratorPct: number;
  instancesPct: number[];
  /** Absent when the PostgreSQL server is not on this machine (or there is none). */
  postgresPct?: number;
  /** The machine's busy time none of the above accounts for. */
  otherPct: number;
}

/** The parts of /proc/PID/stat used here, or undefined once the process has gone. */
function procStat(pid: number): { ppid: number; cpuSec: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name is in brackets and may hold spaces: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), cpuSec: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC };
}

export function parentOf(pid: number): number | undefined {
  return procStat(pid)?.ppid;
}

/** The process's command name (/proc/PID/comm), or undefined once it has gone. */
export function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function machineBusySec(): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1, 9).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy: busy / TICKS_PER_SEC, total: (busy + idle! + iowait!) / TICKS_PER_SEC };
}

/** CPU seconds of the postmaster and each of its children, by pid. */
function serverTree(postmaster: number): Map<number, number> {
  const tree = new Map<number, number>();
  const own = procStat(postmaster);
  if (own) tree.set(postmaster, own.cpuSec);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = procStat(Number(entry));
    if (stat?.ppid === postmaster) tree.set(Number(entry), stat.cpuSec);
  }
  return tree;
}

function processSec(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/**
 * Starts counting; `stop()` gives the shares since. Backends that start during the interval are
 * counted from zero; one that exits before the end is missed (Parley's pools keep theirs open).
 */
export function watchCpu(instancePids: readonly number[], postmaster: number | undefined): { stop(): CpuShares } {
  const started = Date.now();
  const machine = machineBusySec();
  const self = processSec();
  const instances = instancePids.map((pid) => procStat(pid)?.cpuSec ?? 0);
  const server = postmaster === undefined ? undefined : serverTree(postmaster);
  return {
    stop: () => {
      const seconds = (Date.now() - started) / 1000;
      const pct = (cpuSec: number) => (seconds > 0 ? (cpuSec / seconds) * 100 : 0);
      const machineNow = machineBusySec();
      const cores = os.cpus().length;
      // Busy share of all cores' time, scaled to "percent of one core" like the rest.
      const machinePct = ((machineNow.busy - machine.busy) / Math.max(machineNow.total - machine.total, 1e-9)) * cores * 100;
      const loadGeneratorPct = pct(processSec() - self);
      const instancesPct = instancePids.map((pid, i) => pct((procStat(pid)?.cpuSec ?? instances[i]!) - instances[i]!));
      let postgresPct: number | undefined;
      if (postmaster !== undefined && server) {
        let used = 0;
        for (const [pid, now] of serverTree(postmaster)) used += now - (server.get(pid) ?? 0);
        postgresPct = pct(used);
      }
      const known = loadGeneratorPct + instancesPct.reduce((a, b) => a + b, 0) + (postgresPct ?? 0);
      return {
        seconds: round(seconds, 1),
        cores,
        machinePct: round(machinePct),
        loadGeneratorPct: round(loadGeneratorPct),
        instancesPct: instancesPct.map((p) => round(p)),
        ...(postgresPct !== undefined && { postgresPct: round(postgresPct) }),
        otherPct: round(Math.max(0, machinePct - known)),
      };
    },
  };
}
