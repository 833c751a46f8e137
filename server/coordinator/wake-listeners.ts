// The subscribers to a coordinator's wakes. Usually one (the poll hub), so a wake is one call.
import type { WakeListener } from "./types.ts";

export class WakeListeners {
  private listeners: readonly WakeListener[] = [];

  add(listener: WakeListener): () => void {
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  emit(hostId: string): void {
    for (const listener of this.listeners) listener(hostId);
  }
}
