/**
 * The kernel's TCP counters that say whether connections were refused a place in a listen queue
 * (Linux: /proc/net/netstat's TcpExt and /proc/net/snmp's Tcp groups, as `nstat` shows them).
 * They count for the whole network namespace: other processes' connections are in them too,
 * unless the measurement runs under `unshare -n`.
 */
import { readFileSync } from 'node:fs';

const WANTED = ['TcpExt:ListenOverflows', 'TcpExt:ListenDrops', 'TcpExt:TCPSynRetrans', 'TcpExt:TCPReqQFullDoCookies', 'Tcp:ActiveOpens', 'Tcp:PassiveOpens'];

export type TcpCounters = Record<string, number>;

/** The counters now, by name without their group (`ListenOverflows`, `PassiveOpens`...). */
export function tcpCounters(): TcpCounters {
  const counters: TcpCounters = {};
  for (const file of ['/proc/net/netstat', '/proc/net/snmp']) {
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    // Each group is two lines, both led by "Group:": the names, then the values.
    for (let i = 0; i + 1 < lines.length; i += 2) {
      const names = lines[i]!.split(/\s+/);
      const values = lines[i + 1]!.split(/\s+/);
      names.slice(1).forEach((name, j) => {
        if (WANTED.includes(`${names[0]}${name}`)) counters[name] = Number(values[j + 1]);
      });
    }
  }
  return counters;
}

/** How much each counter rose since BEFORE. */
export function tcpCountersSince(before: TcpCounters): TcpCounters {
  const now = tcpCounters();
  return Object.fromEntries(Object.entries(now).map(([name, value]) => [name, value - (before[name] ?? 0)]));
}
