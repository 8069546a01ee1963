/** Anything with a dispose(), as VS Code's Disposable and our own services have. */
export interface DisposableLike {
    dispose(): unknown;
}

/**
 * Owns disposables and disposes them once, newest first (what was set up last depends on what came before it). A
 * disposer that throws does not stop the others; the first error is rethrown after all ran. Adding to a disposed
 * store disposes the newcomer at once.
 */
export class DisposableStore implements DisposableLike {
    private items: DisposableLike[] = [];
    private disposed = false;

    get isDisposed(): boolean {
        return this.disposed;
    }

    add<T extends DisposableLike>(item: T): T {
        if (this.disposed) item.dispose();
        else this.items.push(item);
        return item;
    }

    /** Adds several; returns nothing (use add() to keep a reference). */
    push(...items: DisposableLike[]): void {
        for (const item of items) this.add(item);
    }

    dispose(): void {
        if (this.disposed) return;
        this.disposed = true;
        const items = this.items.splice(0).reverse();
        let failure: { error: unknown } | undefined;
        for (const item of items) {
            try {
                item.dispose();
            } catch (error) {
                failure ??= { error };
            }
        }
        if (failure) throw failure.error;
    }
}
