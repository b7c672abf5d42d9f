/** The shapes passed between the inspector's router and its pages. */
import type { IncomingMessage } from 'node:http';
import type { Agent, Engram } from '@engram/core';
import type { InspectorAccess } from './access.js';
import type { Html } from './html.js';
import type { PageContext } from './layout.js';

export interface RequestContext extends PageContext {
  req: IncomingMessage;
  engram: Engram;
  url: URL;
  query: URLSearchParams;
  /** The urlencoded body of a POST (CSRF already checked). */
  form: URLSearchParams;
  access: InspectorAccess;
}

export interface AgentContext extends RequestContext {
  agentId: string;
  agent: Agent;
  /** Path segments matched by `:name` parts of the route. */
  params: Record<string, string>;
}

/** What a page handler answers: a page, or a redirect (303 after a POST). */
export type Reply = { status?: number; body: Html } | { redirect: string };

export type AgentHandler = (c: AgentContext) => Promise<Reply>;

/** A query parameter as a bounded non-negative integer. */
export function intParam(query: URLSearchParams, name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const value = query.get(name);
  if (value === null || value === '') return fallback;
  const n = Number(value);
  return Number.isInteger(n) && n >= 0 ? Math.min(n, max) : fallback;
}

/** A query parameter as trimmed text, or undefined when empty. */
export function textParam(query: URLSearchParams, name: string, maxLength = 1000): string | undefined {
  const value = query.get(name)?.trim();
  return value ? value.slice(0, maxLength) : undefined;
}
