/**
 * A map whose values are held weakly: an entry lives as long as someone else holds its value,
 * then goes. Engram hands out one Agent object per id this way, so `engram.agent(id)` returns
 * the same object while the caller keeps it, yet a process that touches millions of agent ids
 * over its life does not keep an object for each.
 */
export class WeakValueMap<K, V extends object> {
  private readonly refs = new Map<K, WeakRef<V>>();
  private readonly registry = new FinalizationRegistry<K>((key) => {
    const ref = this.refs.get(key);
    if (ref !== undefined && ref.deref() === undefined) this.refs.delete(key);
  });

  get(key: K): V | undefined {
    const value = this.refs.get(key)?.deref();
    if (value === undefined) this.refs.delete(key);
    return value;
  }

  set(key: K, value: V): void {
    const old = this.refs.get(key)?.deref();
    if (old !== undefined) this.registry.unregister(old);
    this.refs.set(key, new WeakRef(value));
    this.registry.register(value, key, value);
  }

  delete(key: K): void {
    const old = this.refs.get(key)?.deref();
    if (old !== undefined) this.registry.unregister(old);
    this.refs.delete(key);
  }

  /** Entries not yet collected (some may be unreachable already). */
  get size(): number {
    return this.refs.size;
  }
}
