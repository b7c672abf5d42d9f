/** The embedder contract: turns texts into unit-length float32 vectors of a fixed size. */
export interface Embedder {
  /**
   * Stable identifier recorded in every agent database it writes to, for example
   * `glove-6b-100d-sif@1` or `transformers:Xenova/all-MiniLM-L6-v2`. Two embedders with the
   * same id must produce interchangeable vectors.
   */
  readonly id: string;
  /** Length of every vector this embedder returns. */
  readonly dims: number;
  /** Embeds a batch of texts, one vector per text, in order. */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Releases resources (model sessions, worker threads). Optional. */
  close?(): Promise<void>;
}
