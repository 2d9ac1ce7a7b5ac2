// Parsing work: a hand-written tokenizer over generated text.
import type { Row } from "./sort";

export class Tokenizer {
  private pos = 0;

  constructor(private readonly text: string) {}

  nextToken(): string | null {
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

export function parseRecords(text: string): Row[] {
  const tokens = new Tokenizer(text);
  const rows: Row[] = [];
  for (let token = tokens.nextToken(); token !== null; token = tokens.nextToken()) {
    const [key, label] = token.split(":");
    rows.push({ key: Number(key), label });
  }
  return rows;
}

export const makeText = (count: number): string => {
  const parts: string[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(`${(i * 7919) % 1000}:item${i % 97}`);
  }
  return parts.join(" ");
};
