// The last lines every test command ends on: the failures by name, then `N passed, N failed`, which CI
// reads from the very last line; the exit code says the same.

/** Prints the summary and exits: 0 when nothing failed. */
export function finish({ passed, failed, failures }) {
  if (failures.length > 0) console.log(`\nFailed:\n${failures.map((f) => `  ✗ ${f}`).join("\n")}`);
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}
