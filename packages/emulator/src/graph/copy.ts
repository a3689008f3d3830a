import type { ConflictBehavior } from "../drive/conflictPlacement.ts";
import type { ItemRecord } from "../drive/itemRecord.ts";
import { GraphFault } from "../fault.ts";
import { readJson } from "../http.ts";
import { conflictBehavior } from "./conflictBehavior.ts";
import { monitorUrl } from "./copyMonitor.ts";
import { type ItemCall, requireItem } from "./graphCall.ts";
import { resolveItemReference } from "./itemReference.ts";

/**
 * `POST …/copy` with `{ parentReference?, name? }`: 202 Accepted and a `Location` monitor URL; the
 * copy appears when the job completes. Microsoft documents that the POST itself accepts or rejects
 * the copy, "say due to the destination filename already being in use", so every check (clash,
 * name rules, quota, copying into itself) answers here with its error, and the job only fails if
 * the drive changed in the meantime (the source or destination deleted, the name taken).
 */
export async function startCopy(call: ItemCall): Promise<unknown> {
  const body = await readJson(call.request);
  const source = requireItem(call);
  const { state, target } = call;
  const drive = target.drive;
  let parent: ItemRecord | undefined;
  if (body.parentReference !== undefined && body.parentReference !== null) {
    parent = resolveItemReference(state.drives, drive, body.parentReference);
  } else {
    parent = source.parentId ? drive.get(source.parentId) : undefined;
    if (!parent) throw new GraphFault(400, "invalidRequest", "Copying the root needs a parentReference.");
  }
  if (body.name !== undefined && body.name !== null && typeof body.name !== "string") {
    throw new GraphFault(400, "invalidRequest", "'name' must be a string.");
  }
  const name = typeof body.name === "string" ? body.name : source.name;
  // Microsoft: "conflictBehavior is not supported for OneDrive Consumer" — personal drives always
  // fail on a clash; business drives honour the query parameter.
  const conflict: ConflictBehavior =
    drive.driveType === "personal" ? "fail" : conflictBehavior(call.query, undefined, "fail");
  drive.checkCopy(source, parent, name, conflict);

  let items = 0;
  drive.walk(source, () => items++);
  const delay = state.copies.delayFor(source.folder, items, source.size);
  const destination = parent;
  const job = state.copies.start(state.clock.now(), delay, () => {
    const from = drive.get(source.id);
    const into = drive.get(destination.id);
    if (!from) throw new GraphFault(404, "itemNotFound", "The item being copied was deleted.");
    if (!into) throw new GraphFault(404, "itemNotFound", "The destination folder was deleted.");
    const result = drive.copy(from, into, name, state.clock.iso(), conflict);
    for (const blobId of result.retained) state.blobs.retain(blobId);
    void state.blobs.release(result.released);
    state.markDirty();
    return result.item.id;
  });
  call.reply.code(202).header("location", monitorUrl(call.request.origin, job.id));
  return undefined;
}
