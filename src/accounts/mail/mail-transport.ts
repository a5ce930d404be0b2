/** A mail ready to go out. */
export interface OutgoingMail {
  /** The outbox id: names the .eml file and makes the Message-ID. */
  id: string;
  kind: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/** Delivers one mail or throws; SMTP or an .eml file. */
export interface MailTransport {
  readonly name: string;
  send(mail: OutgoingMail): Promise<void>;
  close?(): void;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
