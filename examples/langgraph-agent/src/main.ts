/**
 * A LangGraph agent on Engram (`npm start -w @engram/example-langgraph-agent`, which builds the
 * repository first; or `npm run build && node examples/langgraph-agent/dist/main.js`): its long-term
 * memory is an EngramStore searched by meaning, and each conversation thread is checkpointed by
 * EngramCheckpointSaver, both in one agent database. The chat model is a scripted fake from
 * @langchain/core, so the demo runs offline; storage, embeddings and search are real. Halfway
 * through, Engram is closed and reopened, as after a restart, and the thread carries on.
 * Data lives in $ENGRAM_DIR, or in a temp directory removed at the end. Run it again on the same
 * $ENGRAM_DIR and each memory is put under the same key (a hash of its text): replaced, not doubled,
 * while the threads go on from their last checkpoints.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Engram, type Agent } from '@engram/core';
import { EngramCheckpointSaver, EngramStore } from '@engram/langchain';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { FakeListChatModel } from '@langchain/core/utils/testing';
import { Annotation, END, MessagesAnnotation, START, StateGraph, type LangGraphRunnableConfig } from '@langchain/langgraph';

/** The store key of a remembered text: the same text always gets the same key. */
const memoryKey = (text: string) => createHash('sha256').update(text.trim().toLowerCase()).digest('hex').slice(0, 16);

const State = Annotation.Root({ ...MessagesAnnotation.spec, recalled: Annotation<string[]>() });

/** The graph: save "remember ..." requests, recall what the store knows about the user, answer. */
function buildGraph(agent: Agent, replies: string[]) {
  const model = new FakeListChatModel({ responses: replies });
  const namespace = (config: LangGraphRunnableConfig) => ['users', String(config.configurable?.user_id), 'memories'];
  const lastText = (state: typeof State.State) => String(state.messages.at(-1)?.content ?? '');

  return new StateGraph(State)
    .addNode('remember', async (state, config: LangGraphRunnableConfig) => {
      const match = /^remember that (.+)$/i.exec(lastText(state));
      // A key made from the text: remembering the same thing again replaces it.
      if (match) await config.store!.put(namespace(config), memoryKey(match[1]!), { text: match[1] });
      return {};
    })
    .addNode('recall', async (state, config: LangGraphRunnableConfig) => {
      const found = await config.store!.search(namespace(config), { query: lastText(state), limit: 2 });
      return { recalled: found.map((item) => String(item.value.text)) };
    })
    .addNode('respond', async (state) => {
      const known = state.recalled.map((t) => `- ${t}`).join('\n');
      return { messages: [await model.invoke([new SystemMessage(`What you know about the user:\n${known}`), ...state.messages])] };
    })
    .addEdge(START, 'remember')
    .addEdge('remember', 'recall')
    .addEdge('recall', 'respond')
    .addEdge('respond', END)
    .compile({ checkpointer: new EngramCheckpointSaver(agent), store: new EngramStore({ agent, index: { fields: ['text'] } }) });
}

export async function main(say: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<void> {
  const dir = process.env.ENGRAM_DIR ?? mkdtempSync(join(tmpdir(), 'engram-langgraph-'));
  const user = { user_id: 'alice' };
  const turn = async (graph: ReturnType<typeof buildGraph>, threadId: string, text: string) => {
    const state = await graph.invoke({ messages: [new HumanMessage(text)] }, { configurable: { thread_id: threadId, ...user } });
    say(`[${threadId}] user: ${text}`);
    say(`[${threadId}]   recalled: ${state.recalled.join(' | ') || '(nothing)'}`);
    say(`[${threadId}]   assistant: ${String(state.messages.at(-1)?.content)}`);
  };

  try {
    let engram = await Engram.open({ dir });
    let agent = await engram.agent('langgraph-demo');
    say(`Engram in ${dir}, agent database ${agent.path}`);
    let graph = buildGraph(agent, [
      'Noted: green tea over coffee.',
      'Noted: you live in Lisbon.',
      'How about a pot of green tea? You prefer it to coffee.',
    ]);
    await turn(graph, 'thread-1', 'Remember that I prefer green tea over coffee');
    await turn(graph, 'thread-1', 'Remember that I live in Lisbon by the river');
    await turn(graph, 'thread-2', 'What should I drink this afternoon?');

    say('Closing Engram and opening it again, as after a restart...');
    await engram.close();
    engram = await Engram.open({ dir });
    agent = await engram.agent('langgraph-demo');
    graph = buildGraph(agent, ['You live in Lisbon, by the river.']);
    const saved = await graph.getState({ configurable: { thread_id: 'thread-1' } });
    say(`thread-1 restored from its checkpoint: ${saved.values.messages.length} messages`);
    await turn(graph, 'thread-1', 'Which city do I live in?');

    const checkpoints = [];
    for await (const c of new EngramCheckpointSaver(agent).list({ configurable: { thread_id: 'thread-1' } })) checkpoints.push(c);
    const memories = await new EngramStore({ agent }).search(['users', 'alice'], { limit: 10 });
    say(`thread-1 has ${checkpoints.length} checkpoints; the store holds ${memories.length} memories about alice`);
    await engram.close();
  } finally {
    if (!process.env.ENGRAM_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
