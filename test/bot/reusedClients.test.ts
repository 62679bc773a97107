import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { ClaimsIdentity, AuthenticationConstants } from 'botframework-connector';
import restify from 'restify';
import type { AddressInfo } from 'node:net';
import { ReusedClientsAuthentication } from '../../bot/reusedClients';
import { postToBot, residentMessage } from './residentClient';

const local = () => new ReusedClientsAuthentication(new ConfigurationBotFrameworkAuthentication({}));
const identity = (appId: string) => new ClaimsIdentity([{ type: AuthenticationConstants.AudienceClaim, value: appId }], true);

describe('ReusedClientsAuthentication', () => {
  it('builds one connector client per app, service URL and audience, and reuses it', async () => {
    const auth = local();
    const factory = auth.createConnectorFactory(identity('app-1'));
    const a = await factory.create('https://smba.example/uk/', 'https://api.botframework.com');
    expect(await factory.create('https://smba.example/uk/', 'https://api.botframework.com')).toBe(a);
    // A factory made for another turn of the same app shares the client.
    expect(await auth.createConnectorFactory(identity('app-1')).create('https://smba.example/uk/', 'https://api.botframework.com')).toBe(a);
    expect(await factory.create('https://smba.example/emea/', 'https://api.botframework.com')).not.toBe(a);
    expect(await auth.createConnectorFactory(identity('app-2')).create('https://smba.example/uk/', 'https://api.botframework.com')).not.toBe(a);
    expect((a as unknown as { baseUri: string }).baseUri).toBe('https://smba.example/uk/');
  });

  it('builds one user token client per app', async () => {
    const auth = local();
    const first = await auth.createUserTokenClient(identity('app-1'));
    expect(await auth.createUserTokenClient(identity('app-1'))).toBe(first);
    expect(await auth.createUserTokenClient(identity('app-2'))).not.toBe(first);
  });

  it('keeps at most 100 clients, forgetting the oldest', async () => {
    const auth = local();
    const factory = auth.createConnectorFactory(identity('app-1'));
    const first = await factory.create('https://channel.example/0/');
    for (let i = 1; i <= 100; i++) await factory.create(`https://channel.example/${i}/`);
    expect(await factory.create('https://channel.example/100/')).toBe(await factory.create('https://channel.example/100/'));
    expect(await factory.create('https://channel.example/0/')).not.toBe(first);
  });
});

describe('a CloudAdapter with reused clients, over real HTTP', () => {
  let server: restify.Server;
  let url: string;
  const seen: unknown[] = [];

  beforeAll(async () => {
    const adapter = new CloudAdapter(local());
    server = restify.createServer();
    server.use(restify.plugins.bodyParser());
    server.post('/api/messages', async (req, res) => {
      await adapter.process(req, res, async (context: TurnContext) => {
        seen.push(context.turnState.get(adapter.ConnectorClientKey));
        await context.sendActivity(`echo: ${context.activity.text}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('answers every turn, each through the same connector client for one channel', async () => {
    for (const [i, conversation] of ['c1', 'c1', 'c2'].entries()) {
      const res = await postToBot(url, residentMessage(`turn ${i}`, { conversation, serviceUrl: 'http://localhost:9/unused', from: 'resident' }));
      expect(res.status).toBe(200);
      expect(((await res.json()) as { activities: { text: string }[] }).activities.map((a) => a.text)).toEqual([`echo: turn ${i}`]);
    }
    expect(seen).toHaveLength(3);
    expect(seen[0]).toBeDefined();
    expect(seen[1]).toBe(seen[0]);
    expect(seen[2]).toBe(seen[0]);
  });
});
