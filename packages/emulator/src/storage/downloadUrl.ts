import type { EmulatorContext } from "../context.ts";
import type { Drive } from "../drive/drive.ts";
import type { ItemRecord } from "../drive/itemRecord.ts";

/** What a pre-authenticated download link grants: one blob, until it expires. */
export interface DownloadGrant {
  /** Drive and item, for counters and messages. */
  d: string;
  i: string;
  b: string;
  /** The blob's size, so a Range can be answered without looking anything up. */
  s: number;
  /** Expiry, seconds on the emulator clock. */
  e: number;
}

export const DOWNLOAD_PREFIX = "/dl/";

/**
 * `@microsoft.graph.downloadUrl`: a short-lived URL that needs no Authorization header. Like
 * Microsoft's, it is bound to one version of the file and stops working when it expires. It is on
 * `origin`, the host the Graph request was addressed to, so a client behind a proxy can reach it.
 */
export function downloadUrlFor(
  ctx: EmulatorContext,
  origin: string,
  drive: Drive,
  item: ItemRecord,
): string | undefined {
  if (!item.content) return undefined;
  const grant: DownloadGrant = {
    d: drive.id,
    i: item.id,
    b: item.content.blobId,
    s: item.content.size,
    e: Math.floor(ctx.clock.now() / 1000) + ctx.options.downloadUrlLifetime,
  };
  return `${origin}${DOWNLOAD_PREFIX}${ctx.signer.sign(grant)}`;
}

export function readDownloadGrant(ctx: EmulatorContext, token: string): DownloadGrant | undefined {
  return ctx.signer.verify<DownloadGrant>(token);
}
