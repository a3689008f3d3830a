import { GraphFault } from "../fault.ts";
import { downloadUrlFor } from "../storage/downloadUrl.ts";
import { commitUpload, uploadedItemJson } from "../storage/uploadCommit.ts";
import { replacedSize } from "../storage/uploadTarget.ts";
import { type ItemCall, requireItem } from "./graphCall.ts";
import { checkPreconditions, conflictBehaviorOf, resolveUploadTarget } from "./uploadRequest.ts";

/** Graph: "This method only supports files up to 250 MB in size." Read as MiB, the generous way. */
export const SIMPLE_UPLOAD_LIMIT = 250 * 1024 * 1024;

/**
 * `GET …/content`: Graph does not serve the bytes itself; it answers 302 with the item's
 * pre-authenticated download URL, which clients must follow without the Authorization header.
 */
export function downloadContent(call: ItemCall): unknown {
  const item = requireItem(call);
  const url = downloadUrlFor(call.state, call.request.origin, call.target.drive, item);
  if (!url) {
    throw new GraphFault(404, "itemNotFound", "The specified item does not exist, or does not have content.");
  }
  return call.reply.code(302).header("location", url).send();
}

/**
 * `PUT …/content`, the simple upload: by id (replace), by path (creating missing parent
 * folders) or by `items/{parentId}:/{name}:`. The body streams from the socket straight to disk.
 */
export async function uploadContent(call: ItemCall): Promise<unknown> {
  const { state, request, reply, target } = call;
  const conflict = conflictBehaviorOf(call.query.get("@microsoft.graph.conflictBehavior") ?? undefined);
  const declared =
    request.headers["content-length"] === undefined ? undefined : Number(request.headers["content-length"]);
  if (declared !== undefined && declared > SIMPLE_UPLOAD_LIMIT) {
    throw new GraphFault(
      413,
      "requestTooLarge",
      "PUT …/content takes files up to 250 MB; use an upload session (createUploadSession) for larger files.",
    );
  }
  checkPreconditions(request, target.item);
  const upload = resolveUploadTarget(call, conflict);
  if (declared !== undefined) target.drive.quota.check(declared - replacedSize(target.drive, upload));

  let received = 0;
  const content = await state.blobs.ingest(state.chaos.incoming(request), target.drive.driveType, (chunk) => {
    state.counters.bytesIn += chunk.length;
    received += chunk.length;
    if (received > SIMPLE_UPLOAD_LIMIT) {
      throw new GraphFault(
        413,
        "requestTooLarge",
        "PUT …/content takes files up to 250 MB; use an upload session.",
      );
    }
  });
  const { drive, item, created } = await commitUpload(state, upload, content, conflict);
  reply.code(created ? 201 : 200);
  return uploadedItemJson(state, request.origin, drive, target.base, item);
}
