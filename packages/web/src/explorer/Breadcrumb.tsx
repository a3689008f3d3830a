interface Props {
  path: string;
  onOpen: (path: string) => void;
}

/** The drive root, then each folder down to the open one; every part but the last opens that folder. */
export function Breadcrumb({ path, onOpen }: Props) {
  const names = path === "" ? [] : path.split("/");
  const parts = [
    { label: "OneDrive", path: "" },
    ...names.map((name, i) => ({ label: name, path: names.slice(0, i + 1).join("/") })),
  ];
  return (
    <nav aria-label="Folder path" className="breadcrumb">
      <ol>
        {parts.map((part, i) =>
          i === parts.length - 1 ? (
            <li key={part.path}>
              <span aria-current="location">{part.label}</span>
            </li>
          ) : (
            <li key={part.path}>
              <button type="button" className="breadcrumb__link" onClick={() => onOpen(part.path)}>
                {part.label}
              </button>
            </li>
          ),
        )}
      </ol>
    </nav>
  );
}
