// The workload for a page: the rounds of main.ts, for as long as the page is asked to run.
import { checksum } from "tiny-checksum";
import { makeText, parseRecords } from "./parse";
import { sortHeavy } from "./sort";

function pageRound(round: number): number {
  const rows = sortHeavy(parseRecords(makeText(1500 + (round % 5) * 100)));
  return checksum(rows.map((row) => row.label).join(","));
}

function runWorkload(ms: number): number {
  const deadline = performance.now() + ms;
  let total = 0;
  for (let round = 0; performance.now() < deadline; round++) {
    total = (total + pageRound(round)) % 1000003;
  }
  return total;
}

(globalThis as { runWorkload?: (ms: number) => number }).runWorkload = runWorkload;
