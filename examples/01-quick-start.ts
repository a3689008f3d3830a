// Quick start: list a subfolder, download a file's bytes, and list the drive root as a table.
import { onedriveConnect } from "ferry";

export default async () => {
  const conn = onedriveConnect();
  console.log("reports/:", await conn.fs.ls("reports"));
  const data = await conn.download("reports/q1.csv");
  console.log(
    `reports/q1.csv: ${data.byteLength} bytes, first line: ${new TextDecoder().decode(data).split("\n")[0]}`,
  );
  const root = await conn.list("");
  return root.map((item) => ({ name: item.name, size: item.size, folder: item.folder !== undefined }));
};
