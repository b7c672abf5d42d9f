/**
 * What every tool module shares: the agent a server is bound to, tool annotations, shared
 * input shapes, and `addTool`, which turns a core call into an MCP result (a short text for
 * the model plus `structuredContent`) and any failure into a tool error the model can read.
 */
import { isEngramError, type Agent } from '@engram/core';
import type { McpServer, ToolCallback } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, type CallToolResult, type ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import * as z from 'zod';
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

/** `CODE: message` for any failure; an unexpected one also goes to stderr with its stack. */
function describe(err: unknown): string {
  if (isEngramError(err)) return `${err.code}: ${err.message}`;
  log(`unexpected failure: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return `INTERNAL: ${err instanceof Error ? err.message : String(err)}`;
}

/** A failure as a tool result: `CODE: message`, so the model can correct its call. */
export function toolError(err: unknown): CallToolResult {
  return { isError: true, content: [{ type: 'text', text: describe(err) }] };
}

/**
 * A failure of a resource read, as a JSON-RPC error carrying `CODE: message`. (An Error with a
 * numeric `code` rather than McpError, whose message would repeat the "MCP error" prefix.)
 */
export function resourceError(err: unknown): Error & { code: number } {
  const invalidParams = isEngramError(err, 'NOT_FOUND') || isEngramError(err, 'INVALID_ARGUMENT');
  return Object.assign(new Error(describe(err)), { code: invalidParams ? ErrorCode.InvalidParams : ErrorCode.InternalError });
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
  const callback = async (args: z.output<I>): Promise<CallToolResult> => {
    try {
      const { text, data } = await run(args);
      return { content: [{ type: 'text', text }], structuredContent: data as Record<string, unknown> };
    } catch (err) {
      return toolError(err);
    }
  };
  server.registerTool(
    name,
    { title: spec.title, description: spec.description, inputSchema: spec.input, outputSchema: spec.output, annotations: spec.annotations },
    callback as unknown as ToolCallback<I>,
  );
}
