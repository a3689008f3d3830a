// The broker as its own process for `npm run bench:broker`, configured from FERRY_* like `ferry serve`, plus
// FERRY_BENCH_BROKER_OPTIONS (JSON BrokerOptions). Prints "listening <url>" once it serves.
import { type BrokerOptions, loadConfig, startBroker } from "@ferry/broker";

const options = JSON.parse(process.env.FERRY_BENCH_BROKER_OPTIONS ?? "{}") as BrokerOptions;
const broker = await startBroker(loadConfig(process.env), { port: 0, logger: { level: "warn" }, ...options });
process.stdout.write(`listening ${broker.url}\n`);
process.once("SIGTERM", () => {
  void broker.close().then(() => process.exit(0));
});
