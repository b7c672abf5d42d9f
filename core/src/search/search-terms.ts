/**
 * Turns text into search terms for the full-text indexes: Unicode words, lowercased, common
 * function words dropped. Query terms never carry query syntax, so user text cannot break (or
 * inject into) a MATCH expression. Engram's own term index also stems them (Porter, as SQLite
 * FTS5's porter tokenizer does), so "painted" finds "paint".
 */
import { stemmer } from 'stemmer';

const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her hers him his how i if in into is it its ' +
    'me my of on or our she so than that the their them then there these they this those to us was we were what when where which ' +
    'who whom why will with would you your yours about after before did does doing any some'
  ).split(' '),
);

const MAX_TERMS = 32;

/** Longest query recall and file search accept, in characters. */
export const MAX_QUERY_CHARS = 8192;

/** The terms of a text as Engram's term index stores them: words without function words, stemmed. */
export function tokens(text: string): string[] {
  return words(text)
    .filter((w) => !STOPWORDS.has(w))
    .map(stem);
}

/** Stems already made: words repeat (Zipf), and the stemmer's regular expressions are most of indexing's cost. */
const stems = new Map<string, string>();
const STEM_CACHE = 50_000;

/** Porter stem of a lowercase word. */
export function stem(word: string): string {
  let s = stems.get(word);
  if (s === undefined) {
    if (stems.size >= STEM_CACHE) stems.clear();
    stems.set(word, (s = stemmer(word)));
  }
  return s;
}

function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

export function searchTerms(query: string): string[] {
  const all = words(query);
  const kept = all.filter((w) => !STOPWORDS.has(w));
  // A query made only of function words still searches for them rather than for nothing.
  const terms = [...new Set(kept.length > 0 ? kept : all)];
  return terms.slice(0, MAX_TERMS);
}
