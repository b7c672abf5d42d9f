/**
 * Memory filter flags shared by recall, memories and forget: --kind, --tag, --meta key=value
 * (repeatable), --source, --since, --until, --as-of, --include-superseded.
 */
import type { MemoryFilter, MetadataValue } from '@engram/core';
import type { Args } from './context.js';
import { usageError } from './exit-codes.js';

export const FILTER_OPTIONS = {
  kind: { type: 'string', multiple: true },
  tag: { type: 'string', multiple: true },
  meta: { type: 'string', multiple: true },
  source: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  'as-of': { type: 'string' },
  'include-superseded': { type: 'boolean' },
} as const;

export const FILTER_HELP = `Filters: --kind K, --tag T, --meta KEY=VALUE (each repeatable; VALUE is JSON when it parses: 3, true, null, "3"),
         --source S, --since TIME, --until TIME, --as-of TIME, --include-superseded`;

/** `key=value` pairs as metadata equality conditions. */
export function metaPairs(pairs: string[], flag = 'meta'): Record<string, MetadataValue> {
  const out: Record<string, MetadataValue> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw usageError(`--${flag} takes KEY=VALUE, not ${JSON.stringify(pair)}`);
    const raw = pair.slice(eq + 1);
    let value: MetadataValue = raw;
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (parsed === null || ['string', 'number', 'boolean'].includes(typeof parsed)) value = parsed as MetadataValue;
    } catch {
      // not JSON: the text itself
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

/** The filter the flags describe (undefined fields left out). */
export function filterOf(args: Args): MemoryFilter {
  const filter: MemoryFilter = {};
  const kinds = args.strs('kind');
  const tags = args.strs('tag');
  const meta = args.strs('meta');
  if (kinds.length > 0) filter.kinds = kinds;
  if (tags.length > 0) filter.tags = tags;
  if (meta.length > 0) filter.metadata = metaPairs(meta);
  const source = args.str('source');
  if (source !== undefined) filter.source = source;
  for (const [flag, field] of [
    ['since', 'since'],
    ['until', 'until'],
    ['as-of', 'asOf'],
  ] as const) {
    const v = args.str(flag);
    if (v !== undefined) filter[field] = v;
  }
  if (args.bool('include-superseded')) filter.includeSuperseded = true;
  return filter;
}
