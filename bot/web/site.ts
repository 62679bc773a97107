import fs from 'node:fs';
import path from 'node:path';
import type { Request, Response, Server } from 'restify';
import { projectRoot } from '../../knowledge/projectRoot';
import { webSocketOrigin } from '../directline/origin';
import type { ProactiveRule } from './proactive';

/**
 * The demo council website: a few pages of the fictional Brackenford Borough Council with the
 * "Ask us" widget, the privacy statement for the chat, the widget's files and Web Chat's own
 * browser bundle, served from the installed botframework-webchat package (no CDN). Every page
 * carries a Content-Security-Policy that lets it reach this server only (plus Azure's Direct
 * Line when that is the channel).
 */

export interface WebsiteOptions {
  rules: ProactiveRule[];
  retentionHours: number;
  /** Azure's Direct Line (`https://…/v3/directline`) when it is the channel; else this server. */
  azureDirectLine?: string;
  /** The address residents' browsers use, when a proxy sits in front. */
  publicUrl?: string;
}

interface Page {
  file: string;
  title: string;
}

const PAGES: Record<string, Page> = {
  '/': { file: 'home.html', title: 'Brackenford Borough Council' },
  '/bins': { file: 'bins.html', title: 'Bins and recycling - Brackenford Borough Council' },
  '/council-tax': { file: 'council-tax.html', title: 'Council Tax - Brackenford Borough Council' },
  '/privacy': { file: 'privacy.html', title: 'Privacy: how we use the online chat - Brackenford Borough Council' },
};

const ASSETS: Record<string, { file: string; type: string }> = {
  '/web/site.css': { file: 'site.css', type: 'text/css; charset=utf-8' },
  '/web/widget.css': { file: 'widget.css', type: 'text/css; charset=utf-8' },
  '/web/widget.js': { file: 'widget.js', type: 'text/javascript; charset=utf-8' },
  '/web/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
};

const COMMON_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'strict-origin-when-cross-origin',
};

/** The CSP hash of an empty string: allows `<style></style>` and nothing else. */
export const EMPTY_STYLE = 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=';

export function publicDir(): string {
  return path.join(projectRoot(), 'bot', 'web', 'public');
}

/** Web Chat's full browser bundle inside the installed package (its `exports` hide `dist/`). */
export function webChatBundle(): string {
  return path.join(path.dirname(require.resolve('botframework-webchat')), '..', 'dist', 'webchat.js');
}

/** The widget's settings, as GET /api/web/settings returns them. */
function widgetSettings(options: WebsiteOptions) {
  return {
    directLineDomain: options.azureDirectLine ?? null,
    privacyNotice: options.azureDirectLine ? 'We use what you type to answer you.' : `We use what you type to answer you and keep this chat for ${hours(options.retentionHours)}.`,
    proactive: options.rules,
  };
}

export function mountWebsite(server: Server, options: WebsiteOptions, dir = publicDir()): void {
  const layout = fs.readFileSync(path.join(dir, 'layout.html'), 'utf8');
  const fill = (template: string, values: Record<string, string>) => template.replace(/\{\{(\w+)\}\}/g, (whole, key: string) => values[key] ?? whole);
  const privacyText = {
    storage: options.azureDirectLine
      ? 'The chat service passes your messages between you and the council and keeps them only as long as it needs to deliver them.'
      : `The chat window keeps your messages for ${hours(options.retentionHours)} so that you can reload the page and carry on. After that they are deleted from the chat service.`,
    where: options.azureDirectLine
      ? 'Messages pass through Microsoft Azure Bot Service, which handles them for the council under contract.'
      : 'The chat runs on the council’s own servers; your messages are not sent to other companies.',
  };

  for (const [route, page] of Object.entries(PAGES)) {
    const content = fill(fs.readFileSync(path.join(dir, 'pages', page.file), 'utf8'), privacyText);
    const html = fill(layout, { title: page.title, content }).replace(`<a href="${route}">`, `<a href="${route}" aria-current="page">`);
    const body = Buffer.from(html);
    server.get(route, async (req, res) => {
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': body.length,
        'Content-Security-Policy': contentSecurityPolicy(req, options),
        'Cache-Control': 'no-store',
        ...COMMON_HEADERS,
      });
      res.end(body);
    });
  }

  for (const [route, asset] of Object.entries(ASSETS)) {
    const body = fs.readFileSync(path.join(dir, asset.file));
    server.get(route, async (_req, res) => sendFile(res, body, asset.type, 'no-cache'));
  }

  // 4 MB: read once, at the first request, rather than at every start of the bot.
  let webChat: Buffer | undefined;
  server.get('/web/webchat.js', async (_req, res) => {
    webChat ??= fs.readFileSync(webChatBundle());
    sendFile(res, webChat, 'text/javascript; charset=utf-8', 'public, max-age=86400');
  });

  const settings = widgetSettings(options);
  server.get('/api/web/settings', async (_req, res) => {
    res.header('Cache-Control', 'no-cache');
    res.send(200, settings);
  });
}

function sendFile(res: Response, body: Buffer, type: string, cache: string): void {
  res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length, 'Cache-Control': cache, ...COMMON_HEADERS });
  res.end(body);
}

/**
 * Only this server's own files run or load. Two allowances for Web Chat, both narrow:
 * - Web Chat (through emotion) adds empty `<style>` elements and fills them through the CSSOM,
 *   which CSP does not govern. Not all of them carry a nonce (its scroll-to-bottom part takes
 *   none), so the policy allows exactly the empty style element, by the hash of "" rather than
 *   'unsafe-inline': a style with any content in it is still refused.
 * - Its typing and spinner animations are GIFs it turns into `blob:` URLs in the page.
 * No 'unsafe-eval' is needed. The chat's WebSocket is named as well as 'self', for browsers that
 * do not count ws: to their own host as 'self'.
 */
export function contentSecurityPolicy(req: Request, options: WebsiteOptions): string {
  const connect = ["'self'"];
  if (options.azureDirectLine) {
    const azure = new URL(options.azureDirectLine);
    connect.push(azure.origin, `wss://${azure.host}`);
  } else {
    const stream = webSocketOrigin(req.headers.host, options.publicUrl);
    if (stream) connect.push(stream);
  }
  return [
    "default-src 'self'",
    "script-src 'self'",
    `style-src 'self' '${EMPTY_STYLE}'`,
    `connect-src ${connect.join(' ')}`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

const hours = (n: number) => (n % 24 === 0 ? `${n / 24 === 1 ? '24 hours' : `${n / 24} days`}` : `${n} hour${n === 1 ? '' : 's'}`);
