import { mkdir, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import nodemailer from 'nodemailer';
import type { Config } from '../config/config.js';

export interface OutgoingMail {
  /** The delivery id: it makes the Message-ID, the same on every attempt, so a mail accepted twice is recognisably one. */
  deliveryId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  headers: Record<string, string>;
}

/** Sends one mail or throws (nodemailer's error: `code`, `responseCode`). */
export interface MailSender {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
  /** Where mails go, for the start-up log: never the password. */
  readonly describe: string;
}

export type EmailConfig = Pick<
  Config,
  'SMTP_HOST' | 'SMTP_PORT' | 'SMTP_SECURE' | 'SMTP_USER' | 'SMTP_PASSWORD' | 'EMAIL_FROM' | 'EMAIL_SANDBOX_DIR'
>;

const messageOf = (from: string, mail: OutgoingMail) => ({
  from,
  to: mail.to,
  subject: mail.subject,
  text: mail.text,
  html: mail.html,
  messageId: `<${mail.deliveryId}@burndown.mail>`,
  headers: mail.headers,
});

/**
 * The SMTP transport of the configuration, or without SMTP_HOST the sandbox:
 * the same message, built by nodemailer, written to EMAIL_SANDBOX_DIR as
 * `<delivery id>.eml` (a retry overwrites its own file, never adds one).
 */
export function createMailSender(config: EmailConfig): MailSender {
  if (config.SMTP_HOST) {
    const transport = nodemailer.createTransport({
      host: config.SMTP_HOST,
      port: config.SMTP_PORT,
      secure: config.SMTP_SECURE,
      ...(config.SMTP_USER && { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD ?? '' } }),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      logger: false,
    });
    return {
      describe: `smtp://${config.SMTP_HOST}:${config.SMTP_PORT}`,
      send: async (mail) => {
        await transport.sendMail(messageOf(config.EMAIL_FROM, mail));
      },
      close: () => transport.close(),
    };
  }
  const dir = resolve(config.EMAIL_SANDBOX_DIR);
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    describe: `sandbox folder ${dir}`,
    send: async (mail) => {
      const info = await transport.sendMail(messageOf(config.EMAIL_FROM, mail));
      await mkdir(dir, { recursive: true });
      await writeFile(resolve(dir, `${mail.deliveryId}.eml`), info.message as Buffer);
    },
    close: () => transport.close(),
  };
}
