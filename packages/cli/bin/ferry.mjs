#!/usr/bin/env node
// The package ships TypeScript sources; tsx compiles them on load so there is no build step to forget,
// and `ferry run FILE.ts` can import a user's TypeScript file through the same loader.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
