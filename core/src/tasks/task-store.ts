/** agent.tasks (being written). */
import type { AgentRuntime } from '../agent-state.js';

export class TaskStore {
  constructor(protected readonly rt: AgentRuntime) {}
}
