import type { BrokerConfig } from "../config.ts";

/** The address a login link is opened at: FERRY_PUBLIC_URL + /login/<token>. */
export function loginLinkUrl(config: Pick<BrokerConfig, "publicUrl">, token: string): string {
  return `${config.publicUrl}/login/${token}`;
}
