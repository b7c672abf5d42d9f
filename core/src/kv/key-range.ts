/**
 * Key prefixes as ranges: every key starting with `prefix` satisfies
 * `key >= prefix AND key < prefixEnd(prefix)`, with no pattern characters involved, so '%' and
 * '_' are literal and the primary key index answers the query. Relies on BINARY collation,
 * where UTF-8 byte order equals code point order.
 */

/**
 * The least string greater than every string starting with `prefix` (its last code point
 * incremented), or null when there is none (an empty prefix, or only U+10FFFF code points).
 * @example
 * prefixEnd('user:'); // 'user;'
 */
export function prefixEnd(prefix: string): string | null {
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) return points.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
  }
  return null;
}
