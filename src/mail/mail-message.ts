/** Why Gatehouse writes to someone: each is a template (./templates.ts) and a log line. */
export type MailPurpose = 'email_verification' | 'password_reset' | 'password_changed';

/** A mail ready to send: plain text and HTML of the same message (RFC 2046 §5.1.4). */
export interface MailMessage {
  purpose: MailPurpose;
  /** One address, checked by mailAddressProblem before any transport sees it. */
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * What became of a mail: sent, written to the log (no SMTP_URL), failed at the mail server
 * (logged), or refused: its recipient is not one plain address (header injection).
 */
export type MailOutcome = 'sent' | 'logged' | 'failed' | 'refused';
