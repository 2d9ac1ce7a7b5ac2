// Sorting work: an insertion sort on purpose, so that it shows in a profile.
export interface Row {
  key: number;
  label: string;
}

export function sortHeavy(rows: Row[]): Row[] {
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

export function compareRows(a: Row, b: Row): number {
  if (a.key !== b.key) {
    return a.key - b.key;
  }
  return a.label < b.label ? -1 : a.label > b.label ? 1 : 0;
}
