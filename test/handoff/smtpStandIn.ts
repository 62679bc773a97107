import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail as the stand-in received it: the envelope and the raw message. */
export interface ReceivedMail {
  from: string;
  to: string[];
  raw: string;
}

/**
 * A real SMTP server on a free port of 127.0.0.1, standing in for the council's mail relay: it
 * records each envelope and raw message, and can refuse the first recipient (452, mailbox full).
 */
export async function startSmtpStandIn(options: { rejectFirst?: boolean } = {}) {
  const mails: ReceivedMail[] = [];
  let reject = options.rejectFirst ?? false;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      if (!reject) return callback();
      reject = false;
      callback(Object.assign(new Error(`Mailbox ${address.address} is full`), { responseCode: 452 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mails.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`;
  return { url, mails, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
