/** The records a drive holds: its items, their stored bodies and their hashes. Plain data. */

export type DriveType = "personal" | "business";

/** The hashes Graph reports: business drives give quickXorHash only; personal drives give all three. */
export interface Hashes {
  quickXorHash: string;
  sha1Hash?: string;
  sha256Hash?: string;
}

/** A stored file body. The bytes live in the blob store under `blobId`. */
export interface Content {
  blobId: string;
  size: number;
  hashes: Hashes;
}

export interface FileSystemInfo {
  createdDateTime: string;
  lastModifiedDateTime: string;
}

export interface ItemRecord {
  id: string;
  name: string;
  parentId: string | null;
  folder: boolean;
  createdDateTime: string;
  lastModifiedDateTime: string;
  fileSystemInfo: FileSystemInfo;
  /** Bumped on every change; the eTag. */
  version: number;
  /** Bumped when the content (or, for folders, the set of children) changes; the cTag. */
  contentVersion: number;
  /** Files: the size of the content. Folders: the total size of everything below. */
  size: number;
  content?: Content;
  mimeType?: string;
  /** Folders: child name key → child id. */
  children?: Map<string, string>;
  /** The drive's change sequence number at this item's last change, for delta. */
  changeSeq: number;
}
