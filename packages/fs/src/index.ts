// The public face of @ferry/fs: the onedrive:// filesystem (and its local twin), URL resolution,
// the random-access reader, and the data readers and writers.

export { type ReadArrowOptions, readArrow, writeArrow } from "./arrow.ts";
export { isArrowTable, type Row, rowsToTable, tableToRows } from "./arrowRows.ts";
export { type EnsureLocalOptions, ensureLocal, type LocalCopy } from "./cache/ensureLocal.ts";
export {
  type CacheCounters,
  type CachedFile,
  type CacheEntryInfo,
  type CacheStats,
  DEFAULT_CACHE_MAX_BYTES,
  defaultCacheDir,
  ReadCache,
  type ReadCacheOptions,
} from "./cache/readCache.ts";
export { baseName } from "./common.ts";
export {
  type CsvBatchOptions,
  type ReadCsvOptions,
  readCsv,
  streamCsv,
  streamCsvBatches,
  type WriteCsvOptions,
  writeCsv,
} from "./csv.ts";
export { CsvFormatError } from "./csvTokenizer.ts";
export { AbstractFileSystem } from "./fileSystem.ts";
export { type ReadJsonOptions, readJson, readNdjson, streamNdjson, writeJson, writeNdjson } from "./json.ts";
export { FILE_PROTOCOL, LocalFileSystem } from "./localFileSystem.ts";
export {
  ONEDRIVE_PROTOCOL,
  OneDriveFileSystem,
  type OneDriveFileSystemOptions,
} from "./oneDriveFileSystem.ts";
export {
  type ParquetCodec,
  type ParquetQueryFilter,
  type ReadParquetOptions,
  readParquet,
  readParquetMetadata,
  streamParquet,
  streamParquetBatches,
  type WriteParquetOptions,
  writeParquet,
} from "./parquet.ts";
export {
  RangeReader,
  type RangeReaderOptions,
  type RangeReaderStats,
  type RangeSource,
} from "./rangeReader.ts";
export {
  type CacheOption,
  type FileSystemFactory,
  fileSystemFor,
  protocolOf,
  type ResolvedUrl,
  registerFileSystem,
  resolveUrl,
  setDefaultOneDrive,
  unregisterFileSystem,
} from "./registry.ts";
export type {
  ByteSource,
  FileInfo,
  FileType,
  FindOptions,
  RandomAccessFile,
  RangeOptions,
  TransferOptions,
  WriteData,
} from "./types.ts";
export { createReadStream, open, pipe, readFile, readText, writeFile } from "./urls.ts";
