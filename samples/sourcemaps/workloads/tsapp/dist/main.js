"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
// A small workload: parse, sort and checksum records, again and again for about a second.
const tiny_checksum_1 = require("tiny-checksum");
const parse_1 = require("./parse");
const sort_1 = require("./sort");
function runRound(round) {
    const text = (0, parse_1.makeText)(1500 + (round % 5) * 100);
    const rows = (0, parse_1.parseRecords)(text);
    const sorted = (0, sort_1.sortHeavy)(rows);
    return (0, tiny_checksum_1.checksum)(sorted.map((row) => row.label).join(","));
}
function main() {
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
//# sourceMappingURL=main.js.map