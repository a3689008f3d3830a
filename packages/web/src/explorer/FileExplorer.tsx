import type { FileEntry } from "@ferry/api";
import { type DragEvent, useLayoutEffect, useMemo, useRef, useState } from "react";
import { ApiError, type BrokerApi } from "../api.ts";
import { Breadcrumb } from "./Breadcrumb.tsx";
import { ExplorerDialog } from "./ExplorerDialog.tsx";
import { FileList } from "./FileList.tsx";
import { FilesApi } from "./filesApi.ts";
import { ItemDetails } from "./ItemDetails.tsx";
import { PreviewPanel, type PreviewState } from "./PreviewPanel.tsx";
import { type Sort, type SortKey, sortItems } from "./sortItems.ts";
import { UploadList, type UploadState } from "./UploadList.tsx";
import "./explorer.css";

interface Props {
  api: BrokerApi;
}

type Listing =
  | { kind: "loading" }
  | { kind: "ready"; complete: boolean }
  | { kind: "failed"; code: string; message: string };

type Dialog =
  | { kind: "newFolder" }
  | { kind: "rename"; item: FileEntry }
  | { kind: "delete"; item: FileEntry }
  | { kind: "overwrite"; file: File; path: string };

/**
 * The signed-in user's OneDrive, through the broker: browse, preview, and change it. A folder loads page by page
 * (1,000 items a request) while the first page is already shown; the list is virtualised, so its DOM stays a few
 * dozen rows whatever the folder's size.
 */
export function FileExplorer({ api }: Props) {
  const files = useMemo(() => new FilesApi(api.csrfToken), [api]);
  const [folder, setFolder] = useState("");
  const [items, setItems] = useState<FileEntry[]>([]);
  const [listing, setListing] = useState<Listing>({ kind: "loading" });
  const [sort, setSort] = useState<Sort>({ key: "name", descending: false });
  const [activePath, setActivePath] = useState<string | null>(null);
  const [preview, setPreview] = useState<PreviewState | null>(null);
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [dialogError, setDialogError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [uploads, setUploads] = useState<UploadState[]>([]);
  const [dragging, setDragging] = useState(false);
  const [reload, setReload] = useState(0);
  const uploadIds = useRef(0);

  // A layout effect, not a plain one: the new folder's name is in the breadcrumb in the same frame as the old folder's
  // rows and item count are cleared. After a plain effect the browser painted one frame of the breadcrumb saying
  // "OneDrive" over the rows and "5 items" of the folder just left (a screen reader could read that count out).
  useLayoutEffect(() => {
    // `reload` (Try again) starts the listing over, like opening the folder anew.
    void reload;
    const controller = new AbortController();
    setItems([]);
    setListing({ kind: "loading" });
    setActivePath(null);
    setPreview(null);
    void (async () => {
      let cursor: string | null = null;
      try {
        do {
          const first = cursor === null;
          const page = await files.page(folder, cursor, controller.signal);
          setItems((previous) => (first ? page.items : [...previous, ...page.items]));
          cursor = page.nextCursor;
          setListing({ kind: "ready", complete: cursor === null });
        } while (cursor !== null && !controller.signal.aborted);
      } catch (error) {
        if (controller.signal.aborted) return;
        setListing({ kind: "failed", ...describe(error) });
      }
    })();
    return () => controller.abort();
  }, [files, folder, reload]);

  const sorted = useMemo(() => sortItems(items, sort), [items, sort]);
  const active = activePath === null ? -1 : sorted.findIndex((item) => item.path === activePath);
  const selected = active >= 0 ? sorted[active] : undefined;

  function open(item: FileEntry) {
    if (item.kind === "folder") setFolder(item.path);
    else void showPreview(item.path);
  }

  async function showPreview(path: string) {
    setPreview({ kind: "loading", path });
    try {
      setPreview({ kind: "shown", path, preview: await files.preview(path) });
    } catch (error) {
      setPreview({ kind: "failed", path, message: describe(error).message });
    }
  }

  function up() {
    if (folder !== "") setFolder(folder.slice(0, Math.max(0, folder.lastIndexOf("/"))));
  }

  function toggleSort(key: SortKey) {
    setSort((current) => ({ key, descending: current.key === key ? !current.descending : false }));
  }

  function openDialog(next: Dialog) {
    setDialogError(null);
    setDialog(next);
  }

  async function confirmDialog(name: string) {
    if (dialog === null) return;
    setBusy(true);
    setDialogError(null);
    try {
      if (dialog.kind === "newFolder") {
        const made = await files.newFolder(folder, name);
        setItems((previous) => [...previous, made]);
        setActivePath(made.path);
        setNotice(`Created the folder ${made.name}.`);
      } else if (dialog.kind === "rename") {
        const renamed = await files.rename(dialog.item.path, name);
        setItems((previous) => previous.map((item) => (item.path === dialog.item.path ? renamed : item)));
        setActivePath(renamed.path);
        setNotice(`Renamed ${dialog.item.name} to ${renamed.name}.`);
      } else if (dialog.kind === "delete") {
        const deleted = await files.remove(dialog.item.path);
        setItems((previous) => previous.filter((item) => item.path !== dialog.item.path));
        setActivePath(null);
        setPreview(null);
        setNotice(deleted.message);
      } else {
        void upload(dialog.file, dialog.path, true);
      }
      setDialog(null);
    } catch (error) {
      setDialogError(describe(error).message);
    } finally {
      setBusy(false);
    }
  }

  function startUploads(list: FileList | File[]) {
    for (const file of Array.from(list)) {
      void upload(file, folder === "" ? file.name : `${folder}/${file.name}`, false);
    }
  }

  async function upload(file: File, path: string, overwrite: boolean) {
    const id = ++uploadIds.current;
    const controller = new AbortController();
    const update = (patch: Partial<UploadState>) =>
      setUploads((previous) => previous.map((u) => (u.id === id ? { ...u, ...patch } : u)));
    setUploads((previous) => [
      ...previous,
      {
        id,
        name: file.name,
        sent: 0,
        total: file.size,
        status: "uploading",
        message: null,
        cancel: () => controller.abort(),
      },
    ]);
    try {
      const stored = await files.upload(file, path, overwrite, (sent) => update({ sent }), controller.signal);
      update({ status: "done", sent: file.size });
      const parent = stored.path.slice(0, Math.max(0, stored.path.lastIndexOf("/")));
      if (parent === folderRef.current) {
        setItems((previous) => [...previous.filter((item) => item.path !== stored.path), stored]);
      }
    } catch (error) {
      const failure = describe(error);
      if (failure.code === "conflict" && !overwrite) {
        // Nothing was sent yet: ask, and only a confirmation starts the upload that replaces the file.
        setUploads((previous) => previous.filter((u) => u.id !== id));
        openDialog({ kind: "overwrite", file, path });
        return;
      }
      update(
        controller.signal.aborted
          ? { status: "cancelled", message: null }
          : { status: "failed", message: failure.message },
      );
    }
  }

  const folderRef = useRef(folder);
  folderRef.current = folder;

  function onDrop(event: DragEvent<HTMLElement>) {
    event.preventDefault();
    setDragging(false);
    if (event.dataTransfer.files.length > 0) startUploads(event.dataTransfer.files);
  }

  async function reconnect() {
    try {
      window.location.assign(await api.startConnect());
    } catch (error) {
      setNotice(describe(error).message);
    }
  }

  if (listing.kind === "failed" && (listing.code === "not_connected" || listing.code === "needs_reconnect")) {
    return (
      <section className="card explorer" aria-labelledby="explorer-title" data-testid="explorer">
        <h2 id="explorer-title" className="card__title">
          Files
        </h2>
        {listing.code === "not_connected" ? (
          <p>Connect OneDrive above to browse your files here and copy their onedrive:// paths.</p>
        ) : (
          <div className="notice notice--error" role="alert">
            <p>
              {/* The card above gives Microsoft's reason; the broker's message repeats it with CLI hints. */}
              <strong>OneDrive needs reconnecting.</strong> Microsoft no longer accepts Ferry's access to this
              OneDrive, so its files cannot be shown. Reconnect to browse them again; the card above says why.
            </p>
            <div className="actions">
              <button type="button" className="button button--primary" onClick={reconnect}>
                Reconnect
              </button>
            </div>
          </div>
        )}
      </section>
    );
  }

  return (
    <section
      className={`card explorer${dragging ? " explorer--dragging" : ""}`}
      aria-labelledby="explorer-title"
      data-testid="explorer"
      onDragOver={(event) => {
        if (event.dataTransfer.types.includes("Files")) {
          event.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={(event) => {
        if (event.currentTarget === event.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <div className="explorer__head">
        <h2 id="explorer-title" className="card__title">
          Files
        </h2>
        <div className="actions explorer__tools">
          <label className="button">
            Upload files
            <input
              type="file"
              multiple
              className="visually-hidden"
              data-testid="upload-input"
              onChange={(event) => {
                if (event.target.files !== null) startUploads(Array.from(event.target.files));
                event.target.value = "";
              }}
            />
          </label>
          <button type="button" className="button" onClick={() => openDialog({ kind: "newFolder" })}>
            New folder
          </button>
        </div>
      </div>
      <Breadcrumb path={folder} onOpen={setFolder} />
      <p className="muted explorer__hint">
        Drop files here to upload them into this folder. Keys: arrows move, Enter opens, Backspace goes up, F2
        renames, Delete deletes.
      </p>
      {notice !== null && (
        <div className="notice notice--success" role="status">
          <p>{notice}</p>
          <button type="button" className="button button--quiet" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      <UploadList
        uploads={uploads}
        onDismiss={(id) => setUploads((previous) => previous.filter((u) => u.id !== id))}
      />
      {listing.kind === "failed" ? (
        <div className="notice notice--error" role="alert">
          <p>{listing.message}</p>
          <button type="button" className="button" onClick={() => setReload((n) => n + 1)}>
            Try again
          </button>
        </div>
      ) : (
        <>
          <p className="muted" role="status" data-testid="listing-status">
            {listing.kind === "loading"
              ? "Loading…"
              : listing.complete
                ? `${items.length.toLocaleString()} ${items.length === 1 ? "item" : "items"}`
                : `${items.length.toLocaleString()} items loaded, loading more…`}
          </p>
          {listing.kind === "ready" && items.length === 0 ? (
            <p className="explorer__empty">This folder is empty. Drop files here or use Upload files.</p>
          ) : (
            <FileList
              folder={folder}
              items={sorted}
              sort={sort}
              active={active}
              loading={listing.kind === "loading" || !listing.complete}
              onSort={toggleSort}
              onActivate={(index) => setActivePath(sorted[index]?.path ?? null)}
              onOpen={open}
              onUp={up}
              onDelete={(item) => openDialog({ kind: "delete", item })}
              onRename={(item) => openDialog({ kind: "rename", item })}
            />
          )}
        </>
      )}
      {selected !== undefined && (
        <ItemDetails
          key={selected.path}
          item={selected}
          downloadUrl={files.downloadUrl(selected.path)}
          onPreview={() => void showPreview(selected.path)}
          onRename={() => openDialog({ kind: "rename", item: selected })}
          onDelete={() => openDialog({ kind: "delete", item: selected })}
        />
      )}
      {preview !== null && <PreviewPanel state={preview} onClose={() => setPreview(null)} />}
      {dialog?.kind === "newFolder" && (
        <ExplorerDialog
          title={`New folder in ${folder === "" ? "OneDrive" : folder}`}
          nameField=""
          confirmLabel="Create folder"
          error={dialogError}
          busy={busy}
          onCancel={() => setDialog(null)}
          onConfirm={confirmDialog}
        />
      )}
      {dialog?.kind === "rename" && (
        <ExplorerDialog
          title={`Rename ${dialog.item.name}`}
          nameField={dialog.item.name}
          confirmLabel="Rename"
          error={dialogError}
          busy={busy}
          onCancel={() => setDialog(null)}
          onConfirm={confirmDialog}
        />
      )}
      {dialog?.kind === "delete" && (
        <ExplorerDialog
          title={`Delete ${dialog.item.name}?`}
          confirmLabel="Delete"
          danger
          error={dialogError}
          busy={busy}
          onCancel={() => setDialog(null)}
          onConfirm={confirmDialog}
        >
          <p data-testid="delete-text">
            {dialog.item.kind === "folder"
              ? (dialog.item.childCount ?? 0) > 0
                ? `The folder ${dialog.item.name} and the ${dialog.item.childCount} ${dialog.item.childCount === 1 ? "item" : "items"} in it go to your OneDrive recycle bin.`
                : `The empty folder ${dialog.item.name} goes to your OneDrive recycle bin.`
              : `The file ${dialog.item.name} goes to your OneDrive recycle bin.`}
          </p>
          <p>Jobs that read onedrive://{dialog.item.path} will no longer find it.</p>
        </ExplorerDialog>
      )}
      {dialog?.kind === "overwrite" && (
        <ExplorerDialog
          title={`Replace ${dialog.file.name}?`}
          confirmLabel="Replace"
          danger
          error={dialogError}
          busy={busy}
          onCancel={() => setDialog(null)}
          onConfirm={confirmDialog}
        >
          <p>
            onedrive://{dialog.path} already exists. Replacing it uploads this file in its place; OneDrive
            keeps the old one in its version history.
          </p>
        </ExplorerDialog>
      )}
    </section>
  );
}

function describe(error: unknown): { code: string; message: string } {
  return error instanceof ApiError
    ? { code: error.code, message: error.message }
    : { code: "internal_error", message: "Something went wrong talking to the broker." };
}
