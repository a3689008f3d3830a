import type { FileEntry, FolderPage, Preview, UploadProgress, UploadStarted } from "@ferry/api";
import { ApiError, request } from "../api.ts";

/**
 * The explorer's side of the broker's `/api/v1/onedrive/…` routes. JSON routes go through the typed `request`;
 * fragments go through XMLHttpRequest, the one browser API that reports upload progress.
 */
export class FilesApi {
  constructor(private readonly csrfToken: string | null) {}

  page(path: string, cursor: string | null, signal?: AbortSignal): Promise<FolderPage> {
    const query = new URLSearchParams({ path });
    if (cursor !== null) query.set("cursor", cursor);
    return request("GET", `/api/v1/onedrive/children?${query}`, null, undefined, signal);
  }

  item(path: string): Promise<FileEntry> {
    return request("GET", `/api/v1/onedrive/item?${new URLSearchParams({ path })}`, null);
  }

  preview(path: string): Promise<Preview> {
    return request("GET", `/api/v1/onedrive/preview?${new URLSearchParams({ path })}`, null);
  }

  newFolder(parent: string, name: string): Promise<FileEntry> {
    return request("POST", "/api/v1/onedrive/folders", this.csrfToken, { parent, name });
  }

  rename(path: string, name: string): Promise<FileEntry> {
    return request("POST", "/api/v1/onedrive/rename", this.csrfToken, { path, name });
  }

  remove(path: string): Promise<{ message: string }> {
    return request("DELETE", `/api/v1/onedrive/item?${new URLSearchParams({ path })}`, this.csrfToken);
  }

  /** Where the browser downloads the file from: the broker, which streams it from OneDrive. */
  downloadUrl(path: string): string {
    return `/api/v1/onedrive/content?${new URLSearchParams({ path })}`;
  }

  /**
   * Uploads `file` to `path` fragment by fragment; `onProgress` gets the bytes OneDrive holds plus those of the
   * fragment in flight. With `overwrite` false an existing item is an ApiError with code `conflict`.
   */
  async upload(
    file: File,
    path: string,
    overwrite: boolean,
    onProgress: (sent: number) => void,
    signal: AbortSignal,
  ): Promise<FileEntry> {
    const started: UploadStarted = await request("POST", "/api/v1/onedrive/uploads", this.csrfToken, {
      path,
      size: file.size,
      overwrite,
    });
    let offset = 0;
    try {
      for (;;) {
        const end = Math.min(offset + started.fragmentSize, file.size);
        const progress = await this.fragment(
          started.uploadId,
          file.slice(offset, end),
          offset,
          file.size,
          onProgress,
          signal,
        );
        if (progress.done) {
          onProgress(file.size);
          return progress.item;
        }
        offset = progress.nextOffset;
        onProgress(offset);
      }
    } catch (error) {
      if (signal.aborted) {
        await fetch(`/api/v1/onedrive/uploads/${started.uploadId}`, {
          method: "DELETE",
          headers: this.csrfToken === null ? {} : { "x-csrf-token": this.csrfToken },
          credentials: "same-origin",
        }).catch(() => undefined);
      }
      throw error;
    }
  }

  private fragment(
    uploadId: string,
    bytes: Blob,
    start: number,
    total: number,
    onProgress: (sent: number) => void,
    signal: AbortSignal,
  ): Promise<UploadProgress> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", `/api/v1/onedrive/uploads/${uploadId}`);
      xhr.setRequestHeader("content-type", "application/octet-stream");
      if (total > 0)
        xhr.setRequestHeader("content-range", `bytes ${start}-${start + bytes.size - 1}/${total}`);
      if (this.csrfToken !== null) xhr.setRequestHeader("x-csrf-token", this.csrfToken);
      xhr.responseType = "json";
      xhr.upload.onprogress = (event) => onProgress(start + event.loaded);
      xhr.onload = () => {
        const body = xhr.response as (UploadProgress & { error?: { code: string; message: string } }) | null;
        if (xhr.status === 200 && body !== null) resolve(body);
        else
          reject(
            new ApiError(
              xhr.status,
              body?.error?.code ?? "http_error",
              body?.error?.message ?? `The broker answered HTTP ${xhr.status}.`,
            ),
          );
      };
      xhr.onerror = () => reject(new ApiError(0, "network", "The upload lost its connection to the broker."));
      xhr.onabort = () => reject(new ApiError(0, "aborted", "Upload cancelled."));
      signal.addEventListener("abort", () => xhr.abort(), { once: true });
      xhr.send(bytes);
    });
  }
}
