// Common operations: list, item metadata, download, upload (and overwrite), create a folder with
// conflictBehavior "fail", delete.
import { ConflictError, onedriveConnect } from "ferry";

export default async () => {
  const conn = onedriveConnect();
  const names = (await conn.list("data")).map((item) => item.name);
  console.log("list data/:", names);

  const item = await conn.stat("data/measurements.csv");
  console.log(`metadata: ${item.name}, ${item.size} bytes, modified ${item.lastModifiedDateTime}`);

  const bytes = await conn.download("data/measurements.csv");
  console.log(`download: ${bytes.byteLength} bytes`);

  await conn.upload("scratch/hello.txt", new TextEncoder().encode("hello"));
  const overwritten = await conn.upload("scratch/hello.txt", new TextEncoder().encode("hello again"));
  console.log(`upload + overwrite: scratch/hello.txt is now ${overwritten.size} bytes`);

  await conn.mkdir("scratch/new-folder", { conflict: "fail" });
  try {
    await conn.mkdir("scratch/new-folder", { conflict: "fail" });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
    console.log("mkdir with conflictBehavior fail: the second create fails with ConflictError, as expected");
  }

  await conn.fs.rm("scratch", { recursive: true });
  console.log(`delete: scratch exists afterwards? ${await conn.exists("scratch")}`);
};
