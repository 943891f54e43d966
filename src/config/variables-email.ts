import { z } from 'zod';
import { port, variable } from './variable-spec.js';

/**
 * Customer email (issue 19, docs/EMAIL.md). The SMTP server is given in parts
 * rather than as a URL so that no value with a password in it can appear in a
 * configuration error; SMTP_PASSWORD is never logged.
 */
export const emailVariables = {
  SMTP_HOST: variable(
    z.string().min(1).optional(),
    'smtp.postmarkapp.com',
    'SMTP server customer mails are sent through. Unset: no mail leaves the machine; each is written as an .eml file to EMAIL_SANDBOX_DIR (development).',
  ),
  SMTP_PORT: variable(port.default(587), '465', 'Port of SMTP_HOST.'),
  SMTP_SECURE: variable(
    z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    'true',
    '`true`: TLS from the first byte (port 465); `false`: STARTTLS when the server offers it (ports 587, 25).',
  ),
  SMTP_USER: variable(z.string().min(1).optional(), 'apikey', 'SMTP user name, if the server asks for authentication.'),
  SMTP_PASSWORD: variable(z.string().optional(), '…', 'SMTP password of SMTP_USER (a secret: never logged nor shown in errors).'),
  EMAIL_FROM: variable(
    z.string().min(3).default('Burndown Billing <billing@burndown.localhost>'),
    'Acme Billing <billing@acme.com>',
    'Sender (From) of customer mails.',
  ),
  EMAIL_SANDBOX_DIR: variable(
    z.string().min(1).default('.data/mail'),
    '/var/tmp/burndown-mail',
    'Without SMTP_HOST, mails are written here as <delivery id>.eml instead of being sent (open them with any mail client).',
  ),
} as const;
