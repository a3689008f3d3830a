import type { FileEntry } from "@ferry/api";
import { type KeyboardEvent, useLayoutEffect, useRef, useState } from "react";
import { formatTime } from "../formatTime.ts";
import { formatSize } from "./dataFormat.ts";
import type { Sort, SortKey } from "./sortItems.ts";

/** Fixed row height: what lets the list compute which rows are visible without measuring them. */
export const ROW_HEIGHT = 44;
/** Rows rendered above and below the visible ones, so fast scrolling does not show blank space. */
const OVERSCAN = 8;
const VIEWPORT_HEIGHT = 440;

interface Props {
  /** The folder shown: another one starts at its top. */
  folder: string;
  items: readonly FileEntry[];
  sort: Sort;
  active: number;
  loading: boolean;
  onSort: (key: SortKey) => void;
  onActivate: (index: number) => void;
  onOpen: (item: FileEntry) => void;
  onUp: () => void;
  onDelete: (item: FileEntry) => void;
  onRename: (item: FileEntry) => void;
}

const COLUMNS: { key: SortKey; label: string }[] = [
  { key: "name", label: "Name" },
  { key: "size", label: "Size" },
  { key: "modified", label: "Modified" },
];

/**
 * The folder's items as an ARIA grid, virtualised: only the rows in view (plus a few) are in the DOM, so a folder of
 * 20,000 items costs a few dozen rows. The grid itself holds focus and points at the active row with
 * aria-activedescendant, so arrow keys move through rows that may not exist in the DOM yet.
 */
export function FileList(props: Props) {
  const { folder, items, sort, active, loading } = props;
  const viewport = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(items.length, Math.ceil((scrollTop + VIEWPORT_HEIGHT) / ROW_HEIGHT) + OVERSCAN);

  // Which rows are rendered follows `scrollTop`, which the scroll event sets a frame after the viewport moved. Where
  // this code moves it, it sets `scrollTop` too, in a layout effect, so the rows are rendered before the browser
  // paints (see below).

  // Another folder starts at its top. Without this, leaving a folder scrolled far down (the 20,000-item one) showed
  // the next folder's grid blank: the rows were computed for the old offset, past the new folder's end.
  useLayoutEffect(() => {
    void folder;
    const element = viewport.current;
    if (element !== null) element.scrollTop = 0;
    setScrollTop(0);
  }, [folder]);

  // Keep the active row in view when the keyboard moves it, rendered in the same frame as it becomes active: End in a
  // long folder used to paint one frame whose aria-activedescendant and details named a row not yet in the DOM.
  useLayoutEffect(() => {
    const element = viewport.current;
    if (element === null || active < 0) return;
    const top = active * ROW_HEIGHT;
    if (top < element.scrollTop) element.scrollTop = top;
    else if (top + ROW_HEIGHT > element.scrollTop + element.clientHeight) {
      element.scrollTop = top + ROW_HEIGHT - element.clientHeight;
    }
    setScrollTop(element.scrollTop);
  }, [active]);

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    const page = Math.max(1, Math.floor(VIEWPORT_HEIGHT / ROW_HEIGHT) - 1);
    const move = (to: number) => {
      event.preventDefault();
      if (items.length > 0) props.onActivate(Math.max(0, Math.min(items.length - 1, to)));
    };
    const current = items[active];
    switch (event.key) {
      case "ArrowDown":
        return move(active + 1);
      case "ArrowUp":
        return move(active - 1);
      case "PageDown":
        return move(active + page);
      case "PageUp":
        return move(active - page);
      case "Home":
        return move(0);
      case "End":
        return move(items.length - 1);
      case "Enter":
        if (current !== undefined) {
          event.preventDefault();
          props.onOpen(current);
        }
        return;
      case "Backspace":
        event.preventDefault();
        props.onUp();
        return;
      case "Delete":
        if (current !== undefined) {
          event.preventDefault();
          props.onDelete(current);
        }
        return;
      case "F2":
        if (current !== undefined) {
          event.preventDefault();
          props.onRename(current);
        }
        return;
    }
  }

  const top = first * ROW_HEIGHT;
  const bottom = (items.length - last) * ROW_HEIGHT;
  return (
    <div
      className="file-grid__viewport"
      ref={viewport}
      style={{ maxHeight: VIEWPORT_HEIGHT }}
      onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)}
      data-testid="file-viewport"
    >
      <table
        className="file-grid"
        // biome-ignore lint/a11y/noNoninteractiveElementToInteractiveRole: the ARIA grid pattern on a table (one tab stop, arrow keys between rows)
        role="grid"
        aria-label="Files and folders"
        aria-rowcount={items.length + 1}
        aria-busy={loading}
        aria-activedescendant={active >= 0 && active < items.length ? `file-row-${active}` : undefined}
        tabIndex={0}
        onKeyDown={onKeyDown}
        data-testid="file-grid"
      >
        <colgroup>
          <col />
          <col className="file-grid__col--size" />
          <col className="file-grid__col--modified" />
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            {COLUMNS.map((column) => (
              <th
                key={column.key}
                scope="col"
                className={`file-grid__cell file-grid__cell--${column.key}`}
                aria-sort={sort.key === column.key ? (sort.descending ? "descending" : "ascending") : "none"}
              >
                <button type="button" className="file-grid__sort" onClick={() => props.onSort(column.key)}>
                  {column.label}
                  <span aria-hidden="true">
                    {sort.key === column.key ? (sort.descending ? " ↓" : " ↑") : ""}
                  </span>
                </button>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {top > 0 && <tr className="file-grid__spacer" style={{ height: top }} />}
          {items.slice(first, last).map((item, offset) => {
            const index = first + offset;
            return (
              // The grid takes the keys (arrows, Enter) for every row; a click only selects or opens.
              <tr
                key={item.path}
                id={`file-row-${index}`}
                aria-rowindex={index + 2}
                aria-selected={index === active}
                className={`file-grid__row${index === active ? " file-grid__row--active" : ""}`}
                style={{ height: ROW_HEIGHT }}
                onClick={() => props.onActivate(index)}
                onDoubleClick={() => props.onOpen(item)}
                data-testid="file-row"
              >
                <td className="file-grid__cell file-grid__cell--name">
                  <span className={`file-icon file-icon--${item.kind}`} aria-hidden="true" />
                  {item.kind === "folder" ? (
                    <button
                      type="button"
                      className="file-grid__open"
                      tabIndex={-1}
                      onClick={(event) => {
                        event.stopPropagation();
                        props.onOpen(item);
                      }}
                    >
                      {item.name}
                    </button>
                  ) : (
                    <span className="file-grid__name">{item.name}</span>
                  )}
                  <span className="visually-hidden">{item.kind === "folder" ? ", folder" : ", file"}</span>
                </td>
                <td className="file-grid__cell file-grid__cell--size">
                  {item.kind === "folder" ? `${item.childCount ?? 0} items` : formatSize(item.size)}
                </td>
                <td className="file-grid__cell file-grid__cell--modified">
                  {formatTime(item.modifiedAt, "—")}
                </td>
              </tr>
            );
          })}
          {bottom > 0 && <tr className="file-grid__spacer" style={{ height: bottom }} />}
        </tbody>
      </table>
    </div>
  );
}
