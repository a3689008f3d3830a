// The device-code connect, for a machine without a browser: ask the broker to start it, show the
// code, and poll the broker until the sign-in finishes (the broker polls Microsoft).
// Against real Microsoft a person enters the code at the verification URL. In `npm run demo`,
// FERRY_EMULATOR_URL is set and the code is approved through the emulator's admin API instead,
// exactly as a person would approve it on the emulator's device-login page.
import { EmulatorAdmin } from "@ferry/emulator";
import { findCredentials } from "ferry";

export default async () => {
  const { url, apiKey } = findCredentials();
  const call = async <T>(method: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${url}/api/v1/integrations/onedrive/device`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!response.ok) throw new Error(`${method} device: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const started = await call<{
    userCode: string;
    verificationUri: string;
    interval: number;
    message: string;
  }>("POST", {});
  console.log(started.message);

  const emulator = process.env.FERRY_EMULATOR_URL;
  if (emulator) {
    await new EmulatorAdmin(emulator).approveDeviceCode(
      started.userCode,
      process.env.FERRY_DEMO_ACCOUNT ?? "personal",
    );
    console.log("(demo: approved through the emulator's admin API)");
  }
  let last = "";
  for (;;) {
    const { status, detail } = await call<{ status: string; detail: string | null }>("GET");
    if (status !== last) console.log(`status: ${status}`);
    last = status;
    if (status === "connected") return { connected: true };
    if (status !== "pending") throw new Error(`device sign-in ${status}${detail ? `: ${detail}` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
};
