import { readFileSync } from "node:fs";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { ACCOUNTS } from "../accounts.ts";
import { validateFaultSpec } from "../chaos/scriptedFaults.ts";
import { rawPathAfter, rawQuery } from "../http.ts";
import { approveDeviceCode, findByUserCode } from "../identity/deviceCode.ts";
import { grantFor, mintForGrant } from "../identity/tokenIssuer.ts";
import { DEV_CLIENT_ID } from "../options.ts";
import type { EmulatorState } from "../state.ts";
import type { AdminAccount, AdminCounters, IssuedToken } from "./adminApi.ts";
import { Fields, readAdminJson } from "./adminBody.ts";
import { AdminError, badRequest, sendAdminError } from "./adminError.ts";
import { resetEmulator } from "./resetEmulator.ts";
import { putFile, requireAccount, seed } from "./seed.ts";
import { applySettings, currentSettings } from "./settings.ts";

export const ADMIN_PREFIX = "/_emulator";

type Params = Record<string, string>;

/**
 * The emulator's own control API. It lives under `/_emulator/` and nowhere else, so no Graph or
 * identity path can ever reach it; it takes no token because it is a local test tool.
 */
export function registerAdminRoutes(app: FastifyInstance, state: EmulatorState): void {
  app.register(
    async (admin) => {
      admin.setErrorHandler(sendAdminError);
      admin.setNotFoundHandler((request, reply) =>
        reply.code(404).send({
          error: {
            code: "notFound",
            message: `no admin route ${request.method} ${request.url.split("?")[0]}`,
          },
        }),
      );

      admin.get("/health", async () => ({ status: "ok", uptimeSeconds: Math.round(process.uptime()) }));

      admin.get(
        "/accounts",
        async (): Promise<{ accounts: AdminAccount[] }> => ({
          accounts: ACCOUNTS.map((a) => ({
            key: a.key,
            kind: a.kind,
            id: a.id,
            email: a.mail ?? a.userPrincipalName,
            displayName: a.displayName,
            driveId: a.driveId,
            driveType: a.kind === "personal" ? "personal" : "business",
          })),
        }),
      );

      admin.post("/seed", async (request, reply) => {
        reply.code(201);
        return seed(state, await readAdminJson(request));
      });

      admin.put("/files/*", async (request, reply) => {
        const segments = rawPathAfter(request, `${ADMIN_PREFIX}/files/`)
          .split("/")
          .filter((s) => s !== "")
          .map(decodeSegment);
        const [account, ...path] = segments;
        if (!account) throw badRequest("use PUT /_emulator/files/{account}/{path}");
        const item = await putFile(state, account, path, request.raw);
        reply.code(201);
        return item;
      });

      admin.post("/reset", async (request, reply) => {
        await resetEmulator(state, { identity: rawQuery(request).get("identity") === "true" });
        return reply.code(204).send();
      });

      admin.get("/settings", async () => currentSettings(state));
      admin.patch("/settings", async (request) => applySettings(state, await readAdminJson(request)));

      admin.get("/faults", async () => ({ faults: state.chaos.scripted.list(state.clock.now()) }));
      admin.post("/faults", async (request, reply) => {
        const body = await readAdminJson(request);
        const list = Array.isArray(body)
          ? body
          : typeof body === "object" && body !== null && "faults" in body && Array.isArray(body.faults)
            ? (body.faults as unknown[])
            : [body];
        if (list.length === 0) throw badRequest("no faults given");
        // Validate all before arming any, so a refused request arms nothing.
        const specs = list.map((item, i) => {
          const checked = validateFaultSpec(item);
          if ("error" in checked)
            throw badRequest(list.length > 1 ? `faults[${i}]: ${checked.error}` : checked.error);
          return checked.spec;
        });
        const now = state.clock.now();
        reply.code(201);
        return { faults: specs.map((spec) => state.chaos.scripted.add(spec, now)) };
      });
      admin.delete("/faults", async () => ({ cleared: state.chaos.scripted.clear() }));

      admin.post<{ Params: Params }>("/accounts/:key/revoke", async (request) => {
        const account = requireAccount(request.params.key ?? "");
        const revoked = state.identity.revokeAccount(account.id, state.clock.now());
        state.markDirty();
        return { revoked };
      });

      admin.post("/tokens/expire", async (_request, reply) => {
        state.identity.expireAccessTokens();
        state.markDirty();
        return reply.code(204).send();
      });

      admin.post("/tokens", async (request): Promise<IssuedToken> => {
        const f = new Fields(await readAdminJson(request));
        const account = requireAccount(f.string("account", true));
        const scopes = f.strings("scopes") ?? ["Files.ReadWrite", "User.Read"];
        const clientId = f.string("clientId") ?? DEV_CLIENT_ID;
        f.done();
        if (!state.identity.apps.has(clientId)) {
          throw new AdminError(404, "appNotFound", `no app registered with client id '${clientId}'`);
        }
        return mintForGrant(state, grantFor(state, account, clientId, scopes), account);
      });

      admin.post("/clock", async (request) => {
        const f = new Fields(await readAdminJson(request));
        const seconds = f.number("advanceSeconds", { required: true, min: 0 });
        f.done();
        state.clock.advance(seconds);
        return { now: state.clock.iso() };
      });

      admin.post("/devicecode/approve", async (request) => {
        const f = new Fields(await readAdminJson(request));
        const userCode = f.string("userCode", true);
        const account = requireAccount(f.string("account", true));
        const accept = f.boolean("accept") ?? true;
        f.done();
        if (!findByUserCode(state, userCode)) {
          throw new AdminError(
            404,
            "deviceCodeNotFound",
            `no device authorization has the user code '${userCode}'`,
          );
        }
        try {
          approveDeviceCode(state, userCode, account.key, accept);
        } catch (err) {
          // Expired, already decided, or an account the device's tenant does not admit.
          throw badRequest((err as Error).message);
        }
        state.markDirty();
        return { userCode, account: account.key, approved: accept };
      });

      admin.post<{ Params: Params }>("/drives/:account/delta/invalidate", async (request, reply) => {
        driveOf(state, request).delta.invalidateTokens();
        state.markDirty();
        return reply.code(204).send();
      });

      admin.patch<{ Params: Params }>("/drives/:account", async (request) => {
        const drive = driveOf(state, request);
        const f = new Fields(await readAdminJson(request));
        const quotaTotal = f.number("quotaTotal", { required: true, min: 0, integer: true });
        f.done();
        drive.quota.total = quotaTotal;
        state.markDirty();
        return { driveId: drive.id, quotaTotal: drive.quota.total, used: drive.quota.used };
      });

      admin.get("/counters", async (): Promise<AdminCounters> => {
        return {
          ...state.counters.snapshot(),
          rss: process.memoryUsage().rss,
          peakRss: peakRss(),
        };
      });
      admin.post("/counters/reset", async (_request, reply) => {
        state.counters.reset();
        return reply.code(204).send();
      });
    },
    { prefix: ADMIN_PREFIX },
  );
}

function driveOf(state: EmulatorState, request: FastifyRequest<{ Params: Params }>) {
  return state.drives.forAccount(requireAccount(request.params.account ?? "").id);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`'${segment}' is not valid percent-encoding`);
  }
}

/**
 * The most resident memory this process has had. VmHWM where Linux has it: getrusage's maxRSS (in KiB)
 * survives fork and exec, so an emulator started by a large test runner would report the runner's peak.
 */
function peakRss(): number {
  try {
    const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync("/proc/self/status", "utf8"));
    if (m?.[1]) return Number(m[1]) * 1024;
  } catch {
    // Not Linux: fall through.
  }
  return process.resourceUsage().maxRSS * 1024;
}
