/**
 * Graph-level checkpointer tests: the same LangGraph scripts (fork with updateState, regenerate
 * from a past checkpoint, two runs at once on one thread, subgraphs, interrupts) run on
 * MemorySaver, LangGraph's own SqliteSaver and EngramCheckpointSaver on each driver. Two checks:
 * every checkpoint reads back the values the run saw when it was written (after everything
 * else in the script ran), and the thread's whole history matches MemorySaver's.
 */
import { AIMessage, BaseMessage, HumanMessage } from '@langchain/core/messages';
import type { RunnableConfig } from '@langchain/core/runnables';
import { Command, END, interrupt, MemorySaver, MessagesAnnotation, START, StateGraph, type StateSnapshot } from '@langchain/langgraph';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import { describe, expect, it } from 'vitest';
import { EngramCheckpointSaver } from '../src/checkpoint/engram-saver.js';
import { DRIVER_NAMES, openEngram } from './helpers.js';

type Input = { messages: BaseMessage[] } | Command | null;

/** Messages as `type:content`, recursively; everything else as it is. */
function norm(value: unknown): unknown {
  if (value instanceof BaseMessage) return `${value.getType()}:${String(value.content)}`;
  if (Array.isArray(value)) return value.map(norm);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, norm(v)]));
  return value;
}

/** A chat graph whose replies are numbered, so a replayed node answers differently. */
function chatGraph(saver: BaseCheckpointSaver) {
  let n = 0;
  return new StateGraph(MessagesAnnotation)
    .addNode('respond', async (s) => {
      const last = String(s.messages.at(-1)!.content);
      await new Promise((resolve) => setTimeout(resolve, 1));
      return { messages: [new AIMessage(`reply ${++n} to ${last}`)] };
    })
    .addEdge(START, 'respond')
    .addEdge('respond', END)
    .compile({ checkpointer: saver });
}

/** A graph that asks a question (interrupt) before answering. */
function interruptGraph(saver: BaseCheckpointSaver) {
  let n = 0;
  return new StateGraph(MessagesAnnotation)
    .addNode('ask', (s) => {
      const answer = interrupt(`confirm ${String(s.messages.at(-1)!.content)}?`) as string;
      return { messages: [new AIMessage(`answer ${answer}`)] };
    })
    .addNode('respond', (s) => ({ messages: [new AIMessage(`reply ${++n} after ${String(s.messages.at(-1)!.content)}`)] }))
    .addEdge(START, 'ask')
    .addEdge('ask', 'respond')
    .addEdge('respond', END)
    .compile({ checkpointer: saver });
}

/** A parent graph whose middle node is a subgraph that itself interrupts once per turn. */
function subgraphGraph(saver: BaseCheckpointSaver) {
  let n = 0;
  const child = new StateGraph(MessagesAnnotation)
    .addNode('think', (s) => ({ messages: [new AIMessage(`think ${++n} on ${String(s.messages.at(-1)!.content)}`)] }))
    .addNode('check', () => ({ messages: [new AIMessage(`checked ${String(interrupt('ok?'))}`)] }))
    .addEdge(START, 'think')
    .addEdge('think', 'check')
    .addEdge('check', END)
    .compile();
  return new StateGraph(MessagesAnnotation)
    .addNode('sub', child)
    .addNode('respond', (s) => ({ messages: [new AIMessage(`reply ${++n} after ${String(s.messages.at(-1)!.content)}`)] }))
    .addEdge(START, 'sub')
    .addEdge('sub', 'respond')
    .addEdge('respond', END)
    .compile({ checkpointer: saver });
}

// The runner only uses what every compiled graph has: state, history, updates and runs.
type Graph = Pick<ReturnType<typeof chatGraph>, 'getState' | 'getStateHistory' | 'updateState' | 'invoke' | 'stream'>;

/** Runs a graph and records every checkpoint it wrote (subgraphs included) with its values. */
class Recorder {
  readonly seen: { config: RunnableConfig; values: unknown }[] = [];

  constructor(
    readonly graph: Graph,
    readonly saver: BaseCheckpointSaver,
  ) {}

  async run(config: RunnableConfig, input: Input): Promise<unknown> {
    let last: unknown;
    const stream = await this.graph.stream(input as never, { ...config, streamMode: ['checkpoints'], subgraphs: true });
    for await (const [, , event] of stream as AsyncIterable<[string[], string, { config: RunnableConfig; values: unknown }]>) {
      this.seen.push({ config: event.config, values: norm(event.values) });
      if (!event.config.configurable?.checkpoint_ns) last = norm(event.values);
    }
    return last;
  }

  /** What each recorded checkpoint reads back now, beside what the run saw. */
  async readBack(): Promise<{ seen: unknown[]; stored: unknown[] }> {
    const stored = [];
    for (const { config, values } of this.seen) {
      const tuple = await this.saver.getTuple(config);
      const channels = tuple?.checkpoint.channel_values ?? {};
      stored.push(
        Object.fromEntries(Object.keys(values as object).map((k) => [k, norm(channels[k] ?? (k === 'messages' ? [] : undefined))])),
      );
    }
    return { seen: this.seen.map((s) => s.values), stored };
  }
}

/** The thread's root history, newest first, with parents as positions in the list. */
async function transcript(graph: Graph, threadId: string) {
  const snapshots: StateSnapshot[] = [];
  for await (const s of graph.getStateHistory({ configurable: { thread_id: threadId } })) snapshots.push(s);
  const position = new Map(snapshots.map((s, i) => [s.config.configurable?.checkpoint_id as string, i]));
  const withSubgraphs = await Promise.all(snapshots.map((s) => graph.getState(s.config, { subgraphs: true })));
  return snapshots.map((s, i) => ({
    values: norm(s.values),
    next: s.next,
    step: s.metadata?.step,
    source: s.metadata?.source,
    parent: s.parentConfig ? (position.get(s.parentConfig.configurable?.checkpoint_id as string) ?? 'missing') : null,
    tasks: withSubgraphs[i]!.tasks.map((t) => ({
      name: t.name,
      interrupts: t.interrupts.map((x) => x.value),
      sub: t.state && 'values' in t.state ? norm(t.state.values) : undefined,
    })),
  }));
}

const thread = (thread_id: string, checkpoint_id?: string): RunnableConfig => ({
  configurable: checkpoint_id ? { thread_id, checkpoint_id } : { thread_id },
});
const say = (text: string) => ({ messages: [new HumanMessage(text)] });

/** Finds a snapshot of the thread's history (newest first) meeting `test`. */
async function find(graph: Graph, threadId: string, test: (s: StateSnapshot) => boolean): Promise<StateSnapshot> {
  for await (const s of graph.getStateHistory(thread(threadId))) if (test(s)) return s;
  throw new Error('no such snapshot');
}
const messageCount = (s: StateSnapshot) => (s.values as { messages: unknown[] }).messages.length;

interface Script {
  graph: (saver: BaseCheckpointSaver) => Graph;
  run: (r: Recorder) => Promise<void>;
}

const SCRIPTS: Record<string, Script> = {
  /** updateState on a checkpoint of turn 1 after turn 3, then a new turn on the fork. */
  fork: {
    graph: chatGraph,
    async run(r) {
      for (const text of ['a', 'b', 'c']) await r.run(thread('t'), say(text));
      const end1 = await find(r.graph, 't', (s) => messageCount(s) === 2 && s.next.length === 0);
      const forked = await r.graph.updateState(end1.config, say('edited'));
      await r.run(thread('t', forked.configurable?.checkpoint_id as string), say('d'));
      // A second fork from the same checkpoint: siblings of siblings.
      const again = await r.graph.updateState(end1.config, say('edited again'));
      await r.run(thread('t', again.configurable?.checkpoint_id as string), say('e'));
    },
  },
  /** Replays the answer of turn 2 twice from the checkpoint before it, then goes on. */
  regenerate: {
    graph: chatGraph,
    async run(r) {
      for (const text of ['a', 'b', 'c']) await r.run(thread('t'), say(text));
      const before2 = await find(r.graph, 't', (s) => messageCount(s) === 3 && s.next[0] === 'respond');
      await r.run(thread('t', before2.config.configurable?.checkpoint_id as string), null);
      await r.run(thread('t', before2.config.configurable?.checkpoint_id as string), null);
      await r.run(thread('t'), say('d'));
    },
  },
  /** Resumes one interrupt with two answers (the second from the interrupted checkpoint again). */
  interrupts: {
    graph: interruptGraph,
    async run(r) {
      await r.run(thread('t'), say('a'));
      const paused = await find(r.graph, 't', (s) => s.next[0] === 'ask');
      await r.run(thread('t'), new Command({ resume: 'yes' }));
      await r.run(thread('t', paused.config.configurable?.checkpoint_id as string), new Command({ resume: 'no' }));
      await r.run(thread('t'), say('b'));
      await r.run(thread('t'), new Command({ resume: 'maybe' }));
    },
  },
  /** A subgraph that interrupts: resumed, then forked at the parent and resumed otherwise. */
  subgraphs: {
    graph: subgraphGraph,
    async run(r) {
      await r.run(thread('t'), say('a'));
      const paused = await find(r.graph, 't', (s) => s.next[0] === 'sub');
      await r.run(thread('t'), new Command({ resume: 'yes' }));
      await r.run(thread('t'), say('b'));
      await r.run(thread('t'), new Command({ resume: 'later' }));
      await r.run(thread('t', paused.config.configurable?.checkpoint_id as string), new Command({ resume: 'no' }));
    },
  },
};

type SaverFactory = () => Promise<BaseCheckpointSaver>;

const engramSaver =
  (driver: (typeof DRIVER_NAMES)[number]): SaverFactory =>
  async () =>
    new EngramCheckpointSaver(await (await openEngram(driver)).agent('graph'));

const SAVERS: [string, SaverFactory][] = [
  ['SqliteSaver (LangGraph)', async () => SqliteSaver.fromConnString(':memory:')],
  ...DRIVER_NAMES.map((d): [string, SaverFactory] => [`EngramCheckpointSaver on ${d}`, engramSaver(d)]),
];

async function play(script: Script, saver: BaseCheckpointSaver) {
  const recorder = new Recorder(script.graph(saver), saver);
  await script.run(recorder);
  return { history: await transcript(recorder.graph, 't'), readBack: await recorder.readBack() };
}

describe.each(SAVERS)('%s', (_name, makeSaver) => {
  it.each(Object.keys(SCRIPTS))('%s: every checkpoint keeps its values, and the history matches MemorySaver', async (name) => {
    const script = SCRIPTS[name]!;
    const expected = await play(script, new MemorySaver());
    const actual = await play(script, await makeSaver());
    expect(actual.readBack.stored).toEqual(actual.readBack.seen);
    expect(actual.history).toEqual(expected.history);
    // The reference agrees with itself too, so the comparison means something.
    expect(expected.readBack.stored).toEqual(expected.readBack.seen);
  });

  it('two runs at once on one thread: each run reads back its own messages', async () => {
    const saver = await makeSaver();
    const recorder = new Recorder(chatGraph(saver), saver);
    await recorder.run(thread('t'), say('base'));
    const [first, second] = await Promise.all([recorder.run(thread('t'), say('one')), recorder.run(thread('t'), say('two'))]);
    const { seen, stored } = await recorder.readBack();
    expect(stored).toEqual(seen);
    // Both runs started from the same checkpoint, so neither saw the other's messages.
    expect(first).toEqual({ messages: ['human:base', 'ai:reply 1 to base', 'human:one', expect.stringMatching(/^ai:reply \d to one$/)] });
    expect(second).toEqual({ messages: ['human:base', 'ai:reply 1 to base', 'human:two', expect.stringMatching(/^ai:reply \d to two$/)] });
  });
});
