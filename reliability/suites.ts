// Which test files make up `npm run test:reliability`. They are long (minutes of chaos, crashes and
// load), so the everyday `vitest run` leaves them out and `npm test` adds them when CI=true.
export const RELIABILITY_TESTS = ["reliability/**/*.test.ts", "packages/*/test/**/*.reliability.test.ts"];
