/**
 * Who may see what. The HTTP server owns the token rules and hands the inspector one function,
 * `authorize(token)`, called once per request with the token the browser presented (bearer
 * header or login session): null refuses, otherwise it says which agents that token reaches.
 * The inspector asks `canSee(agentId)` before it opens or reads anything of an agent.
 */

export interface InspectorAccess {
  /** True when this request may see (and change) the agent. */
  canSee(agentId: string): boolean;
}

/** The server's token rule: which agents a presented token (undefined: none) reaches, or null to refuse. */
export type Authorize = (token: string | undefined) => InspectorAccess | null;

/** Access to every agent. */
export const ALL_AGENTS: InspectorAccess = Object.freeze({ canSee: () => true });
