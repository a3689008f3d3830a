// `ferry sync`: make a OneDrive folder equal a local one, copying only what differs. This runs the
// CLI's own command (`ferry sync ./local onedrive://backup/notes`) twice: the second run copies nothing.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildProgram } from "@ferry/cli";

const sync = (src: string, dst: string) => buildProgram().parseAsync(["sync", src, dst], { from: "user" });

export default async () => {
  const dir = await mkdtemp(join(tmpdir(), "ferry-sync-example-"));
  try {
    await writeFile(join(dir, "a.txt"), "alpha\n");
    await writeFile(join(dir, "b.txt"), "bravo\n");
    console.log("$ ferry sync ./notes onedrive://backup/notes");
    await sync(dir, "onedrive://backup/notes");
    console.log("$ ferry sync ./notes onedrive://backup/notes   # again: nothing changed");
    await sync(dir, "onedrive://backup/notes");
    await writeFile(join(dir, "b.txt"), "bravo, edited\n");
    console.log("$ ferry sync ./notes onedrive://backup/notes   # after editing b.txt");
    await sync(dir, "onedrive://backup/notes");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};
