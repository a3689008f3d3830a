// A 200 MB upload with progress. The bytes are generated as a stream, so nothing is held in memory;
// the size is given up front so the upload session needs no spooling.
import { onedriveConnect } from "ferry";

const SIZE = 200 * 1024 * 1024;
const CHUNK = 4 * 1024 * 1024;

async function* generated(size: number): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < size; offset += CHUNK) {
    const chunk = new Uint8Array(Math.min(CHUNK, size - offset));
    for (let i = 0; i < chunk.length; i += 4096) chunk[i] = (offset + i) & 0xff;
    yield chunk;
  }
}

export default async () => {
  const conn = onedriveConnect();
  let nextReport = 0;
  const started = Date.now();
  const item = await conn.upload("big/200mb.bin", generated(SIZE), {
    size: SIZE,
    onProgress: (bytes, total) => {
      const percent = Math.floor((bytes / total) * 100);
      if (percent >= nextReport) {
        console.log(
          `uploaded ${(bytes / 2 ** 20).toFixed(0)} / ${(total / 2 ** 20).toFixed(0)} MiB (${percent}%)`,
        );
        nextReport = percent + 25;
      }
    },
  });
  const seconds = (Date.now() - started) / 1000;
  console.log(`done: ${item.name}, ${item.size} bytes in ${seconds.toFixed(1)} s`);
  await conn.fs.rm("big", { recursive: true });
};
