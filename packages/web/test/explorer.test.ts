// The file explorer on the Integrations & Secrets page, in Debian's Chromium (playwright-core) against `ferry dev`'s
// stack: the emulator's real sign-in pages and a broker serving the built page. Browse, sort, keys, copy a path,
// preview CSV and Parquet, upload by button and by drag and drop with progress, overwrite only after confirming,
// create, rename and delete a folder, a 20,000-item folder, and the Reconnect state. Screenshots at 1280 px and
// 375 px in light and dark go to test-artifacts/web/explorer-*.
import { mkdirSync, writeFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLoginLink, loginLinkUrl } from "@ferry/broker";
import { writeParquet } from "@ferry/fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePageBuilt } from "./buildPage.ts";
import { type Browser, launchBrowser, launchChromium } from "./chromium.ts";
import { type PageStack, startPageStack } from "./pageStack.ts";

const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/web/", import.meta.url));
const PERSONAL = { name: "Ada Lovelace", email: "ada.lovelace@outlook.example" };
const BIG_FOLDER_ITEMS = 20_000;

let stack: PageStack;
let browser: Browser;
let page: Page;
let userId: string;
const requested: string[] = [];

beforeAll(async () => {
  ensurePageBuilt();
  mkdirSync(ARTIFACTS, { recursive: true });
  stack = await startPageStack();
  browser = await launchChromium();
  browser.context.on("request", (request) => requested.push(request.url()));
  await browser.context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.broker.url });
  page = browser.context.pages()[0] ?? (await browser.context.newPage());
  await seedDrive();
  await signInAndConnect();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

async function seedDrive() {
  const csv = [
    "station,temperature,measured_at",
    ...Array.from({ length: 120 }, (_, i) => `S${i % 7},${(i / 4).toFixed(2)},2024-03-0${(i % 9) + 1}`),
  ];
  await stack.emu.admin.seed({
    account: "personal",
    folders: ["data/raw", "reports", "zeta"],
    files: [
      { path: "data/measurements.csv", content: csv.join("\n") },
      { path: "data/notes.txt", content: "n".repeat(5000) },
      { path: "data/a-small.json", content: JSON.stringify([{ a: 1 }]) },
      { path: "readme.md", content: "# hi" },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), "ferry-explorer-"));
  try {
    const file = join(dir, "q1.parquet");
    await writeParquet(
      file,
      Array.from({ length: 5000 }, (_, i) => ({ id: i, region: `r${i % 5}`, revenue: i * 1.25 })),
      { rowGroupSize: 1000 },
    );
    await stack.emu.admin.putFile("personal", "data/q1.parquet", new Uint8Array(await readFile(file)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function signInAndConnect() {
  const user = await stack.newUser("ada");
  userId = user.id;
  await page.goto(user.loginUrl);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "Integrations & Secrets" }).waitFor();
  await page.getByRole("button", { name: "Connect OneDrive" }).click();
  await page.waitForURL((url) => url.origin === new URL(stack.emu.authority).origin);
  await page.getByRole("button", { name: PERSONAL.name }).click();
  const consent = page.getByRole("button", { name: "Accept", exact: true });
  const back = page.waitForURL((url) => url.origin === stack.broker.url, { waitUntil: "load" });
  await Promise.race([consent.click(), back]);
  await back;
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.waitForURL((url) => url.origin === stack.broker.url && url.pathname === "/");
  await explorer().getByRole("grid", { name: "Files and folders" }).waitFor();
}

function explorer() {
  return page.getByTestId("explorer");
}

/** The names in the grid's rendered rows, top to bottom. */
function rowNames(): Promise<string[]> {
  return page.$$eval("[data-testid=file-row] td:first-child", (cells) =>
    cells.map((cell) => (cell.querySelector("button, .file-grid__name")?.textContent ?? "").trim()),
  );
}

async function openFolder(path: string) {
  await page.goto(stack.broker.url);
  await explorer().getByRole("grid").waitFor();
  for (const name of path.split("/")) {
    await explorer().getByRole("button", { name, exact: true }).click();
    await page.locator(".breadcrumb [aria-current=location]", { hasText: name }).waitFor();
  }
  await expect.poll(() => page.getByTestId("listing-status").textContent()).toMatch(/^\d[\d,]* items?$/);
}

async function select(name: string) {
  await page.locator("[data-testid=file-row]", { hasText: name }).first().click();
  await page.getByRole("heading", { name, exact: true }).waitFor();
}

/** The explorer at 1280 px and 375 px, in the light and the dark theme. */
async function screenshots(name: string) {
  for (const scheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: 900 });
      await explorer().screenshot({ path: join(ARTIFACTS, `explorer-${name}-${width}-${scheme}.png`) });
    }
  }
  await page.emulateMedia({ colorScheme: "light" });
  await page.setViewportSize({ width: 1280, height: 900 });
}

describe("the file explorer", () => {
  it("browses from the root: breadcrumb, folders first, sortable columns, keyboard", async () => {
    await openFolder("data");
    expect(await page.locator(".breadcrumb li").allTextContents()).toEqual(["OneDrive", "data"]);
    expect(await rowNames()).toEqual(["raw", "a-small.json", "measurements.csv", "notes.txt", "q1.parquet"]);
    const grid = explorer().getByRole("grid");
    await grid.getByRole("button", { name: /^Name/ }).click();
    expect(await grid.getByRole("columnheader", { name: /Name/ }).getAttribute("aria-sort")).toBe(
      "descending",
    );
    expect(await rowNames()).toEqual(["raw", "q1.parquet", "notes.txt", "measurements.csv", "a-small.json"]);
    await grid.getByRole("button", { name: /^Size/ }).click();
    expect(await rowNames()).toEqual(["raw", "a-small.json", "measurements.csv", "notes.txt", "q1.parquet"]);
    await grid.getByRole("button", { name: /^Size/ }).click();
    expect((await rowNames())[0]).toBe("raw");
    expect((await rowNames())[1]).toBe("q1.parquet");
    await grid.getByRole("button", { name: /^Name/ }).click();
    // The column headers are buttons in the tab order: sorting works from the keyboard too.
    await grid.getByRole("button", { name: /^Modified/ }).focus();
    await page.keyboard.press("Enter");
    expect(await grid.getByRole("columnheader", { name: /Modified/ }).getAttribute("aria-sort")).toBe(
      "ascending",
    );
    expect((await rowNames())[0]).toBe("raw");
    await grid.getByRole("button", { name: /^Name/ }).focus();
    await page.keyboard.press("Enter");
    expect(await grid.getByRole("columnheader", { name: /Name/ }).getAttribute("aria-sort")).toBe(
      "ascending",
    );
    await screenshots("browse");

    // Keys: the grid is one tab stop; arrows move, Enter opens, Backspace goes up.
    await grid.focus();
    await page.keyboard.press("Home");
    expect(await grid.getAttribute("aria-activedescendant")).toBe("file-row-0");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    await page.getByRole("heading", { name: "measurements.csv", exact: true }).waitFor();
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("ArrowUp");
    await page.keyboard.press("Enter");
    await page.locator(".breadcrumb [aria-current=location]", { hasText: "raw" }).waitFor();
    await page.getByText("This folder is empty.").waitFor();
    await page.locator(".breadcrumb").getByRole("button", { name: "data" }).click();
    await page.locator("[data-testid=file-row]", { hasText: "raw" }).waitFor();
    await grid.focus();
    await page.keyboard.press("End");
    await page.getByRole("heading", { name: "q1.parquet", exact: true }).waitFor();
    await page.keyboard.press("Backspace");
    await page.locator(".breadcrumb [aria-current=location]", { hasText: "OneDrive" }).waitFor();
    expect(await rowNames()).toEqual(["data", "reports", "zeta", "readme.md"]);
  });

  it("shows each item's onedrive:// path, copies it, and offers a snippet that reads it", async () => {
    await openFolder("data");
    await select("measurements.csv");
    expect(await page.getByTestId("item-path").textContent()).toBe("onedrive://data/measurements.csv");
    expect(await page.getByTestId("item-snippet").textContent()).toBe(
      'const rows = await readCsv("onedrive://data/measurements.csv");',
    );
    await page.getByRole("button", { name: "Copy path" }).click();
    await page.getByText("Path copied.").waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      "onedrive://data/measurements.csv",
    );
    await page.getByRole("button", { name: "Copy snippet" }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      'const rows = await readCsv("onedrive://data/measurements.csv");',
    );
    await select("q1.parquet");
    expect(await page.getByTestId("item-snippet").textContent()).toBe(
      'const rows = await readParquet("onedrive://data/q1.parquet");',
    );
    const download = page.getByRole("link", { name: "Download" });
    expect(await download.getAttribute("href")).toBe("/api/v1/onedrive/content?path=data%2Fq1.parquet");
    await screenshots("details");
  });

  it("previews a CSV and a Parquet file: 50 rows with column names and types; plain words for other files", async () => {
    await openFolder("data");
    await select("measurements.csv");
    await page.getByRole("button", { name: "Preview", exact: true }).click();
    const table = page.getByTestId("preview").locator("table");
    await table.waitFor();
    expect(await table.locator("thead th").allTextContents()).toEqual([
      "stationstring",
      "temperaturenumber",
      "measured_atdate",
    ]);
    expect(await table.locator("tbody tr").count()).toBe(50);
    expect(await table.locator("tbody tr").first().locator("td").allTextContents()).toEqual([
      "S0",
      "0.00",
      "2024-03-01",
    ]);
    await screenshots("preview-csv");

    await select("q1.parquet");
    await page.getByRole("button", { name: "Preview", exact: true }).click();
    await page.getByText("PARQUET: the first 50 rows of 5,000.").waitFor();
    expect(await table.locator("thead th").allTextContents()).toEqual([
      "idint32",
      "regionutf8",
      "revenuedouble",
    ]);
    expect(await table.locator("tbody tr").count()).toBe(50);
    await screenshots("preview-parquet");

    // Enter on a file previews it; a file that is not data says so instead of showing a table.
    await select("notes.txt");
    await page.getByRole("grid").focus();
    await page.keyboard.press("Enter");
    expect(await page.getByTestId("preview-message").textContent()).toContain(
      "CSV, Parquet, JSON and NDJSON",
    );
  });

  it("uploads by button and by drag and drop, with progress, and overwrites only after a confirmation", async () => {
    await openFolder("reports");
    // A hook in the page records every progress value the upload shows.
    await page.evaluate(() => {
      const seen: number[] = [];
      (window as unknown as { progressSeen: number[] }).progressSeen = seen;
      new MutationObserver(() => {
        for (const bar of document.querySelectorAll<HTMLProgressElement>(".uploads progress"))
          seen.push(bar.value);
      }).observe(document.body, { subtree: true, attributes: true, childList: true });
    });
    const size = 12 * 1024 * 1024 + 321;
    const dropped = await page.evaluateHandle((bytes) => {
      const data = new Uint8Array(bytes);
      for (let i = 0; i < data.length; i++) data[i] = i % 251;
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], "dropped.bin", { type: "application/octet-stream" }));
      return transfer;
    }, size);
    await page.dispatchEvent("[data-testid=explorer]", "dragover", { dataTransfer: dropped });
    await page.dispatchEvent("[data-testid=explorer]", "drop", { dataTransfer: dropped });
    await page
      .getByTestId("upload")
      .filter({ hasText: "dropped.bin" })
      .filter({ hasText: "Uploaded" })
      .waitFor();
    const progress = await page.evaluate(
      () => (window as unknown as { progressSeen: number[] }).progressSeen,
    );
    const between = new Set(progress.filter((v) => v > 0 && v < size));
    expect(between.size, `progress values seen: ${[...new Set(progress)].join(", ")}`).toBeGreaterThan(1);
    await page.locator("[data-testid=file-row]", { hasText: "dropped.bin" }).waitFor();
    const stored = await stack.emu.admin.counters();
    expect(stored.authOnPreauthenticatedUrl).toBe(0);

    // By button: a new file, then the same name again, which asks before replacing.
    await page
      .getByTestId("upload-input")
      .setInputFiles({ name: "summary.csv", mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n") });
    await page.locator("[data-testid=file-row]", { hasText: "summary.csv" }).waitFor();
    await screenshots("uploaded");
    await page
      .getByTestId("upload-input")
      .setInputFiles({ name: "summary.csv", mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n3,4\n") });
    const dialog = page.getByTestId("explorer-dialog");
    await dialog.getByRole("heading", { name: "Replace summary.csv?" }).waitFor();
    expect(await dialog.textContent()).toContain("onedrive://reports/summary.csv already exists");
    await screenshots("overwrite-confirm");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await select("summary.csv");
    expect(await page.locator("[data-testid=file-row]", { hasText: "summary.csv" }).textContent()).toContain(
      "8 B",
    );
    await page
      .getByTestId("upload-input")
      .setInputFiles({ name: "summary.csv", mimeType: "text/csv", buffer: Buffer.from("a,b\n1,2\n3,4\n") });
    await dialog.getByRole("button", { name: "Replace" }).click();
    await expect
      .poll(() => page.locator("[data-testid=file-row]", { hasText: "summary.csv" }).textContent())
      .toContain("12 B");
  });

  it("creates a folder (clear refusal when the name exists or is bad), renames it, and deletes it after a confirmation naming it and its contents", async () => {
    await openFolder("reports");
    await page.getByRole("button", { name: "New folder" }).click();
    const dialog = page.getByTestId("explorer-dialog");
    await dialog.getByLabel("Name").fill("Results");
    await dialog.getByRole("button", { name: "Create folder" }).click();
    await page.locator("[data-testid=file-row]", { hasText: "Results" }).waitFor();

    await page.getByRole("button", { name: "New folder" }).click();
    await dialog.getByLabel("Name").fill("Results");
    await dialog.getByRole("button", { name: "Create folder" }).click();
    await expect.poll(() => dialog.getByRole("alert").textContent()).toContain('"Results" already exists');
    await dialog.getByLabel("Name").fill("Q1: draft");
    await dialog.getByRole("button", { name: "Create folder" }).click();
    await expect
      .poll(() => dialog.getByRole("alert").textContent())
      .toContain('contains ":", which OneDrive forbids in names');
    await screenshots("new-folder-refused");
    await dialog.getByRole("button", { name: "Cancel" }).click();

    await select("Results");
    await page.getByRole("button", { name: "Rename", exact: true }).click();
    await dialog.getByLabel("Name").fill("Results 2024");
    await dialog.getByRole("button", { name: "Rename" }).click();
    await page.locator("[data-testid=file-row]", { hasText: "Results 2024" }).waitFor();
    expect(await page.getByTestId("item-path").textContent()).toBe("onedrive://reports/Results 2024");
    expect(await page.getByTestId("item-snippet").textContent()).toBe(
      'const names = await fs.ls("onedrive://reports/Results 2024");',
    );

    await stack.emu.admin.seed({
      account: "personal",
      files: [{ path: "reports/Results 2024/inside.csv", content: "x\n1\n" }],
    });
    await openFolder("reports");
    await select("Results 2024");
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await dialog.getByRole("heading", { name: "Delete Results 2024?" }).waitFor();
    expect(await page.getByTestId("delete-text").textContent()).toBe(
      "The folder Results 2024 and the 1 item in it go to your OneDrive recycle bin.",
    );
    await screenshots("delete-confirm");
    await dialog.getByRole("button", { name: "Delete" }).click();
    await page.getByText("onedrive://reports/Results 2024 is in your OneDrive recycle bin").waitFor();
    expect(await rowNames()).not.toContain("Results 2024");

    // A file's confirmation names the file; Delete on the keyboard opens it too.
    await select("summary.csv");
    await page.getByRole("grid").focus();
    await page.keyboard.press("Delete");
    expect(await page.getByTestId("delete-text").textContent()).toBe(
      "The file summary.csv goes to your OneDrive recycle bin.",
    );
    await dialog.getByRole("button", { name: "Cancel" }).click();
  });

  it("works at 375 px in the dark theme: browse into a folder, copy a path, preview, keys", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      await openFolder("data");
      // No sideways scrolling of the page at phone width; the grid drops the Modified column instead.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      expect(await page.locator("th.file-grid__cell--modified").isVisible()).toBe(false);
      await select("measurements.csv");
      await page.getByRole("button", { name: "Copy path" }).click();
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
        "onedrive://data/measurements.csv",
      );
      await page.getByRole("button", { name: "Preview", exact: true }).click();
      await expect.poll(() => page.getByTestId("preview").locator("tbody tr").count()).toBe(50);
      await page.getByRole("grid").focus();
      await page.keyboard.press("Home");
      await page.keyboard.press("Enter");
      await page.locator(".breadcrumb [aria-current=location]", { hasText: "raw" }).waitFor();
    } finally {
      await page.emulateMedia({ colorScheme: "light" });
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it("a 20,000-item folder loads page by page and renders a bounded number of rows while scrolling", async () => {
    // Seeding 20,000 files into the emulator takes a minute or more here (a blob file and a hash each), longer
    // under load: the test's time limit is for that, not for the page.
    const seeding = Date.now();
    await stack.emu.admin.seed({
      account: "personal",
      files: Array.from({ length: BIG_FOLDER_ITEMS }, (_, i) => ({
        path: `big/item-${String(i).padStart(5, "0")}.csv`,
        content: "a\n1\n",
      })),
    });
    console.log(`seeded ${BIG_FOLDER_ITEMS} items in ${Date.now() - seeding} ms`);
    await page.goto(stack.broker.url);
    await explorer().getByRole("grid").waitFor();
    const started = Date.now();
    await explorer().getByRole("button", { name: "big", exact: true }).click();
    await page.locator("[data-testid=file-row]", { hasText: "item-00000.csv" }).waitFor();
    const firstRowsMs = Date.now() - started;
    await expect
      .poll(() => page.getByTestId("listing-status").textContent(), { timeout: 60_000 })
      .toBe("20,000 items");
    const allLoadedMs = Date.now() - started;
    const rowsInDom = await page.locator("[data-testid=file-row]").count();
    expect(rowsInDom).toBeLessThan(60);

    // Scroll through the whole folder in 100 steps, a frame each, recording frame gaps and the DOM's row count.
    const scroll = await page.evaluate(async () => {
      const viewport = document.querySelector<HTMLElement>("[data-testid=file-viewport]");
      if (viewport === null) throw new Error("no viewport");
      const gaps: number[] = [];
      let maxRows = 0;
      let last = performance.now();
      for (let step = 1; step <= 100; step++) {
        viewport.scrollTop = (viewport.scrollHeight * step) / 100;
        await new Promise(requestAnimationFrame);
        const now = performance.now();
        gaps.push(now - last);
        last = now;
        maxRows = Math.max(maxRows, document.querySelectorAll("[data-testid=file-row]").length);
      }
      gaps.sort((a, b) => a - b);
      return { maxRows, medianFrameMs: gaps[50] ?? 0, worstFrameMs: gaps.at(-1) ?? 0 };
    });
    expect(scroll.maxRows).toBeLessThan(60);
    await page.locator("[data-testid=file-row]", { hasText: "item-19999.csv" }).waitFor();
    const grid = page.getByRole("grid");
    await grid.focus();
    await page.keyboard.press("Home");
    await page.keyboard.press("End");
    await page.getByRole("heading", { name: "item-19999.csv", exact: true }).waitFor();
    const figures = { items: BIG_FOLDER_ITEMS, firstRowsMs, allLoadedMs, rowsInDom, ...scroll };
    // A measured figure, not a timed assertion: written beside the screenshots and printed.
    writeFileSync(join(ARTIFACTS, "explorer-20000-items.json"), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`20,000-item folder: ${JSON.stringify(figures)}`);
    await screenshots("big-folder");
  }, 420_000);

  it("never leaves the broker's origin", () => {
    const foreign = requested.filter((url) => {
      const origin = new URL(url).origin;
      return (
        origin !== stack.broker.url &&
        origin !== new URL(stack.emu.authority).origin &&
        !url.startsWith("data:")
      );
    });
    expect(foreign).toEqual([]);
  });

  it("a hostile page on another site cannot change the signed-in user's files", async () => {
    // The attacker's site: another host name for loopback, so it is cross-site to the broker's 127.0.0.1.
    const broker = stack.broker.url;
    const html = `<!doctype html><form id="f" method="POST" action="${broker}/api/v1/onedrive/folders" enctype="text/plain">
<input name='{"parent":"","name":"pwned-form","x":"' value='"}'></form>
<script>
const opts = (body) => ({ method: "POST", mode: "no-cors", credentials: "include", headers: { "content-type": "text/plain" }, body: JSON.stringify(body) });
Promise.allSettled([
  fetch("${broker}/api/v1/onedrive/folders", opts({ parent: "", name: "pwned-fetch" })),
  fetch("${broker}/api/v1/onedrive/rename", opts({ path: "reports", name: "pwned-rename" })),
  fetch("${broker}/api/v1/onedrive/uploads", opts({ path: "pwned.bin", size: 3, overwrite: true })),
  fetch("${broker}/api/v1/onedrive/item?path=data", { method: "DELETE", credentials: "include" }),
]).then(() => { document.title = "sent"; document.getElementById("f").submit(); });
</script>`;
    const attacker = createServer((_request, response) => {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(html);
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    const hostile = await launchBrowser(["--host-resolver-rules=MAP attacker.test 127.0.0.1"]);
    try {
      const context = await hostile.newContext();
      const victim = await context.newPage();
      const link = await createLoginLink(stack.broker.db, { userId });
      await victim.goto(loginLinkUrl({ publicUrl: stack.broker.url }, link.token));
      await victim.getByRole("button", { name: "Sign in" }).click();
      await victim.getByTestId("explorer").getByRole("grid").waitFor();
      // Names only: a folder's item count may still be moving if an earlier test's seed is.
      const names = () =>
        victim.$$eval("[data-testid=file-row]", (rows) =>
          rows.map((r) => r.querySelector("td")?.textContent),
        );
      const before = await names();
      const answers: { method: string; url: string; status: number }[] = [];
      context.on("response", (response) => {
        const request = response.request();
        if (request.url().startsWith(`${broker}/api/`) && request.method() !== "GET") {
          answers.push({ method: request.method(), url: request.url(), status: response.status() });
        }
      });
      const port = (attacker.address() as AddressInfo).port;
      await victim.goto(`http://attacker.test:${port}/`);
      await victim.waitForURL((url) => url.origin === broker, { timeout: 10_000 });
      // Whatever reached the broker was refused (no session cookie cross-site, no CSRF token, a body it does not take).
      expect(answers.length).toBeGreaterThan(0);
      for (const answer of answers)
        expect(answer.status, `${answer.method} ${answer.url}`).toBeGreaterThanOrEqual(400);
      await victim.goto(broker);
      await victim.getByTestId("explorer").getByRole("grid").waitFor();
      await victim.locator("[data-testid=file-row]", { hasText: "reports" }).waitFor();
      expect(await names()).toEqual(before);
    } finally {
      await hostile.close();
      await new Promise((resolve) => attacker.close(resolve));
    }
  });

  it("says the connection needs reconnecting, with Reconnect, and no stack trace or blank panel", async () => {
    await stack.emu.admin.revoke("personal");
    await page.goto(stack.broker.url);
    await explorer().getByText("OneDrive needs reconnecting.").waitFor();
    expect(await explorer().getByRole("button", { name: "Reconnect" }).isVisible()).toBe(true);
    expect(await explorer().textContent()).not.toMatch(/\bat \S+\.(ts|js):\d+/);
    await screenshots("needs-reconnect");
  });
});
