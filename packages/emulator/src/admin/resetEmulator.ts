import { Random } from "../random.ts";
import type { EmulatorState } from "../state.ts";

/**
 * `POST /_emulator/reset`: back to a fresh start between tests without restarting the process.
 * Empties every drive (and deletes their file bodies), zeroes the counters, drops scripted faults
 * and re-seeds fault decisions, so the next run of a test draws the same faults as the first.
 * Settings and the clock stay as they are. Grants survive unless `identity` is set, because a
 * signed-in client is usually the thing a test wants to keep.
 */
export async function resetEmulator(state: EmulatorState, options: { identity: boolean }): Promise<void> {
  const blobs = state.drives.all().flatMap((d) => [...d.blobReferences()]);
  state.drives.reset(state.clock.iso());
  await state.blobs.release(blobs);
  // Open upload sessions point into the drives just emptied; their part files go with them.
  await state.uploads.clear();
  state.counters.reset();
  state.chaos.reset();
  state.random = new Random(state.options.seed);
  if (options.identity) {
    // Without its grant, every refresh token and access token minted from it stops working.
    state.identity.grants.clear();
    state.identity.refreshTokens.clear();
    state.identity.codes.clear();
    state.identity.deviceAuthorizations.clear();
  }
  state.markDirty();
}
