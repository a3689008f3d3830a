// token(): a Graph access token for any other client; here plain fetch against /me.
// The Graph base URL comes from the connection, so this works against the emulator and real Graph.
import { onedriveConnect } from "ferry";

export default async () => {
  const conn = onedriveConnect();
  const token = await conn.token();
  const response = await fetch(`${conn.core.baseUrl}/me`, { headers: { authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET /me: HTTP ${response.status}`);
  const me = (await response.json()) as { displayName?: string; userPrincipalName?: string; id?: string };
  return { displayName: me.displayName, userPrincipalName: me.userPrincipalName, id: me.id };
};
