/**
 * Namespaces as stored: labels joined by ':' (which LangGraph forbids inside labels), so a
 * namespace prefix is a range of the index on (namespace, key). Also the matching rules of
 * listNamespaces: prefix and suffix conditions whose '*' labels match any label.
 */
import { validateNamespace, type MatchCondition } from '@langchain/langgraph-checkpoint';
import type { SqlValue } from '../agent-tables.js';

const SEPARATOR = ':';
/** The character after ':', ending the range of every namespace below a prefix. */
const AFTER_SEPARATOR = ';';

/**
 * Checks a namespace the way LangGraph does (InvalidNamespaceError) and encodes it. Only
 * writes are refused the reserved root `langgraph`; only a search prefix may be empty.
 */
export function encodeNamespace(namespace: string[], use: 'write' | 'read' | 'prefix'): string {
  if (!Array.isArray(namespace)) validateNamespace([String(namespace)]);
  validateNamespace(namespace, { allowEmpty: use === 'prefix', allowReservedRoot: use !== 'write' });
  return namespace.join(SEPARATOR);
}

export function decodeNamespace(encoded: string): string[] {
  return encoded.split(SEPARATOR);
}

/** SQL over `column` matching the namespace `encoded` and every namespace below it. */
export function namespacePrefixSql(column: string, encoded: string): { condition: string; params: SqlValue[] } {
  if (encoded === '') return { condition: '1', params: [] };
  return {
    condition: `(${column} = ? OR (${column} > ? AND ${column} < ?))`,
    params: [encoded, encoded + SEPARATOR, encoded + AFTER_SEPARATOR],
  };
}

/** True when `namespace` meets `condition` ('*' labels match any label). */
export function matches(namespace: string[], condition: MatchCondition): boolean {
  const { path, matchType } = condition;
  if (path.length > namespace.length) return false;
  const start = matchType === 'suffix' ? namespace.length - path.length : 0;
  return path.every((label, i) => label === '*' || label === namespace[start + i]);
}

/** The labels of a prefix condition before its first '*', encoded: what SQL can narrow by. */
export function literalPrefix(conditions: MatchCondition[] | undefined): string {
  const prefix = conditions?.find((c) => c.matchType === 'prefix')?.path ?? [];
  const star = prefix.indexOf('*');
  return (star === -1 ? prefix : prefix.slice(0, star)).join(SEPARATOR);
}

/** Orders namespaces as InMemoryStore does: their labels joined by ':', by localeCompare. */
export function compareNamespaces(a: string[], b: string[]): number {
  return a.join(SEPARATOR).localeCompare(b.join(SEPARATOR));
}
