/**
 * Where the browser reaches this server's WebSocket (`ws://localhost:3978`, or `wss://…` behind
 * an https proxy named in PARLEY_PUBLIC_URL): the stream URLs the channel hands out and the page's
 * Content-Security-Policy both need it. Without a public URL it comes from the request's Host
 * header, which is accepted only if it is a plain host[:port]: it ends up in a URL and a header.
 */

const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function webSocketOrigin(host: string | undefined, publicUrl?: string): string | undefined {
  const base = publicUrl ? new URL(publicUrl) : HOST.test(host ?? '') ? new URL(`http://${host}`) : undefined;
  return base && `${base.protocol === 'https:' ? 'wss:' : 'ws:'}//${base.host}`;
}
