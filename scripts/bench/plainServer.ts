/**
 * The smallest server for `scripts/bench/openBurst.ts`: plain `node:http`, no restify, no
 * botbuilder, answering every request with a fixed JSON reply and `GET /healthz` alike. If
 * connections are lost against it too, the loss is not in Parley's stack. Started as a child
 * process; prints one JSON line `{"url": ...}` once listening.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const reply = JSON.stringify({ activities: [{ type: 'message', text: 'ok' }] });
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    res.setHeader('content-type', 'application/json');
    res.end(reply);
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(JSON.stringify({ url: `http://127.0.0.1:${port}` }));
});
process.once('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
