// Hooks for live data: a clock that ticks for countdowns, and polling that never blanks what is on screen.
import { useCallback, useEffect, useRef, useState } from 'react';

/** Milliseconds since the epoch, updated every `everyMs` (1 s for countdowns). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export interface Polled<T> {
  /** The last good answer; kept while a refresh is under way or fails, so the screen does not flicker. */
  data: T | undefined;
  /** The last refresh's error; cleared by the next good answer. */
  error: unknown;
  /** When `data` last arrived (ms since the epoch). */
  updatedAt: number | undefined;
  /** Fetch now (after an action), without waiting for the next tick. */
  refresh: () => Promise<void>;
}

/**
 * Calls `load` now and then every `everyMs` after each answer (never two at once). A new `key` starts over
 * (and drops the old data); an answer equal to the last one does not re-render.
 */
export function usePoll<T>(load: () => Promise<T>, everyMs: number, key = ''): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; updatedAt?: number; key: string }>({ key });
  const loadRef = useRef(load);
  loadRef.current = load;
  const lastJson = useRef<string | undefined>(undefined);
  const inFlight = useRef<{ key: string; run: Promise<void> } | undefined>(undefined);
  const alive = useRef(true);
  const keyRef = useRef(key);
  keyRef.current = key;

  const refresh = useCallback(async () => {
    const forKey = keyRef.current;
    if (inFlight.current?.key === forKey) return inFlight.current.run;
    const run = (async () => {
      try {
        const data = await loadRef.current();
        if (!alive.current || forKey !== keyRef.current) return;
        const json = JSON.stringify(data);
        const same = json === lastJson.current;
        lastJson.current = json;
        setState((prev) =>
          same && prev.error === undefined && prev.key === forKey
            ? { ...prev, updatedAt: Date.now() }
            : { data, error: undefined, updatedAt: Date.now(), key: forKey },
        );
      } catch (error) {
        if (!alive.current || forKey !== keyRef.current) return;
        setState((prev) => ({ ...prev, error }));
      } finally {
        if (inFlight.current?.key === forKey) inFlight.current = undefined;
      }
    })();
    inFlight.current = { key: forKey, run };
    return run;
  }, []);

  useEffect(() => {
    alive.current = true;
    if (state.key !== key) {
      lastJson.current = undefined;
      setState({ key });
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const tick = async () => {
      await refresh();
      if (!stopped) timer = setTimeout(tick, everyMs);
    };
    void tick();
    return () => {
      stopped = true;
      if (timer) clearTimeout(timer);
    };
  }, [everyMs, key, refresh]);

  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const fresh = state.key === key;
  return {
    data: fresh ? state.data : undefined,
    error: fresh ? state.error : undefined,
    updatedAt: fresh ? state.updatedAt : undefined,
    refresh,
  };
}
