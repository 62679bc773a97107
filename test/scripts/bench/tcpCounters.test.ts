import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tcpCounters, tcpCountersSince } from '../../../scripts/bench/tcpCounters';

describe('tcpCounters', () => {
  it('reads the listen-queue and connection counters from /proc as numbers', () => {
    const counters = tcpCounters();
    for (const name of ['ListenOverflows', 'ListenDrops', 'TCPSynRetrans', 'TCPReqQFullDoCookies', 'ActiveOpens', 'PassiveOpens']) {
      expect(Number.isInteger(counters[name])).toBe(true);
    }
  });

  it('counts a connection this process opens to a server of its own, both ends', async () => {
    const server = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const before = tcpCounters();
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, { headers: { connection: 'close' } });
      expect(await res.text()).toBe('ok');
      // Other processes' connections may add to the counts, never take from them.
      const since = tcpCountersSince(before);
      expect(since.ActiveOpens).toBeGreaterThanOrEqual(1);
      expect(since.PassiveOpens).toBeGreaterThanOrEqual(1);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
