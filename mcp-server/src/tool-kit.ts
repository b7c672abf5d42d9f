/**
 * What every tool module shares: the agent a server is bound to, tool annotations, shared
 * input shapes, and `addTool`, which turns a core call into an MCP result (a short text for
 * the model plus `structuredContent`) and any failure into a tool error the model can read.
 */
import { EngramError, isEngramError, type Agent } from '@engram/core';
import type { McpServer, ToolCallback } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import {
  ErrorCode,
  type CallToolResult,
  type ServerNotification,
  type ServerRequest,
  type ToolAnnotations,
} from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
import { clientLogOf } from './client-log.js';
import { MAX_REPLY_BYTES, formatBytes } from './limits.js';
import { log } from './log.js';

/** The agent a server session is bound to, opened on first use. */
export type AgentRef = () => Promise<Agent>;

/** Reads only; calling it again changes nothing. */
export const READ_ONLY: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/** Adds data; each call adds more. */
export const ADDITIVE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
/** Overwrites or deletes data; the same call twice leaves the same state. */
export const DESTRUCTIVE: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };

/** A time argument: what core's `toEpochMs` accepts over JSON. */
export const timeInput = z.union([z.string(), z.number()]);

/** The same fields, each optional. */
export function optional<S extends Record<string, z.ZodType>>(shape: S): { [K in keyof S]: z.ZodOptional<S[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as { [K in keyof S]: z.ZodOptional<S[K]> };
}

export interface ToolSpec<I extends z.ZodObject, O extends z.ZodObject> {
  title: string;
  /** Written for a model: when to use the tool and what it returns. */
  description: string;
  input: I;
  output: O;
  annotations: ToolAnnotations;
  /** How to ask for less when a reply would be too large (e.g. "pass a smaller limit"). */
  askForLess?: string;
}

/**
 * What a tool body returns: the text the model reads, and the same facts as structured data.
 * The SDK checks `data` against the tool's output schema on every call (loose objects, so a
 * field core adds later never fails a client's validation).
 */
export interface ToolOutput {
  text: string;
  data: object;
}

/** Failures caused by the request itself (InvalidParams for a resource read, no stack logged). */
const CLIENT_CODES = ['NOT_FOUND', 'INVALID_ARGUMENT', 'LIMIT_EXCEEDED'] as const;

/** Whether a failure was caused by the call itself rather than by the server. */
function clientCaused(err: unknown): boolean {
  return isEngramError(err) ? err.code !== 'INTERNAL' : err instanceof URIError;
}

/** `CODE: message` for any failure; an unexpected one also goes to stderr with its stack. */
function describe(err: unknown): string {
  if (isEngramError(err)) return `${err.code}: ${err.message}`;
  if (err instanceof URIError) return `INVALID_ARGUMENT: ${err.message} (a malformed percent-escape)`;
  log(`unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return `INTERNAL: ${err instanceof Error ? err.message : String(err)}`;
}

const textOf = (result: CallToolResult) => result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** A failure as a tool result: `CODE: message`, so the model can correct its call. */
export function toolError(err: unknown): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: describe(err) }] };
}

/**
 * A failure of a resource read, as a JSON-RPC error carrying `CODE: message`. (An Error with a
 * numeric `code` rather than McpError, whose message would repeat the "MCP error" prefix.)
 */
export function resourceError(err: unknown): Error & { code: number } {
  const invalidParams = CLIENT_CODES.some((code) => isEngramError(err, code)) || err instanceof URIError;
  return Object.assign(new Error(describe(err)), { code: invalidParams ? ErrorCode.InvalidParams : ErrorCode.InternalError });
}

/** Size of a value as JSON, in UTF-8 bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}

/**
 * An upper bound of `value`'s size as JSON in UTF-8 bytes, without serialising it, or undefined
 * past `limit` (or for what only JSON.stringify can tell: toJSON, non-plain objects, deep
 * nesting). A string unit takes at most 6 bytes (an escape such as \u001f), a number at most 24 characters.
 */
function jsonBytesBound(value: unknown, limit: number, depth = 0): number | undefined {
  switch (typeof value) {
    case 'string':
      return 2 + 6 * value.length;
    case 'number':
      return 24;
    case 'boolean':
      return 5;
    case 'undefined':
      return 4; // "null" in an array; nothing in an object
    case 'object': {
      if (value === null) return 4;
      if (depth > 64) return undefined;
      let total = 2;
      if (Array.isArray(value)) {
        for (const item of value) {
          const bytes = jsonBytesBound(item, limit, depth + 1);
          if (bytes === undefined || (total += bytes + 1) > limit) return undefined;
        }
        return total;
      }
      const proto = Object.getPrototypeOf(value) as unknown;
      if ((proto !== Object.prototype && proto !== null) || 'toJSON' in value) return undefined;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const bytes = jsonBytesBound((value as Record<string, unknown>)[key], limit, depth + 1);
        if (bytes === undefined || (total += 2 + 6 * key.length + 1 + bytes + 1) > limit) return undefined;
      }
      return total;
    }
    default:
      return undefined;
  }
}

/**
 * LIMIT_EXCEEDED when `value` as JSON would be over MAX_REPLY_BYTES (see checkReplySize). Only
 * a reply near the limit is serialised to be measured: the transport serialises every reply
 * again to send it.
 */
export function checkReplyFits(value: unknown, askForLess?: string): void {
  const bound = jsonBytesBound(value, MAX_REPLY_BYTES);
  if (bound !== undefined && bound <= MAX_REPLY_BYTES) return; // a bare string is bounded, not checked, by the walk
  checkReplySize(jsonBytes(value), askForLess);
}

/**
 * LIMIT_EXCEEDED when a reply of `bytes` would not fit in one message (MAX_REPLY_BYTES): a
 * larger one would end a stdio client's connection.
 */
export function checkReplySize(bytes: number, askForLess = 'ask for less at once'): void {
  if (bytes > MAX_REPLY_BYTES) {
    throw new EngramError(
      'LIMIT_EXCEEDED',
      `the reply would be ${formatBytes(bytes)}, over the ${formatBytes(MAX_REPLY_BYTES)} one reply may carry: ${askForLess}`,
    );
  }
}

/**
 * Registers a tool whose body calls core. Arguments are validated by the SDK against `input`
 * (a strict object: unknown fields are refused, never silently dropped).
 */
export function addTool<I extends z.ZodObject, O extends z.ZodObject>(
  server: McpServer,
  name: string,
  spec: ToolSpec<I, O>,
  run: (args: z.output<I>) => Promise<ToolOutput>,
): void {
  const callback = async (args: z.output<I>, extra: RequestHandlerExtra<ServerRequest, ServerNotification>): Promise<CallToolResult> => {
    const started = performance.now();
    const clientLog = clientLogOf(server);
    try {
      const { text, data } = await run(args);
      const result: CallToolResult = { content: [{ type: 'text', text }], structuredContent: data as Record<string, unknown> };
      checkReplyFits(result, spec.askForLess);
      clientLog?.send(extra.sendNotification, 'debug', `${name}: ok in ${(performance.now() - started).toFixed(1)} ms`);
      return result;
    } catch (err) {
      const result = toolError(err);
      clientLog?.send(extra.sendNotification, clientCaused(err) ? 'warning' : 'error', `${name} failed: ${textOf(result)}`);
      return result;
    }
  };
  server.registerTool(
    name,
    { title: spec.title, description: spec.description, inputSchema: spec.input, outputSchema: spec.output, annotations: spec.annotations },
    callback as unknown as ToolCallback<I>,
  );
}
