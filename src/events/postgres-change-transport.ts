import { Logger } from '@nestjs/common';
import { Client, Notification } from 'pg';
import { ChangeEvent } from './change-events';
import { ChangeTransport } from './change-transport';

const CHANNEL = 'gatehouse_changes';
const RECONNECT_DELAY_MS = 500;

interface Envelope {
  origin: string;
  /** When it was sent (ms since the epoch): the change-bus lag metric. */
  sentAt?: number;
  event: ChangeEvent;
}

/**
 * PostgreSQL LISTEN/NOTIFY between every process on one database. One dedicated connection
 * listens; sends go through a second one. After the listening connection drops it reconnects
 * and delivers a `resync`, because notifications sent meanwhile are lost.
 */
export class PostgresChangeTransport extends ChangeTransport {
  private readonly logger = new Logger(PostgresChangeTransport.name);
  private listener?: Client;
  private sender?: Client;
  private stopped = false;
  private deliver: (event: ChangeEvent, sentAt?: number) => void = () => undefined;

  /** `origin` names this process, so that it skips its own notifications. */
  constructor(
    private readonly url: string,
    private readonly origin: string,
  ) {
    super();
  }

  get live(): boolean {
    return this.listener !== undefined && !this.stopped;
  }

  async start(deliver: (event: ChangeEvent, sentAt?: number) => void): Promise<void> {
    this.deliver = deliver;
    await this.listen();
  }

  /** Sends once, and once more on a fresh connection if the first attempt failed. */
  send(event: ChangeEvent): void {
    const payload = JSON.stringify({
      origin: this.origin,
      sentAt: Date.now(),
      event,
    } satisfies Envelope);
    const attempt = () =>
      this.connectedSender().then((client) =>
        client.query('SELECT pg_notify($1, $2)', [CHANNEL, payload]),
      );
    void attempt()
      .catch(() => {
        this.sender = undefined;
        return attempt();
      })
      .catch((error: unknown) => {
        this.logger.error(`could not publish ${event.type}: ${String(error)}`);
        this.sender = undefined;
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([this.listener?.end(), this.sender?.end()]);
  }

  private async listen(): Promise<void> {
    const client = new Client({
      connectionString: this.url,
      application_name: 'gatehouse-listener',
    });
    client.on('notification', (message: Notification) => this.receive(message));
    client.on('error', () => this.reconnect(client));
    client.on('end', () => this.reconnect(client));
    await client.connect();
    await client.query(`LISTEN ${CHANNEL}`);
    this.listener = client;
  }

  private reconnect(client: Client): void {
    if (this.stopped || this.listener !== client) return;
    this.listener = undefined;
    this.logger.warn('change notifications lost; reconnecting');
    this.deliver({ type: 'transport.lost' });
    const retry = (): void => {
      if (this.stopped) return;
      this.listen()
        .then(() => this.deliver({ type: 'resync' }))
        .catch(() => setTimeout(retry, RECONNECT_DELAY_MS).unref());
    };
    setTimeout(retry, RECONNECT_DELAY_MS).unref();
  }

  private receive(message: Notification): void {
    if (message.channel !== CHANNEL || !message.payload) return;
    try {
      const { origin, event, sentAt } = JSON.parse(message.payload) as Envelope;
      if (origin !== this.origin)
        this.deliver(event, typeof sentAt === 'number' ? sentAt : undefined);
    } catch {
      this.logger.warn('ignored a malformed change notification');
    }
  }

  private async connectedSender(): Promise<Client> {
    if (!this.sender) {
      const client = new Client({
        connectionString: this.url,
        application_name: 'gatehouse-notifier',
      });
      client.on('error', () => {
        if (this.sender === client) this.sender = undefined;
      });
      this.sender = client;
      await client.connect();
    }
    return this.sender;
  }
}
