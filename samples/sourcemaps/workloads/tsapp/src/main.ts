// A small workload: parse, sort and checksum records, again and again for about a second.
import { checksum } from "tiny-checksum";
import { makeText, parseRecords } from "./parse";
import { sortHeavy } from "./sort";

function runRound(round: number): number {
  const text = makeText(1500 + (round % 5) * 100);
  const rows = parseRecords(text);
  const sorted = sortHeavy(rows);
  return checksum(sorted.map((row) => row.label).join(","));
}

function main(): void {
  const deadline = Date.now() + 1200;
  let total = 0;
  let round = 0;
  while (Date.now() < deadline) {
    total = (total + runRound(round)) % 1000003;
    round++;
  }
  console.log(`rounds ${round}, checksum ${total}`);
}

main();
