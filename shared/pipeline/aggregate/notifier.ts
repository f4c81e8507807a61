/**
 * The port the aggregator (and any other stage that tells subscribers something) publishes through.
 * `shared/adapters/sns-notifier.ts` implements it over the notifications topic.
 */

/** One notification: a short ASCII subject, a JSON body, and string attributes subscribers filter on. */
export interface Notification {
  readonly subject: string;
  readonly message: string;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface Notifier {
  publish(notification: Notification): Promise<void>;
}
