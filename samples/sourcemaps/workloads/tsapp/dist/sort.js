"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.sortHeavy = sortHeavy;
exports.compareRows = compareRows;
function sortHeavy(rows) {
    const out = rows.slice();
    for (let i = 1; i < out.length; i++) {
        const row = out[i];
        let j = i - 1;
        while (j >= 0 && compareRows(out[j], row) > 0) {
            out[j + 1] = out[j];
            j--;
        }
        out[j + 1] = row;
    }
    return out;
}
function compareRows(a, b) {
    if (a.key !== b.key) {
        return a.key - b.key;
    }
    return a.label < b.label ? -1 : a.label > b.label ? 1 : 0;
}
//# sourceMappingURL=sort.js.map