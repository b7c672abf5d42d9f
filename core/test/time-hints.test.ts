import { describe, expect, it } from 'vitest';
import { inHint, timeHints } from '../src/memories/time-hints.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 24, 15, 30); // 24 November 2026, a Tuesday afternoon
const utc = (y: number, m: number, d: number) => Date.UTC(y, m - 1, d);
const spans = (query: string) =>
  timeHints(query, NOW).map((h) => [
    h.text,
    h.anyYear ? 'any' : new Date(h.from).toISOString().slice(0, 10),
    new Date(h.to).toISOString().slice(0, 10),
  ]);

describe('time hints', () => {
  it('reads dates in the usual written forms', () => {
    expect(spans('What did Ann paint on 13 October 2023?')).toEqual([['13 October 2023', '2023-10-13', '2023-10-14']]);
    expect(spans('the talk on October 13, 2023')).toEqual([['October 13, 2023', '2023-10-13', '2023-10-14']]);
    expect(spans('on the 8th of Dec, 2023 we met')).toEqual([['8th of Dec, 2023', '2023-12-08', '2023-12-09']]);
    expect(spans('deploy log 2023-10-13')).toEqual([['2023-10-13', '2023-10-13', '2023-10-14']]);
    expect(spans('invoices of 2024-02')).toEqual([['2024-02', '2024-02-01', '2024-03-01']]);
    expect(spans('What setback did she face in October 2023?')).toEqual([['October 2023', '2023-10-01', '2023-11-01']]);
    expect(spans('How often did he swim in 2023?')).toEqual([['in 2023', '2023-01-01', '2024-01-01']]);
  });

  it('takes a month alone only in a time phrase, in any year', () => {
    const [june] = timeHints('When did we go camping in June?', NOW);
    expect(june).toMatchObject({ text: 'in June', anyYear: true });
    expect(spans('during may')).toEqual([['during may', 'any', '2000-06-01']]);
    // "may" the verb, "march" the verb, a bare number: no time named.
    expect(timeHints('What may help me sleep? We march on. I have 2023 photos.', NOW)).toEqual([]);
    expect(timeHints('no dates here at all', NOW)).toEqual([]);
  });

  it('counts relative times back from now', () => {
    expect(spans('what did I eat yesterday')).toEqual([['yesterday', '2026-11-23', '2026-11-24']]);
    expect(spans('notes from last month')).toEqual([['last month', '2026-10-01', '2026-11-01']]);
    expect(spans('trips last year')).toEqual([['last year', '2025-01-01', '2026-01-01']]);
    const [ago] = timeHints('the bug from 3 days ago', NOW);
    expect(inHint(ago!, NOW - 3 * DAY)).toBe(true);
    expect(inHint(ago!, NOW - 10 * DAY)).toBe(false);
    const [week] = timeHints('what happened last week', NOW);
    expect(inHint(week!, NOW - 9 * DAY)).toBe(true);
    expect(inHint(week!, NOW - 30 * DAY)).toBe(false);
  });

  it('reaches a week past a window and a day before it', () => {
    const [oct13] = timeHints('on 13 October 2023', NOW);
    expect(inHint(oct13!, utc(2023, 10, 13) + 12 * 3_600_000)).toBe(true);
    expect(inHint(oct13!, utc(2023, 10, 12))).toBe(true); // time zones
    expect(inHint(oct13!, utc(2023, 10, 20))).toBe(true); // told a week later
    expect(inHint(oct13!, utc(2023, 10, 21))).toBe(false);
    expect(inHint(oct13!, utc(2023, 10, 11))).toBe(false);
    expect(inHint(oct13!, utc(2024, 10, 13))).toBe(false); // another year
  });

  it('matches a month without a year in every year, across the new year too', () => {
    const [june] = timeHints('in June', NOW);
    for (const year of [1999, 2023, 2026]) expect(inHint(june!, utc(year, 6, 15))).toBe(true);
    expect(inHint(june!, utc(2023, 8, 15))).toBe(false);
    const [december] = timeHints('in December', NOW);
    expect(inHint(december!, utc(2024, 1, 5))).toBe(true); // a week into the next January
    expect(inHint(december!, utc(2024, 1, 20))).toBe(false);
    const [feb29] = timeHints('on 29 February', NOW);
    expect(inHint(feb29!, utc(2024, 2, 29))).toBe(true);
  });
});
