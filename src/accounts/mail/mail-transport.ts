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
  /** `signal` aborts the send (deadline, lost claim); a transport should stop and throw. */
  send(mail: OutgoingMail, signal?: AbortSignal): Promise<void>;
  close?(): void;
}

export const MAIL_TRANSPORT = Symbol('MAIL_TRANSPORT');
