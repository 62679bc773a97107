import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
// Only to hold bot/channelAuth.ts's copy of the public-cloud endpoints to botbuilder's own
// (botframework-connector comes with botbuilder, which does not re-export these).
import { AuthenticationConstants } from 'botframework-connector';
import { CallerIdConstants } from 'botbuilder';
import { CheckedCloudAdapter, PUBLIC_CLOUD, channelAuthentication } from '../../bot/channelAuth';
import type { App } from '../../bot/index';
import { KEYS_RETRY_AFTER_SECONDS } from '../../bot/server';
import { startApp, testConfig, withSql } from '../app';
import { startHttpServer, type LocalServer } from '../localServer';
import { messageTexts, postToBot, residentMessage } from './residentClient';

/**
 * The Bot Framework token check on POST /api/messages, through real HTTP and the real CloudAdapter,
 * against a local OpenID provider: an HTTP server serving an OpenID configuration and a key set
 * whose private key only this test holds, where Microsoft's would be (ToBotFromChannelOpenIdMetadataUrl).
 */

const APP_ID = '00000000-0000-0000-0000-0000000000a1';
const CHANNEL_ISSUER = 'https://api.botframework.com';
/** One of the issuers botbuilder takes as the Emulator's (its ToBotFromBotOrEmulatorTokenValidationParameters). */
const EMULATOR_ISSUER = 'https://sts.windows.net/d6d49420-f39b-4df7-a1dc-d59a935871db/';
const SERVICE_URL = 'https://smba.trafficmanager.net/uk/';
const KEY_ID = 'parley-test-key';

const rsaKey = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = rsaKey();
const attackerKey = rsaKey();

/** A compact JWS, signed by `signature` over the encoded header and payload. */
function jwt(header: object, payload: object, signature: (input: Buffer) => Buffer): string {
  const encoded = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
  return `${encoded}.${signature(Buffer.from(encoded)).toString('base64url')}`;
}

const rs256 = (key: KeyObject) => (input: Buffer) => sign('sha256', input, key);
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The claims Azure's Bot Connector puts in a token for this bot, as botbuilder checks them. */
function channelClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { iss: CHANNEL_ISSUER, aud: APP_ID, serviceurl: SERVICE_URL, nbf: nowSeconds() - 60, iat: nowSeconds() - 60, exp: nowSeconds() + 3600, ...overrides };
}

const genuine = (claims = channelClaims()) => jwt({ alg: 'RS256', typ: 'JWT', kid: KEY_ID }, claims, rs256(signingKey.privateKey));

/** Serves `/openid` and the key set it names; `state.failing` makes both answer 500. */
async function openIdProvider(): Promise<LocalServer & { metadataUrl: string; state: { failing: boolean } }> {
  const state = { failing: false };
  let origin = '';
  const server = await startHttpServer(({ path }) => {
    if (state.failing) return { status: 500, body: 'down' };
    if (path === '/openid') {
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ issuer: CHANNEL_ISSUER, jwks_uri: `${origin}/keys`, id_token_signing_alg_values_supported: ['RS256'] }) };
    }
    if (path === '/keys') {
      // As Microsoft's: each key names the channels it may sign for.
      const key = { ...signingKey.publicKey.export({ format: 'jwk' }), kid: KEY_ID, use: 'sig', endorsements: ['test', 'msteams'] };
      return { status: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ keys: [key] }) };
    }
    return { status: 404 };
  });
  origin = server.origin;
  return { ...server, metadataUrl: `${origin}/openid`, state };
}

function appConfig(metadataUrl: string) {
  return testConfig({
    MicrosoftAppId: APP_ID,
    MicrosoftAppPassword: 'not-a-real-secret',
    ToBotFromChannelOpenIdMetadataUrl: metadataUrl,
    ToBotFromEmulatorOpenIdMetadataUrl: metadataUrl,
  });
}

/** Lines the app logged, to check what it says and what it never writes. */
function recordingLog() {
  const lines: string[] = [];
  return { lines, log: { info: (line: string) => lines.push(`info ${line}`), error: (line: string) => lines.push(`error ${line}`) } };
}

async function transcriptRows(config: ReturnType<typeof testConfig>, conversation: string): Promise<number> {
  return withSql(config, async (sql) => {
    const rows = await sql.all<{ n: number }>('SELECT COUNT(*) AS n FROM transcript_activities WHERE conversation_id = @conversation', { conversation });
    return Number(rows[0]?.n);
  });
}

describe('a Bot Framework token on /api/messages, checked against the keys of a local OpenID provider', () => {
  let provider: Awaited<ReturnType<typeof openIdProvider>>;
  let config: ReturnType<typeof testConfig>;
  let app: App;
  let url: string;
  const logged = recordingLog();
  /** Every Authorization header sent, to check no log line repeats one. */
  const sent: string[] = [];
  // botbuilder prints to the console itself on some refusals (the key it tried, an expiry): kept
  // out of the test's output, and checked below for tokens like the app's own log.
  let consoleError: jest.SpyInstance;

  beforeAll(async () => {
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    provider = await openIdProvider();
    config = appConfig(provider.metadataUrl);
    ({ app, url } = await startApp(config, { log: logged.log }));
  });
  afterAll(async () => {
    consoleError.mockRestore();
    await app.close();
    await provider.close();
  });

  it('lets in a token signed by the provider\'s key, for this bot and this serviceUrl: 200, a reply, a transcript', async () => {
    const activity = residentMessage('hello', { conversation: 'signed', serviceUrl: SERVICE_URL });
    const res = await postToBot(url, activity, { authorization: `Bearer ${genuine()}` });
    expect(res.status).toBe(200);
    const { activities } = (await res.json()) as { activities: { type: string; text?: string }[] };
    expect(messageTexts(activities).length).toBeGreaterThan(0);
    expect(await transcriptRows(config, 'signed')).toBeGreaterThan(0);
  });

  const hourAgo = () => nowSeconds() - 3600;
  const hourAhead = () => nowSeconds() + 3600;
  // [what is wrong, the Authorization header, the channel the activity names]
  const refused: [string, () => string, string?][] = [
    ['signed with another key under the real key id (forged)', () => `Bearer ${jwt({ alg: 'RS256', typ: 'JWT', kid: KEY_ID }, channelClaims(), rs256(attackerKey.privateKey))}`],
    ['signed with another key under a key id of its own (forged)', () => `Bearer ${jwt({ alg: 'RS256', typ: 'JWT', kid: 'attacker-key' }, channelClaims(), rs256(attackerKey.privateKey))}`],
    ['the real signature on altered claims', () => {
      const [header, , signature] = genuine().split('.');
      return `Bearer ${header}.${Buffer.from(JSON.stringify(channelClaims({ aud: 'another-bot' }))).toString('base64url')}.${signature}`;
    }],
    ['for another bot (wrong audience)', () => `Bearer ${genuine(channelClaims({ aud: '00000000-0000-0000-0000-0000000000b2' }))}`],
    ['for another bot whose name breaks the log line', () => `Bearer ${genuine(channelClaims({ aud: `other-bot\nerror [auth] a line the attacker wrote${'x'.repeat(500)}` }))}`],
    ['expired an hour ago', () => `Bearer ${genuine(channelClaims({ iat: hourAgo() - 3600, nbf: hourAgo() - 3600, exp: hourAgo() }))}`],
    ['not valid for another hour', () => `Bearer ${genuine(channelClaims({ nbf: hourAhead() }))}`],
    ['from another issuer', () => `Bearer ${genuine(channelClaims({ iss: 'https://login.attacker.example' }))}`],
    ['for another serviceUrl (where the replies would go)', () => `Bearer ${genuine(channelClaims({ serviceurl: 'https://attacker.example/' }))}`],
    ['claiming to be the Emulator\'s, signed with another key', () => `Bearer ${jwt({ alg: 'RS256', typ: 'JWT', kid: KEY_ID }, { ...channelClaims({ iss: EMULATOR_ISSUER }), ver: '1.0', appid: APP_ID }, rs256(attackerKey.privateKey))}`],
    ['unsigned (alg "none")', () => `Bearer ${jwt({ alg: 'none', typ: 'JWT', kid: KEY_ID }, channelClaims(), () => Buffer.alloc(0))}`],
    ['HMAC-signed with the public key as the secret (algorithm confusion)', () => {
      const secret = signingKey.publicKey.export({ format: 'pem', type: 'spki' });
      return `Bearer ${jwt({ alg: 'HS256', typ: 'JWT', kid: KEY_ID }, channelClaims(), (input) => createHmac('sha256', secret).update(input).digest())}`;
    }],
    ['for a channel its key is not endorsed for', () => `Bearer ${genuine()}`, 'webchat'],
    ['garbage', () => 'Bearer not.a.jwt'],
    ['not a bearer token', () => `Basic ${Buffer.from('parley:password').toString('base64')}`],
  ];

  it.each(refused)('refuses a token %s with 401 and a reason, before the bot sees it', async (what, header, channelId = 'test') => {
    const conversation = `refused-${what.replace(/\W+/g, '-')}`;
    const activity = { ...residentMessage('hello', { conversation, serviceUrl: SERVICE_URL }), channelId };
    const authorization = header();
    sent.push(authorization);
    const res = await postToBot(url, activity, { authorization });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
    expect(await res.json()).toEqual({ error: 'Unauthorized', message: expect.stringMatching(/^The Bot Framework token was refused: \S/) });
    expect(await transcriptRows(config, conversation)).toBe(0);
  });

  it('logs each refusal with its reason, never the token (nor does botbuilder)', () => {
    const refusals = logged.lines.filter((line) => line.startsWith('info [auth] refused a token'));
    expect(refusals).toHaveLength(refused.length);
    const printed = [...logged.lines, ...consoleError.mock.calls.map((args) => args.map(String).join(' '))];
    // Claims and signature: the encoded header alone is the same in every token and secret in none.
    const secrets = sent.flatMap((header) => header.split(/[ .]/).slice(2)).filter((part) => part.length >= 16);
    expect(secrets.length).toBeGreaterThan(10);
    for (const line of printed) for (const secret of secrets) expect(line).not.toContain(secret);
    // A claim the caller wrote is quoted on one short line.
    for (const line of logged.lines) expect(line).toMatch(/^[^\r\n]{1,300}$/);
  });
});

describe('when the signing keys cannot be fetched', () => {
  const activity = (conversation: string) => residentMessage('hello', { conversation, serviceUrl: SERVICE_URL });

  it('answers 503 with Retry-After and says why, logs the cause once, and lets the same token in once the keys come back', async () => {
    const provider = await openIdProvider();
    provider.state.failing = true;
    const config = appConfig(provider.metadataUrl);
    const logged = recordingLog();
    const { app, url } = await startApp(config, { log: logged.log });
    try {
      const token = genuine();
      const res = await postToBot(url, activity('keys-down'), { authorization: `Bearer ${token}` });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe(String(KEYS_RETRY_AFTER_SECONDS));
      expect(await res.json()).toEqual({ error: 'Unavailable', message: expect.stringMatching(/cannot verify requests right now/) });
      expect(await transcriptRows(config, 'keys-down')).toBe(0);
      expect(logged.lines).toEqual([expect.stringMatching(/^error \[auth\] cannot check tokens on \/api\/messages, answering 503: .*Failed to load openID config: 500$/)]);

      provider.state.failing = false;
      const again = await postToBot(url, activity('keys-down'), { authorization: `Bearer ${token}` });
      expect(again.status).toBe(200);
      expect(await transcriptRows(config, 'keys-down')).toBeGreaterThan(0);
    } finally {
      await app.close();
      await provider.close();
    }
  });

  it('answers 503, not 500, when the key server cannot be reached at all (a closed port), logging the cause and not the token', async () => {
    const closedPort = await freePort();
    const config = appConfig(`http://127.0.0.1:${closedPort}/openid`);
    const logged = recordingLog();
    const { app, url } = await startApp(config, { log: logged.log });
    try {
      const token = genuine();
      const res = await postToBot(url, activity('keys-unreachable'), { authorization: `Bearer ${token}` });
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe(String(KEYS_RETRY_AFTER_SECONDS));
      expect(await res.json()).toEqual({ error: 'Unavailable', message: expect.any(String) });
      expect(logged.lines).toEqual([expect.stringMatching(/^error \[auth\] cannot check tokens .*ECONNREFUSED/)]);
      expect(logged.lines[0]).not.toContain(token.split('.')[2]);
      expect(await transcriptRows(config, 'keys-unreachable')).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('gives up on a key server that takes the connection and never answers: unverifiable, so 503', async () => {
    // Accepts and then says nothing, as a key server behind a dropping firewall or overloaded would.
    const silent = http.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const metadataUrl = `http://127.0.0.1:${(silent.address() as net.AddressInfo).port}/openid`;
    const logged = recordingLog();
    const waitMs = 300;
    const adapter = new CheckedCloudAdapter(channelAuthentication(appConfig(metadataUrl)), logged.log, waitMs);
    let botRan = false;
    try {
      const outcome = await adapter.processMessage(activity('keys-silent'), `Bearer ${genuine()}`, async () => {
        botRan = true;
      });
      expect(outcome).toEqual({ kind: 'unverifiable', cause: 'no answer from the key server within 0.3 s' });
      expect(botRan).toBe(false);
      expect(logged.lines).toEqual([expect.stringMatching(/^error \[auth\] cannot check tokens .*within 0.3 s$/)]);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('still refuses with 401, without fetching keys, what no key could make valid (no token, garbage)', async () => {
    const config = appConfig(`http://127.0.0.1:${await freePort()}/openid`);
    const { app, url } = await startApp(config);
    try {
      expect((await postToBot(url, activity('no-token'))).status).toBe(401);
      expect((await postToBot(url, activity('garbage'), { authorization: 'Bearer not.a.jwt' })).status).toBe(401);
    } finally {
      await app.close();
    }
  });
});

describe('PUBLIC_CLOUD (the endpoints given beside a moved key document)', () => {
  it('is botbuilder\'s own public cloud', () => {
    expect(PUBLIC_CLOUD).toEqual({
      ValidateAuthority: true,
      ToChannelFromBotLoginUrl: AuthenticationConstants.ToChannelFromBotLoginUrl,
      ToChannelFromBotOAuthScope: AuthenticationConstants.ToChannelFromBotOAuthScope,
      ToBotFromChannelTokenIssuer: AuthenticationConstants.ToBotFromChannelTokenIssuer,
      OAuthUrl: AuthenticationConstants.OAuthUrl,
      ToBotFromChannelOpenIdMetadataUrl: AuthenticationConstants.ToBotFromChannelOpenIdMetadataUrl,
      ToBotFromEmulatorOpenIdMetadataUrl: AuthenticationConstants.ToBotFromEmulatorOpenIdMetadataUrl,
      CallerId: CallerIdConstants.PublicAzureChannel,
    });
  });
});

/** A port nothing listens on: taken from the system, then let go. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
