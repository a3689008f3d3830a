/** OneDrive's QuickXorHash; see quickXorHash.js for why it is plain JavaScript. */
export declare class ServiceQuickXorHash {
  update(input: Uint8Array): void;
  /** The 20-byte digest in base64, as Graph reports `quickXorHash`. */
  digest(): string;
}
