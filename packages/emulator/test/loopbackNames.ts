import { type LookupAddress, type LookupOptions, lookup } from "node:dns";

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A DNS lookup for sockets (undici's `connect.lookup`) that resolves the given host names to
 * 127.0.0.1 and everything else as usual: tests reach the emulator and its proxy under real-looking
 * names (`login.ferry.test`, `localhost` for MSAL's loopback redirect) while staying on IPv4
 * loopback, whatever the machine's hosts file says.
 */
export function namesOnLoopback(names: readonly string[]) {
  const mapped = new Set(names.map((n) => n.toLowerCase()));
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    if (!mapped.has(hostname.toLowerCase())) {
      (lookup as (h: string, o: LookupOptions, cb: LookupCallback) => void)(hostname, options, callback);
      return;
    }
    if (options.all) callback(null, [{ address: "127.0.0.1", family: 4 }]);
    else callback(null, "127.0.0.1", 4);
  };
}
