import type { FileSystemInfo } from "../drive/itemRecord.ts";
import { nameKey } from "../drive/names.ts";
import { GraphFault } from "../fault.ts";
import { readJson } from "../http.ts";
import { replacedSize } from "../storage/uploadTarget.ts";
import { sessionStatus, uploadUrlFor } from "../storage/uploadUrlRoute.ts";
import type { ItemCall } from "./graphCall.ts";
import { graphBaseUrl } from "./odataContext.ts";
import { checkPreconditions, conflictBehaviorOf, resolveUploadTarget } from "./uploadRequest.ts";

/** The createUploadSession body: `driveItemUploadableProperties` under `item`, plus `deferCommit`. */
interface CreateUploadSessionBody {
  item?: {
    "@microsoft.graph.conflictBehavior"?: string;
    name?: string;
    description?: string;
    fileSize?: number;
    fileSystemInfo?: Partial<Record<keyof FileSystemInfo, unknown>>;
  };
  deferCommit?: boolean;
}

/**
 * `POST …:/createUploadSession`: opens a resumable upload and answers with its pre-authenticated
 * `uploadUrl`. Everything that can be refused before any byte is sent is refused here: a `fail`
 * clash, a bad name, a failed If-Match, a declared `fileSize` over quota.
 */
export async function createUploadSession(call: ItemCall): Promise<unknown> {
  const { state, request, target } = call;
  const body = await readJson<CreateUploadSessionBody>(request);
  const props = body.item ?? {};
  const conflict = conflictBehaviorOf(
    props["@microsoft.graph.conflictBehavior"] ??
      call.query.get("@microsoft.graph.conflictBehavior") ??
      undefined,
  );
  checkPreconditions(request, target.item);
  const upload = resolveUploadTarget(call, conflict);
  // Graph: "The {item-path} must contain the name of the item that's specified in the request body."
  if (props.name !== undefined && nameKey(String(props.name)) !== nameKey(upload.name)) {
    throw new GraphFault(
      400,
      "invalidRequest",
      `The name in the request body ('${props.name}') does not match the name in the path ('${upload.name}').`,
    );
  }
  let total: number | undefined;
  if (props.fileSize !== undefined) {
    if (!Number.isSafeInteger(props.fileSize) || props.fileSize < 0) {
      throw new GraphFault(400, "invalidRequest", "item.fileSize must be a non-negative integer.");
    }
    total = props.fileSize;
    // Graph: a fileSize over the available quota is 507 and no session is created.
    target.drive.quota.check(total - replacedSize(target.drive, upload));
  }
  const session = await state.uploads.open(
    {
      target: upload,
      conflict,
      fileSystemInfo: fileSystemInfoOf(props.fileSystemInfo),
      deferCommit: body.deferCommit === true,
      driveType: target.drive.driveType,
      total,
    },
    state.blobs.newPartPath(),
    state.clock.now(),
    state.options.uploadSessionLifetime * 1000,
  );
  return {
    "@odata.context": `${graphBaseUrl(request.origin)}/$metadata#microsoft.graph.uploadSession`,
    // On the host the session was created through; each request to it answers from its own host.
    uploadUrl: uploadUrlFor(request.origin, session),
    ...sessionStatus(state, session),
  };
}

/** The client's own timestamps, applied when the session commits so no second version is made. */
function fileSystemInfoOf(
  value: Partial<Record<keyof FileSystemInfo, unknown>> | undefined,
): Partial<FileSystemInfo> | undefined {
  if (value === undefined || value === null) return undefined;
  const out: Partial<FileSystemInfo> = {};
  for (const key of ["createdDateTime", "lastModifiedDateTime"] as const) {
    const v = value[key];
    if (v === undefined) continue;
    if (typeof v !== "string" || Number.isNaN(Date.parse(v))) {
      throw new GraphFault(400, "invalidRequest", `fileSystemInfo.${key} must be an ISO 8601 date and time.`);
    }
    out[key] = new Date(v).toISOString().replace(/\.000Z$/, "Z");
  }
  return out;
}
