const FORMAT = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** An ISO time from the broker in the reader's locale and time zone; `null` reads as a plain "never". */
export function formatTime(iso: string | null, never = "Never"): string {
  if (iso === null) return never;
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : FORMAT.format(time);
}
