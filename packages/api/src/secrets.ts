// Secrets: a Ferry user's named values for their jobs (an API key for another service), encrypted in the broker's
// vault. Names are letters, digits and `_`, starting with a letter, at most 128 characters; a value is 1 byte to
// 64 KiB of UTF-8 text. The page may set and delete them but never reads a value back (write-only); jobs and the CLI
// read one by name with an API key.

/** A secret as it is listed: its name and times, never its value. */
export interface SecretSummary {
  name: string;
  createdAt: string;
  updatedAt: string;
}

/** GET /api/v1/secrets: the user's secrets, sorted by name. */
export interface SecretList {
  secrets: SecretSummary[];
}

/** PUT /api/v1/secrets/:name: the value to store (created, or replacing the one stored). */
export interface SetSecretRequest {
  value: string;
}

export interface SecretSaved {
  secret: SecretSummary;
  /** True when the name was new, false when an existing value was replaced. */
  created: boolean;
}

/** GET /api/v1/secrets/:name, with an API key only: the value, for a job or `ferry secrets get`. */
export interface SecretValue {
  name: string;
  value: string;
  updatedAt: string;
}

/** DELETE /api/v1/secrets/:name. */
export interface SecretDeleted {
  deleted: true;
  name: string;
}
