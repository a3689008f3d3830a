// A Graph client for one Ferry user's own OneDrive, as the file explorer's routes use it. Its only credential is
// what the minter hands out for that user id, so a route can reach no drive but its caller's.

import { OneDriveClient } from "@ferry/graph";
import type { TokenMinter } from "./tokenMinter.ts";

export function userDrive(minter: TokenMinter, graphUrl: string, userId: string): OneDriveClient {
  let lastExpiresAt: number | undefined;
  return new OneDriveClient({
    baseUrl: graphUrl,
    token: async (options) => {
      // A 401 from Graph names the token just used as stale, so the minter refreshes instead of handing it back.
      const token = await minter.mint(userId, options?.forceRefresh ? lastExpiresAt : undefined);
      lastExpiresAt = token.expiresAt;
      return token.accessToken;
    },
    // The page is waiting on each answer: a throttled Graph is reported rather than waited out for minutes.
    retry: { maxAttempts: 3, maxDelayMs: 5_000, maxElapsedMs: 20_000 },
  });
}
