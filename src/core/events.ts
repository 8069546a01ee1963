/** A minimal typed event emitter with VS Code's `Event` shape, usable outside the editor. */
export interface Disposable {
    dispose(): void;
}

export type Event<T> = (listener: (value: T) => void) => Disposable;

export class Emitter<T> implements Disposable {
    private listeners = new Set<(value: T) => void>();

    readonly event: Event<T> = (listener) => {
        this.listeners.add(listener);
        return { dispose: () => { this.listeners.delete(listener); } };
    };

    fire(value: T): void {
        for (const listener of [...this.listeners]) {
            try {
                listener(value);
            } catch {
                // A failing listener must not stop the others (or the emitter's owner).
            }
        }
    }

    dispose(): void {
        this.listeners.clear();
    }
}
