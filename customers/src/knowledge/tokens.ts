// Search keys for Chinese and mixed text without a word segmenter: runs of CJK characters
// give character bigrams (a one-character run is its own key), Latin words and numbers give
// the word. The same lower-casing as the table's `search_text` (lowerUTF8) is applied.

const CJK = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const WORD = /[\p{L}\p{N}]/u;

/** Query keys, distinct, in order of appearance (at most `max`). */
export function searchKeys(query: string, max = 32): string[] {
  const text = query.normalize("NFKC").toLowerCase();
  const keys = new Set<string>();
  let run: string[] = [];
  let word = "";
  const flushRun = () => {
    if (run.length === 1) keys.add(run[0] as string);
    for (let i = 0; i + 1 < run.length; i++) keys.add(`${run[i]}${run[i + 1]}`);
    run = [];
  };
  const flushWord = () => {
    if (word) keys.add(word);
    word = "";
  };
  for (const ch of text) {
    if (CJK.test(ch)) {
      flushWord();
      run.push(ch);
    } else if (WORD.test(ch)) {
      flushRun();
      word += ch;
    } else {
      flushRun();
      flushWord();
    }
  }
  flushRun();
  flushWord();
  return [...keys].slice(0, max);
}

/**
 * Keys an article must match to be fetched: one for short queries, two from four keys on.
 * Agents type whole questions ("客户说没时间怎么办") whose extra bigrams (户说, 说没, 怎么…)
 * are in no article, so a share of the query would miss the right one; `keepBest` then drops
 * the weak tail relative to the best hit.
 */
export function minMatches(keys: readonly string[]): number {
  return keys.length >= 4 ? 2 : 1;
}

/** Hits matching at least half as many keys as the best one (input ranked best first). */
export function keepBest<H extends { hits: number }>(ranked: readonly H[]): H[] {
  const best = Math.max(0, ...ranked.map((h) => h.hits));
  return ranked.filter((h) => h.hits * 2 >= best);
}
