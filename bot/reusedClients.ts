import {
  AuthenticationConstants,
  BotFrameworkAuthentication,
  ConnectorFactory,
  type AuthenticateRequestResult,
  type BotFrameworkClient,
  type ClaimsIdentity,
  type ConnectorClient,
  type UserTokenClient,
} from 'botframework-connector';
import type { Activity } from 'botbuilder';

/** Clients kept at most: one per app id, channel service URL and audience; a handful in practice. */
const MOST_CLIENTS = 100;

/**
 * botbuilder's authentication as configured, except that the HTTP clients it builds for a turn
 * (a ConnectorClient to reply through, a UserTokenClient for sign-in cards) are built once and
 * reused. botbuilder builds both anew for every incoming activity, each a pipeline of a dozen
 * request policies, which was about a tenth of a resident turn's CPU in Parley's profile
 * (docs/reliability.md). A client holds nothing of a turn: only its base URL, its app's
 * credentials (which fetch and refresh their own tokens) and its options, all fixed by the key
 * it is kept under. Validating the incoming request is unchanged: every call is the inner one's.
 */
export class ReusedClientsAuthentication extends BotFrameworkAuthentication {
  private readonly connectors = new Bounded<Promise<ConnectorClient>>(MOST_CLIENTS);
  private readonly tokenClients = new Bounded<Promise<UserTokenClient>>(MOST_CLIENTS);

  constructor(private readonly inner: BotFrameworkAuthentication) {
    super();
  }

  async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusing(await this.inner.authenticateRequest(activity, authHeader));
  }

  async authenticateStreamingRequest(authHeader: string, channelIdHeader: string): Promise<AuthenticateRequestResult> {
    return this.reusing(await this.inner.authenticateStreamingRequest(authHeader, channelIdHeader));
  }

  createConnectorFactory(claimsIdentity: ClaimsIdentity): ConnectorFactory {
    return new ReusedConnectorFactory(this.inner.createConnectorFactory(claimsIdentity), appIdOf(claimsIdentity), this.connectors);
  }

  createUserTokenClient(claimsIdentity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.tokenClients.get(appIdOf(claimsIdentity), () => this.inner.createUserTokenClient(claimsIdentity));
  }

  override createBotFrameworkClient(): BotFrameworkClient {
    return this.inner.createBotFrameworkClient();
  }

  override getOriginatingAudience(): string {
    return this.inner.getOriginatingAudience();
  }

  override authenticateChannelRequest(authHeader: string): Promise<ClaimsIdentity> {
    return this.inner.authenticateChannelRequest(authHeader);
  }

  private reusing(result: AuthenticateRequestResult): AuthenticateRequestResult {
    if (!result.connectorFactory) return result;
    return { ...result, connectorFactory: new ReusedConnectorFactory(result.connectorFactory, appIdOf(result.claimsIdentity), this.connectors) };
  }
}

class ReusedConnectorFactory extends ConnectorFactory {
  constructor(
    private readonly inner: ConnectorFactory,
    private readonly appId: string,
    private readonly clients: Bounded<Promise<ConnectorClient>>,
  ) {
    super();
  }

  create(serviceUrl: string, audience?: string): Promise<ConnectorClient> {
    return this.clients.get(`${this.appId}\n${serviceUrl}\n${audience ?? ''}`, () => this.inner.create(serviceUrl, audience));
  }
}

/** The app id botbuilder builds a turn's clients for: the token's audience, else its appid claim. */
function appIdOf(identity: ClaimsIdentity): string {
  return identity.getClaimValue(AuthenticationConstants.AudienceClaim) ?? identity.getClaimValue(AuthenticationConstants.AppIdClaim) ?? '';
}

/** A map that forgets its oldest entry past `most`, and forgets a value that failed to build. */
class Bounded<T extends Promise<unknown>> {
  private readonly entries = new Map<string, T>();

  constructor(private readonly most: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: string, build: () => T): T {
    const kept = this.entries.get(key);
    if (kept) return kept;
    const built = build();
    if (this.entries.size >= this.most) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, built);
    // A client that could not be built (credentials unreachable) is built again next time.
    built.catch(() => {
      if (this.entries.get(key) === built) this.entries.delete(key);
    });
    return built;
  }
}
