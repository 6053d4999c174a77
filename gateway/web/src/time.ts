// Words for times: "3 min ago", "in 12 min", "2.1 s". Pure functions of (time, now) so they are tested
// without a clock.

const kMinute = 60;
const kHour = 60 * kMinute;
const kDay = 24 * kHour;

/** Whole seconds from `now` to `when` (negative in the past); undefined for a missing or bad time. */
export function secondsUntil(when: string | undefined, now: number): number | undefined {
  if (!when) return undefined;
  const t = Date.parse(when);
  if (Number.isNaN(t)) return undefined;
  return Math.round((t - now) / 1000);
}

/** A span of seconds in the largest units that keep it readable: "42 s", "12 min", "2 h 5 min", "3 days". */
export function spanText(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < kMinute) return `${s} s`;
  if (s < kHour) return `${Math.floor(s / kMinute)} min`;
  if (s < kDay) {
    const h = Math.floor(s / kHour);
    const m = Math.floor((s % kHour) / kMinute);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.floor(s / kDay);
  const h = Math.floor((s % kDay) / kHour);
  const days = d === 1 ? '1 day' : `${d} days`;
  return h ? `${days} ${h} h` : days;
}

/** "Last synced 3 min ago", "Last synced just now", or "Never synced". */
export function lastSyncedText(lastSync: string | undefined, now: number): string {
  const until = secondsUntil(lastSync, now);
  if (until === undefined) return 'Never synced';
  const ago = -until;
  if (ago < 5) return 'Last synced just now';
  return `Last synced ${spanText(ago)} ago`;
}

/**
 * The live countdown: "Next sync in 12 min", "Next sync in 42 s", "Next sync due now"; undefined when no
 * sync is scheduled (paused or manual only).
 */
export function countdownText(nextSyncAt: string | undefined, now: number): string | undefined {
  const until = secondsUntil(nextSyncAt, now);
  if (until === undefined) return undefined;
  if (until <= 0) return 'Next sync due now';
  return `Next sync in ${spanText(until)}`;
}

/** A run's duration in milliseconds as "850 ms", "2.1 s", "3 min 4 s". */
export function durationText(ms: number | undefined): string {
  if (ms === undefined || ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

/** A timestamp in the reader's locale and time zone, with seconds: the history's start column. */
export function dateTimeText(when: string | undefined): string {
  if (!when) return '—';
  const t = new Date(when);
  if (Number.isNaN(t.getTime())) return '—';
  return t.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** The first line of an error message: cards show it, the history shows the whole text. */
export function firstLine(text: string | undefined): string {
  if (!text) return '';
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.trim();
}
