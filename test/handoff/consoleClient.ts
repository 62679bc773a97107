/**
 * The duty officers' console API over real HTTP, as the console page calls it: JSON in and out,
 * the session cookie, and the CSRF token on changes.
 */

/** How a request proves who sent it; leave a field out to test a request without it. */
export interface ConsoleCredentials {
  cookie?: string;
  csrf?: string;
}

/** A signed-in agent's session cookie and CSRF token. */
export interface SignedIn {
  cookie: string;
  csrf: string;
}

export interface ConsoleResponse {
  status: number;
  /** The parsed JSON; undefined when the response had no body. */
  body: Record<string, any> | undefined;
  setCookie: string | null;
}

/** One request to the app at `url`. A string body is sent as it is (to test malformed ones), anything else as JSON. */
export async function call(
  url: string,
  as: ConsoleCredentials,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ConsoleResponse> {
  const res = await fetch(`${url}${route}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(as.cookie && { cookie: as.cookie }),
      ...(as.csrf && { 'x-csrf-token': as.csrf }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, any>) : undefined, setCookie: res.headers.get('set-cookie') };
}

/** Signs in through POST /api/console/login, expects 200, and returns the session. */
export async function login(url: string, name: string, password: string): Promise<SignedIn> {
  const res = await call(url, {}, 'POST', '/api/console/login', { name, password });
  expect(res.status).toBe(200);
  return { cookie: res.setCookie!.split(';')[0]!, csrf: res.body!.csrfToken };
}
