// Scenario 1: list a folder of 20,000 items, every page.
import { check, rowOf, type Scenario } from "../lib/harness.ts";

const folder = (n: number) => `bench/list-${n}`;

export const list: Scenario = {
  id: "list",
  title: (s) => `list ${s.listItems.toLocaleString("en")} items`,
  contenders: ["ferry", "sdk", "limit"],
  async prepare(ctx) {
    const n = ctx.sizes.listItems;
    await ctx.emu.admin.seed({
      account: "personal",
      files: Array.from({ length: n }, (_, i) => ({ path: `${folder(n)}/item-${i}.txt`, content: "" })),
    });
  },
  args: async (ctx) => ({ path: folder(ctx.sizes.listItems), items: ctx.sizes.listItems }),
  targets(rows, _profile, sizes) {
    const ferry = rowOf(rows, "ferry");
    const sdk = rowOf(rows, "sdk");
    const maxRequests = Math.ceil(sizes.listItems / 1000) + 1;
    return [
      check(
        "time ≤ Graph SDK's",
        ferry && sdk ? sdk.seconds / ferry.seconds : undefined,
        (v) => v >= 1,
        // Both times, not only the ratio: a tie must not read "1.00×, missed" without them.
        () => `${ferry?.seconds.toFixed(3)} s vs ${sdk?.seconds.toFixed(3)} s`,
      ),
      check(
        `requests ≤ ${maxRequests}`,
        ferry?.requests,
        (v) => v <= maxRequests,
        (v) => `${v}`,
      ),
    ];
  },
};
