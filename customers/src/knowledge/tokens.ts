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

/** Keys an article must match to be shown: half of the query's, rounded up (typos, extra words). */
export function minMatches(keys: readonly string[]): number {
  return Math.max(1, Math.ceil(keys.length / 2));
}
