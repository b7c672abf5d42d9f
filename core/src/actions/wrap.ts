/**
 * Automatic logging of a function's calls: input, output or thrown error, duration, and the
 * call it runs inside. The enclosing call is found through AsyncLocalStorage, per action log,
 * so nested wrapped calls form a trace tree across awaits without passing ids around (the
 * log's insert makes children inherit their parent's run, session and task).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { isEngramError } from '../util/errors.js';
import { toJsonText } from '../kv/json-value.js';
import { ACTION_LIMITS, describeError, type NormalizedStart, type Outcome } from './normalize.js';
import type { WrapOptions } from './types.js';

/** The action log's side of a wrapped call. */
export interface WrapHooks {
  /** Inserts a running action (inheriting from its parent) and returns its id. */
  start(action: NormalizedStart): Promise<string>;
  /** Records the outcome and a duration measured with the monotonic clock. */
  finish(id: string, outcome: Outcome, durationMs: number): Promise<void>;
}

/** One store for every log: a map from log to the id of its innermost wrapped call. */
const calls = new AsyncLocalStorage<ReadonlyMap<object, string>>();

/** The id of the innermost wrapped call of `log` in the current async context, if any. */
export function currentCall(log: object): string | undefined {
  return calls.getStore()?.get(log);
}

/** JSON text of a payload; what cannot be logged becomes { $omitted: reason }, never an error. */
function loggable(produce: () => unknown, what: string): string {
  try {
    return toJsonText(produce() ?? null, what, ACTION_LIMITS.maxJsonBytes);
  } catch (err) {
    return JSON.stringify({ $omitted: describeError(err).message });
  }
}

export function wrapFunction<A extends unknown[], R>(
  log: object,
  hooks: WrapHooks,
  base: Omit<NormalizedStart, 'input'>,
  fn: (...args: A) => R,
  options: WrapOptions<A, R>,
): (...args: A) => Promise<Awaited<R>> {
  return async (...args: A): Promise<Awaited<R>> => {
    const id = await hooks.start({
      ...base,
      input: loggable(() => (options.input ? options.input(...args) : args.map((a) => a ?? null)), 'input'),
      parentId: currentCall(log) ?? null,
    });
    const begin = performance.now();
    const inner = new Map(calls.getStore()).set(log, id);
    let outcome: Outcome;
    let result: Awaited<R>;
    try {
      result = await calls.run(inner, async () => fn(...args));
      outcome = { status: 'ok', output: loggable(() => (options.output ? options.output(result) : result), 'output'), error: null };
    } catch (err) {
      outcome = { status: 'error', output: null, error: JSON.stringify(describeError(err)) };
      await finishQuietly(hooks, id, outcome, begin);
      throw err;
    }
    await finishQuietly(hooks, id, outcome, begin);
    return result;
  };
}

/** The call's outcome stands even if logging it fails: such a failure becomes a process warning. */
async function finishQuietly(hooks: WrapHooks, id: string, outcome: Outcome, begin: number): Promise<void> {
  const durationMs = Math.round((performance.now() - begin) * 1000) / 1000;
  try {
    await hooks.finish(id, outcome, durationMs);
  } catch (err) {
    // NOT_FOUND: pruned while it ran; nothing is left to update.
    if (!isEngramError(err, 'NOT_FOUND')) process.emitWarning(`engram: logging the end of action ${id} failed: ${String(err)}`);
  }
}
