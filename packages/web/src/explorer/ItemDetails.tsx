import type { FileEntry } from "@ferry/api";
import { useState } from "react";
import { readerFor } from "./dataFormat.ts";
import { onedriveUrl, snippetFor } from "./snippet.ts";

interface Props {
  item: FileEntry;
  downloadUrl: string;
  onPreview: () => void;
  onRename: () => void;
  onDelete: () => void;
}

/** The selected item (keyed by its path, so "copied" resets with another item): its onedrive:// path and a line of code to paste into a job, and what can be done to it. */
export function ItemDetails({ item, downloadUrl, onPreview, onRename, onDelete }: Props) {
  const [copied, setCopied] = useState<"path" | "snippet" | null>(null);
  const url = onedriveUrl(item.path);
  const snippet = snippetFor(item.path, item.kind);

  async function copy(what: "path" | "snippet", text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(what);
    } catch {
      // The clipboard was refused (permissions): select the text so Ctrl+C copies it.
      const selection = window.getSelection();
      const node = document.getElementById(what === "path" ? "item-path" : "item-snippet");
      if (selection !== null && node !== null) selection.selectAllChildren(node);
    }
  }

  return (
    <section className="item-details" aria-labelledby="item-title" data-testid="item-details">
      <h3 id="item-title" className="item-details__title">
        {item.name || "OneDrive"}
      </h3>
      <p className="field-label">Path for jobs</p>
      <div className="item-details__line">
        <code id="item-path" className="item-details__code" data-testid="item-path">
          {url}
        </code>
        <button type="button" className="button button--quiet" onClick={() => copy("path", url)}>
          Copy path
        </button>
      </div>
      <p className="field-label">Snippet</p>
      <div className="item-details__line">
        <code id="item-snippet" className="item-details__code" data-testid="item-snippet">
          {snippet}
        </code>
        <button type="button" className="button button--quiet" onClick={() => copy("snippet", snippet)}>
          Copy snippet
        </button>
      </div>
      <span className="copied" role="status">
        {copied === "path" ? "Path copied." : copied === "snippet" ? "Snippet copied." : ""}
      </span>
      <div className="actions">
        {item.kind === "file" && (
          <a className="button" href={downloadUrl} download={item.name}>
            Download
          </a>
        )}
        {item.kind === "file" && readerFor(item.path) !== null && (
          <button type="button" className="button" onClick={onPreview}>
            Preview
          </button>
        )}
        <button type="button" className="button" onClick={onRename}>
          Rename
        </button>
        <button type="button" className="button button--danger" onClick={onDelete}>
          Delete
        </button>
      </div>
    </section>
  );
}
