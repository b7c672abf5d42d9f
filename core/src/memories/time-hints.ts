/**
 * Time awareness for recall: the times a query names ("in June", "on 13 October 2023", "in
 * 2023", "last week", "3 days ago") as windows over a memory's valid-from time. Recall prefers
 * candidates valid inside one (a soft filter, like `prefer`): "what did Ann paint in July?" ranks
 * July's memories above other paintings. Dates are read in UTC; relative ones count back from
 * the recall's time. A month or day without a year matches it in any year.
 *
 * Memories are often written after what they tell ("we went camping last week"), so a window
 * reaches a week past its end, and a day before its start for time zones.
 */

const DAY = 86_400_000;
const SLACK_BEFORE = DAY;
const SLACK_AFTER = 7 * DAY;

const MONTHS: Record<string, number> = {};
[
  ['january', 'jan'],
  ['february', 'feb'],
  ['march', 'mar'],
  ['april', 'apr'],
  ['may'],
  ['june', 'jun'],
  ['july', 'jul'],
  ['august', 'aug'],
  ['september', 'sep', 'sept'],
  ['october', 'oct'],
  ['november', 'nov'],
  ['december', 'dec'],
].forEach((names, month) => names.forEach((n) => (MONTHS[n] = month)));
const MONTH = Object.keys(MONTHS)
  .sort((a, b) => b.length - a.length)
  .join('|');

/** A span of time a query names: `year` undefined means any year (then `from`/`to` are in 2000, a leap year). */
export interface TimeHint {
  /** The words that named it. */
  text: string;
  from: number;
  to: number;
  anyYear: boolean;
}

/** Words that put a bare month name or year in a time phrase ("in may", "since 2021"). */
const LEAD = String.raw`(?:in|on|of|during|since|until|till|by|from|before|after|early|mid|late|last|this|next|around|throughout)`;
const DAY_NUM = String.raw`(\d{1,2})(?:st|nd|rd|th)?`;
const YEAR = String.raw`((?:19|20)\d{2})`;

const PATTERNS: { re: RegExp; read: (m: RegExpExecArray) => { year?: number; month?: number; day?: number } | undefined }[] = [
  // 2023-10-13, 2023-10
  { re: new RegExp(String.raw`\b${YEAR}-(\d{1,2})(?:-(\d{1,2}))?\b`, 'gi'), read: (m) => ymd(m[1], m[2], m[3]) },
  // 13 October 2023, 13th of Oct, 13 October
  {
    re: new RegExp(String.raw`\b${DAY_NUM}\s+(?:of\s+)?(${MONTH})\.?(?:,?\s+${YEAR})?\b`, 'gi'),
    read: (m) => ({ day: Number(m[1]), month: MONTHS[m[2]!.toLowerCase()]!, ...(m[3] ? { year: Number(m[3]) } : {}) }),
  },
  // October 13, 2023; October 13; October 2023
  {
    re: new RegExp(String.raw`\b(${MONTH})\.?\s+(?:${DAY_NUM}(?!\d)(?:,?\s+${YEAR})?|${YEAR})\b`, 'gi'),
    read: (m) => {
      const month = MONTHS[m[1]!.toLowerCase()]!;
      if (m[4]) return { month, year: Number(m[4]) };
      return { month, day: Number(m[2]), ...(m[3] ? { year: Number(m[3]) } : {}) };
    },
  },
  // in June, during may, early March: a month name alone must follow such a word
  { re: new RegExp(String.raw`\b${LEAD}\s+(${MONTH})\b`, 'gi'), read: (m) => ({ month: MONTHS[m[1]!.toLowerCase()]! }) },
  // in 2023, since 2021
  { re: new RegExp(String.raw`\b${LEAD}\s+${YEAR}\b`, 'gi'), read: (m) => ({ year: Number(m[1]) }) },
];

function ymd(y?: string, mo?: string, d?: string) {
  const month = Number(mo) - 1;
  if (!(month >= 0 && month < 12)) return undefined;
  return { year: Number(y), month, ...(d ? { day: Number(d) } : {}) };
}

const RELATIVE: { re: RegExp; span: (now: number, m: RegExpExecArray) => [number, number] }[] = [
  { re: /\b(?:today|tonight|this morning|this afternoon|this evening)\b/gi, span: (now) => [startOfDay(now), startOfDay(now) + DAY] },
  { re: /\b(?:yesterday|last night)\b/gi, span: (now) => [startOfDay(now) - DAY, startOfDay(now)] },
  { re: /\bthis week\b/gi, span: (now) => [startOfDay(now) - 6 * DAY, startOfDay(now) + DAY] },
  { re: /\blast (?:week|weekend)\b/gi, span: (now) => [startOfDay(now) - 14 * DAY, startOfDay(now) - 6 * DAY] },
  { re: /\bthis month\b/gi, span: (now) => monthSpan(now, 0) },
  { re: /\blast month\b/gi, span: (now) => monthSpan(now, -1) },
  { re: /\bthis year\b/gi, span: (now) => yearSpan(now, 0) },
  { re: /\blast year\b/gi, span: (now) => yearSpan(now, -1) },
  {
    re: /\b(\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten)\s+(day|week|month|year)s?\s+ago\b/gi,
    span: (now, m) => {
      const n = /^\d+$/.test(m[1]!) ? Number(m[1]) : WORD_NUMBERS[m[1]!.toLowerCase()]!;
      const unit = { day: DAY, week: 7 * DAY, month: 30 * DAY, year: 365 * DAY }[m[2]!.toLowerCase() as 'day']!;
      const at = startOfDay(now) - n * unit;
      return [at - unit / 2, at + unit / 2 + DAY];
    },
  },
];

const WORD_NUMBERS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
};

function startOfDay(t: number): number {
  return Math.floor(t / DAY) * DAY;
}

function monthSpan(now: number, delta: number): [number, number] {
  const d = new Date(now);
  return [Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + delta, 1), Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + delta + 1, 1)];
}

function yearSpan(now: number, delta: number): [number, number] {
  const y = new Date(now).getUTCFullYear() + delta;
  return [Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)];
}

/** The times `query` names, relative ones counted back from `now` (epoch ms). */
export function timeHints(query: string, now: number): TimeHint[] {
  const hints: TimeHint[] = [];
  const taken: [number, number][] = [];
  const free = (m: RegExpExecArray) => taken.every(([s, e]) => m.index >= e || m.index + m[0].length <= s);
  for (const { re, read } of PATTERNS) {
    for (const m of query.matchAll(re)) {
      if (!free(m)) continue;
      const parts = read(m);
      if (!parts || (parts.day !== undefined && !(parts.day >= 1 && parts.day <= 31))) continue;
      taken.push([m.index, m.index + m[0].length]);
      const anyYear = parts.year === undefined;
      const year = parts.year ?? 2000;
      let from: number;
      let to: number;
      if (parts.month === undefined) [from, to] = [Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)];
      else if (parts.day === undefined) [from, to] = [Date.UTC(year, parts.month, 1), Date.UTC(year, parts.month + 1, 1)];
      else [from, to] = [Date.UTC(year, parts.month, parts.day), Date.UTC(year, parts.month, parts.day + 1)];
      hints.push({ text: m[0], from, to, anyYear });
    }
  }
  for (const { re, span } of RELATIVE) {
    for (const m of query.matchAll(re)) {
      if (!free(m)) continue;
      taken.push([m.index, m.index + m[0].length]);
      const [from, to] = span(now, m);
      hints.push({ text: m[0], from, to, anyYear: false });
    }
  }
  return hints;
}

/** Whether a memory valid from `t` (epoch ms) falls in the hint's window (with its slack). */
export function inHint(hint: TimeHint, t: number): boolean {
  if (!hint.anyYear) return t >= hint.from - SLACK_BEFORE && t < hint.to + SLACK_AFTER;
  // Any year: move the window to the memory's year (and the one before, for windows that wrap into January).
  const y = new Date(t).getUTCFullYear();
  for (const year of [y, y - 1]) {
    const shift = (ms: number) => {
      const d = new Date(ms);
      return Date.UTC(d.getUTCFullYear() - 2000 + year, d.getUTCMonth(), d.getUTCDate());
    };
    if (t >= shift(hint.from) - SLACK_BEFORE && t < shift(hint.to) + SLACK_AFTER) return true;
  }
  return false;
}
