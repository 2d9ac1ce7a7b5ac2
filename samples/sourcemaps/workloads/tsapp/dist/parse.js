"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.makeText = exports.Tokenizer = void 0;
exports.parseRecords = parseRecords;
class Tokenizer {
    text;
    pos = 0;
    constructor(text) {
        this.text = text;
    }
    nextToken() {
        while (this.pos < this.text.length && this.text[this.pos] === " ") {
            this.pos++;
        }
        if (this.pos >= this.text.length) {
            return null;
        }
        const start = this.pos;
        while (this.pos < this.text.length && this.text[this.pos] !== " ") {
            this.pos++;
        }
        return this.text.slice(start, this.pos);
    }
}
exports.Tokenizer = Tokenizer;
function parseRecords(text) {
    const tokens = new Tokenizer(text);
    const rows = [];
    for (let token = tokens.nextToken(); token !== null; token = tokens.nextToken()) {
        const [key, label] = token.split(":");
        rows.push({ key: Number(key), label });
    }
    return rows;
}
const makeText = (count) => {
    const parts = [];
    for (let i = 0; i < count; i++) {
        parts.push(`${(i * 7919) % 1000}:item${i % 97}`);
    }
    return parts.join(" ");
};
exports.makeText = makeText;
//# sourceMappingURL=parse.js.map