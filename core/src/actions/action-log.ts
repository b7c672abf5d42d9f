/** agent.actions (being written). */
import type { AgentRuntime } from '../agent-state.js';

export class ActionLog {
  constructor(protected readonly rt: AgentRuntime) {}
}
