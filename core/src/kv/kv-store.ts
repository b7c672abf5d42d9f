/** agent.kv (being written). */
import type { AgentRuntime } from '../agent-state.js';

export class KvStore {
  constructor(protected readonly rt: AgentRuntime) {}
}
