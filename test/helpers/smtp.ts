import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string[];
  raw: string;
  parsed: ParsedMail;
}

/**
 * A real SMTP server (smtp-server, the one nodemailer's author keeps) on a
 * free loopback port, keeping what it accepts. `refuse(address, n)` answers
 * the next n RCPT TO for that address with a 451 (try again later); `stop()`
 * and `start()` again on the same port play a server that is down.
 */
export class SmtpCatcher {
  readonly received: ReceivedMail[] = [];
  readonly refusals = new Map<string, number>();
  port = 0;
  private server: SMTPServer | undefined;

  async start(port = this.port): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS', 'AUTH'],
      logger: false,
      onRcptTo: (address, _session, callback) => {
        const left = this.refusals.get(address.address) ?? 0;
        if (left > 0) {
          this.refusals.set(address.address, left - 1);
          return callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
        }
        callback();
      },
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          void simpleParser(raw).then((parsed) => {
            this.received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw, parsed });
            callback();
          }, callback);
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  refuse(address: string, times: number): void {
    this.refusals.set(address, times);
  }

  to(address: string): ReceivedMail[] {
    return this.received.filter((m) => m.to.includes(address));
  }
}
