import { BlockList, isIPv4 } from "node:net";
import type { TrustProxy } from "../config.ts";

/** Where a proxy that is only counted, not named, must connect from: this machine or a private network. */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ["127.0.0.0", 8],
  ["10.0.0.0", 8],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
  ["169.254.0.0", 16],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv4");
}
for (const [network, prefix] of [
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const) {
  PRIVATE.addSubnet(network, prefix, "ipv6");
}

function isPrivate(address: string): boolean {
  // A dual-stack listener sees IPv4 peers as ::ffff:a.b.c.d.
  const plain = address.startsWith("::ffff:") && isIPv4(address.slice(7)) ? address.slice(7) : address;
  return PRIVATE.check(plain, isIPv4(plain) ? "ipv4" : "ipv6");
}

/**
 * Fastify's `trustProxy` for a configured TrustProxy. A list of addresses goes to Fastify as is (proxy-addr
 * trusts X-Forwarded-For only from those peers). A hop count becomes a function: Fastify's own number form now
 * trusts nothing, because a count alone cannot tell the proxy from a client that connects directly and writes its
 * own X-Forwarded-For; here the nearest hop must also be a loopback or private address, so a client on the open
 * network is never believed.
 */
export function fastifyTrustProxy(
  trust: TrustProxy | undefined,
): false | string[] | ((address: string, hop: number) => boolean) {
  if (trust === undefined) return false;
  if ("addresses" in trust) return [...trust.addresses];
  const { hops } = trust;
  return (address, hop) => hop < hops && (hop > 0 || isPrivate(address));
}
