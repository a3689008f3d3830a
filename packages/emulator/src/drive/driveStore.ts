import { ACCOUNTS, type Account } from "../accounts.ts";
import { Drive } from "./drive.ts";
import { type DriveSnapshot, restoreSnapshot, snapshotOf } from "./driveSnapshot.ts";

/** Every test account's drive, found by drive id or by the account that owns it. */
export class DriveStore {
  private readonly byId = new Map<string, Drive>();

  constructor(now: string) {
    for (const account of ACCOUNTS) this.add(account, now);
  }

  private add(account: Account, now: string): Drive {
    const drive = new Drive(account, account.kind === "personal" ? "personal" : "business", now);
    this.byId.set(account.driveId.toLowerCase(), drive);
    return drive;
  }

  /** Drive ids are case-insensitive on Graph (personal ids appear in both cases). */
  byDriveId(id: string): Drive | undefined {
    return this.byId.get(id.toLowerCase());
  }

  forAccount(accountId: string): Drive {
    for (const d of this.byId.values()) if (d.owner.id === accountId) return d;
    throw new Error(`no drive for account ${accountId}`);
  }

  all(): Drive[] {
    return [...this.byId.values()];
  }

  /** Empties every drive (admin reset). */
  reset(now: string): void {
    this.byId.clear();
    for (const account of ACCOUNTS) this.add(account, now);
  }

  toJSON(): DriveSnapshot[] {
    return this.all().map(snapshotOf);
  }

  restore(snapshots: DriveSnapshot[]): void {
    for (const s of snapshots) {
      const drive = this.byDriveId(s.driveId);
      if (drive) restoreSnapshot(drive, s);
    }
  }
}
