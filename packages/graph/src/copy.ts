// Server-side copy. Graph answers `POST items/{id}/copy` with 202 and a monitor URL in `Location`;
// the copy completes behind it. The monitor URL needs no Authorization (it is pre-authenticated,
// like download URLs) and reports `{ status, percentageComplete, resourceId }`.

import type { DriveItem } from "@microsoft/microsoft-graph-types";
import { FerryError } from "./errors.ts";
import type { GraphCore } from "./graphCore.ts";
import { sleep } from "./transport.ts";

interface MonitorStatus {
  status?: "notStarted" | "inProgress" | "completed" | "failed" | "waiting" | string;
  percentageComplete?: number;
  resourceId?: string;
  error?: { code?: string; message?: string };
}

export async function copyItem(
  core: GraphCore,
  source: { id: string; path: string },
  target: { parentId: string; driveId?: string; name: string },
  signal?: AbortSignal,
): Promise<DriveItem> {
  const response = await core.transport.send({
    method: "POST",
    url: core.idUrl(source.id, "copy"),
    path: source.path,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      parentReference: { id: target.parentId, ...(target.driveId ? { driveId: target.driveId } : {}) },
      name: target.name,
    }),
    // A repeated copy request would make a second copy; only retried where the service surely
    // did not act (see RetryPolicy).
    idempotent: false,
    ...(signal ? { signal } : {}),
  });
  await response.body?.cancel();
  const monitor = response.headers.get("location");
  if (!monitor)
    throw new FerryError(`copying ${source.path}: Graph accepted the copy but gave no monitor URL`);
  for (let wait = 50; ; wait = Math.min(2000, wait * 2)) {
    const status = (await (
      await core.transport.send({
        method: "GET",
        url: monitor,
        path: source.path,
        auth: false,
        ...(signal ? { signal } : {}),
      })
    ).json()) as MonitorStatus;
    if (status.status === "completed" && status.resourceId) {
      return core.json<DriveItem>("GET", core.idUrl(status.resourceId), { path: target.name });
    }
    if (status.status === "failed") {
      const why = status.error?.message ?? status.error?.code ?? "no reason given";
      throw new FerryError(`copying ${source.path} to ${target.name} failed on OneDrive: ${why}`, {
        code: "copy_failed",
      });
    }
    await sleep(wait, signal);
  }
}
