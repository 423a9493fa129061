import { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** One mail as the SMTP server received it, its body decoded enough to read links. */
export interface CaughtMail {
  to: string[];
  from: string;
  raw: string;
  /** The raw message with quoted-printable soft breaks and escapes undone. */
  decoded: string;
}

function decodeQuotedPrintable(raw: string): string {
  return raw
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * A mail server on loopback that keeps every message (smtp-server, no auth, no TLS): the
 * app's SMTP_URL points here, so tests read the mail a person would get.
 */
export class MailCatcher {
  readonly mails: CaughtMail[] = [];
  private waiters: Array<() => void> = [];

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(): Promise<MailCatcher> {
    const holder: { catcher?: MailCatcher } = {};
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          holder.catcher!.receive({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            raw,
            decoded: decodeQuotedPrintable(raw),
          });
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.server.address() as AddressInfo).port;
    holder.catcher = new MailCatcher(server, port);
    return holder.catcher;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  private receive(mail: CaughtMail): void {
    this.mails.push(mail);
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** The first mail (from now on, after `since` mails) to `address`; waits up to 5 s. */
  async next(address: string, since = 0): Promise<CaughtMail> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const found = this.mails.slice(since).find((mail) => mail.to.includes(address));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no mail to ${address}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  /** The mails to `address` so far. */
  to(address: string): CaughtMail[] {
    return this.mails.filter((mail) => mail.to.includes(address));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** The first link in a mail to `path` on the issuer, with its token. */
export function linkIn(mail: CaughtMail, path: string): { url: URL; token: string } {
  const match = new RegExp(
    `https?://[^\\s"<>]+${path.replace(/\//g, '\\/')}\\?token=([A-Za-z0-9_-]+)`,
  ).exec(mail.decoded);
  if (!match) throw new Error(`no ${path} link in the mail`);
  const url = new URL(match[0]);
  return { url, token: match[1] };
}
