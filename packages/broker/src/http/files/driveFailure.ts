// What a failed Graph call (or a refused path) means to the person on the page: a status, a stable code and a
// sentence naming the item and what to do. Errors the broker raised itself (not connected, needs reconnecting)
// pass through untouched, so the page can offer Reconnect.

import {
  AuthError,
  ConflictError,
  FerryError,
  GraphError,
  InvalidPathError,
  NotFoundError,
  ThrottledError,
} from "@ferry/graph";
import { HttpError } from "../httpError.ts";

/** `error` as the HttpError the explorer's routes answer; `path` is the drive path the call was about. */
export function driveFailure(error: unknown, path: string): unknown {
  if (error instanceof HttpError) return error;
  const where = `onedrive://${path}`;
  // The CLI prints the same message for the same path: one rule (@ferry/graph's paths) refuses both.
  if (error instanceof InvalidPathError) return new HttpError(400, "invalid_name", `${error.message}.`);
  if (error instanceof NotFoundError) {
    return new HttpError(
      404,
      "not_found",
      `Nothing is at ${where}: it may have been moved or deleted. Reload the folder.`,
    );
  }
  if (error instanceof ConflictError) {
    return new HttpError(
      409,
      "conflict",
      `An item named like that already exists at ${where}; pick another name.`,
    );
  }
  if (error instanceof ThrottledError) {
    const wait = Math.ceil(error.retryAfter ?? 10);
    return new HttpError(
      429,
      "rate_limited",
      `OneDrive is throttling requests for ${where}; try again in ${wait} s.`,
      { "retry-after": String(wait) },
    );
  }
  if (error instanceof AuthError) {
    return new HttpError(
      409,
      "needs_reconnect",
      "Microsoft refused OneDrive access even with a fresh token: click Reconnect on the Integrations page.",
    );
  }
  if (error instanceof GraphError) {
    return new HttpError(
      502,
      "provider_error",
      `OneDrive refused the request for ${where} (${error.status} ${error.code}). Try again shortly.`,
    );
  }
  if (error instanceof FerryError && error.code === "network_error") {
    return new HttpError(
      502,
      "provider_error",
      `OneDrive could not be reached for ${where} (the network between the broker and Microsoft failed). Try again shortly.`,
    );
  }
  if (error instanceof FerryError) return new HttpError(400, "invalid_request", `${error.message}.`);
  return error;
}

/** A failed drive call as the page's error; a name that already exists gets `message`, which says what was kept. */
export function nameClash(error: unknown, path: string, message: string): unknown {
  const failure = driveFailure(error, path);
  return failure instanceof HttpError && failure.code === "conflict"
    ? new HttpError(409, "conflict", message)
    : failure;
}
