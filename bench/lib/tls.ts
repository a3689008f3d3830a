// Trusting the emulator's self-signed certificate in this process. Microsoft's Graph SDK treats
// only https:// URLs as absolute and only authenticates https hosts, so every benchmark run talks
// to a TLS emulator, and every contender trusts its certificate the same way: one undici Agent as
// the global dispatcher behind Node's fetch.
import { Agent, setGlobalDispatcher } from "undici";

export function trustCertificate(ca: string): void {
  setGlobalDispatcher(new Agent({ connect: { ca } }));
}
