import fs from 'node:fs';
import path from 'node:path';
import type { Server } from 'restify';
import { projectRoot } from '../knowledge/projectRoot';

/**
 * Serves the console page (handoff/console/) at /console. The files are read from the source
 * folder, found from the project root, so the same path works from dist/ after a build.
 */
const FILES: Record<string, { file: string; type: string }> = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
};

// Nothing but our own files may run or load: residents' words cannot become script even if
// some day a rendering slip lets markup through.
export const SECURITY_HEADERS = {
  'Content-Security-Policy': "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export function consoleDir(): string {
  return path.join(projectRoot(), 'handoff', 'console');
}

export function mountConsolePage(server: Server, dir = consoleDir()): void {
  for (const [route, { file, type }] of Object.entries(FILES)) {
    const body = fs.readFileSync(path.join(dir, file));
    server.get(route, async (_req, res) => {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, ...SECURITY_HEADERS });
      res.end(body);
    });
  }
}
