/**
 * Mail out of Monban: only password reset links (accounts/password-resets.ts), plain text, over the SMTP server of
 * MONBAN_MAIL_URL. nodemailer is loaded at the first mail, not when Monban starts: a server without mail (the
 * default) never pays for loading it.
 */
export interface Mail {
  to: string;
  subject: string;
  text: string;
}

export interface Mailer {
  /** Sends one mail; rejects when the SMTP server refuses it or cannot be reached within the timeouts below. */
  send(mail: Mail): Promise<void>;
}

/**
 * Bounds on every wait (nodemailer's defaults are minutes): a mail that cannot go is given up and its failure
 * logged, without holding a connection for long.
 */
const CONNECTION_TIMEOUT_MS = 10_000;
const GREETING_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

/**
 * A mailer over nodemailer's SMTP transport, one connection per mail (resets are rare). `url` is nodemailer's
 * connection URL (`smtp://user:pass@host:587`, `smtps://` for TLS from the start); it is never logged.
 */
export function smtpMailer(url: string, from: string): Mailer {
  let transport: Promise<import('nodemailer').Transporter> | undefined;
  const open = async () => {
    const nodemailer = await import('nodemailer');
    return nodemailer.createTransport({
      url,
      connectionTimeout: CONNECTION_TIMEOUT_MS,
      greetingTimeout: GREETING_TIMEOUT_MS,
      socketTimeout: SOCKET_TIMEOUT_MS,
    });
  };
  return {
    async send(mail: Mail): Promise<void> {
      transport ??= open();
      await (await transport).sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}

/** What may be logged of a mail's failure: its code and message, never the mail (its link is a secret). */
export function mailFailure(err: unknown): { code?: string; message: string } {
  if (!(err instanceof Error)) return { message: String(err) };
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? { code, message: err.message } : { message: err.message };
}
