/**
 * Cancellation helpers: one way to stop waiting on a shared promise, and one way to let an outer signal stop an
 * inner controller without leaking a listener.
 */

/**
 * The promise's outcome, or — as soon as the signal aborts — what `aborted()` returns (or throws, to reject). The
 * work behind the promise runs on: only this caller stops waiting. The listener is removed when the promise settles.
 */
export function raceAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, aborted: () => T): Promise<T> {
    if (!signal) return promise;
    if (signal.aborted) return Promise.resolve().then(aborted);
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => {
            try {
                resolve(aborted());
            } catch (error) {
                reject(error);
            }
        };
        signal.addEventListener("abort", onAbort, { once: true });
        promise.then(
            (value) => { signal.removeEventListener("abort", onAbort); resolve(value); },
            (error: unknown) => { signal.removeEventListener("abort", onAbort); reject(error); }
        );
    });
}

/**
 * Aborts `controller` when `outer` aborts (at once if it already has). Returns the unlink function: call it when the
 * inner work ends, so a long-lived outer signal does not collect listeners.
 */
export function linkAbort(outer: AbortSignal | undefined, controller: AbortController): () => void {
    if (!outer) return () => undefined;
    if (outer.aborted) {
        controller.abort();
        return () => undefined;
    }
    const onAbort = () => controller.abort();
    outer.addEventListener("abort", onAbort, { once: true });
    return () => outer.removeEventListener("abort", onAbort);
}
