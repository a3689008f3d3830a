import type { GraphTarget } from "./addressing.ts";
import { selectFields, selectList } from "./driveItemJson.ts";
import type { GraphCall } from "./graphCall.ts";
import { driveContext, userContext } from "./odataContext.ts";

/**
 * `GET /me`: the signed-in user as Graph's user resource gives it by default. Personal accounts
 * often have `mail: null`, which is why clients take the address from `mail ?? userPrincipalName`.
 */
export function getMe(call: GraphCall): unknown {
  const a = call.account;
  const json = {
    businessPhones: [],
    displayName: a.displayName,
    givenName: a.givenName,
    jobTitle: null,
    mail: a.mail,
    mobilePhone: null,
    officeLocation: null,
    preferredLanguage: "en-US",
    surname: a.surname,
    userPrincipalName: a.userPrincipalName,
    id: a.id,
  };
  return {
    "@odata.context": userContext(call.request.origin),
    ...selectFields(json, selectList(call.query)),
  };
}

/**
 * `GET /me/drive` or `/drives/{id}`: the drive with its owner and quota. `remaining` is
 * `total - used`; the recycle bin (`deleted`) is reported beside it, as Microsoft's drives do.
 */
export function getDrive(call: GraphCall<Extract<GraphTarget, { kind: "drive" }>>): unknown {
  const { drive } = call.target;
  const used = drive.quota.used;
  const json = {
    createdDateTime: drive.root.createdDateTime,
    description: "",
    id: drive.id,
    lastModifiedDateTime: drive.root.lastModifiedDateTime,
    name: "OneDrive",
    webUrl: `${call.request.origin}/_web/${encodeURIComponent(drive.id)}`,
    driveType: drive.driveType,
    owner: { user: { displayName: drive.owner.displayName, id: drive.owner.id } },
    quota: {
      deleted: drive.quota.deleted,
      remaining: Math.max(0, drive.quota.total - used),
      state: drive.quota.state(),
      total: drive.quota.total,
      used,
    },
  };
  return {
    "@odata.context": driveContext(call.request.origin),
    ...selectFields(json, selectList(call.query)),
  };
}
