// Sync interval presets (docs/api.md: 300, 900, 1800, 3600, 21600, 86400, or null for manual only) and the
// next scheduled sync a form's settings will produce, by the service's scheduling rule.

export interface IntervalPreset {
  /** Seconds; null = manual only. */
  seconds: number | null;
  label: string;
}

export const kDefaultInterval = 3600;

export const kIntervalPresets: readonly IntervalPreset[] = [
  { seconds: 300, label: 'Every 5 minutes' },
  { seconds: 900, label: 'Every 15 minutes' },
  { seconds: 1800, label: 'Every 30 minutes' },
  { seconds: 3600, label: 'Every hour' },
  { seconds: 21600, label: 'Every 6 hours' },
  { seconds: 86400, label: 'Daily' },
  { seconds: null, label: 'Manual only' },
];

/** The dropdown's value for an interval ("manual" for null). */
export function intervalKey(seconds: number | null | undefined): string {
  return seconds === null || seconds === undefined ? 'manual' : String(seconds);
}

export function intervalFromKey(key: string): number | null {
  return key === 'manual' ? null : Number(key);
}

/** "Every 15 minutes", "Manual only", or for an interval set outside the UI "Every 45 minutes". */
export function intervalLabel(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return 'Manual only';
  const preset = kIntervalPresets.find((p) => p.seconds === seconds);
  if (preset) return preset.label;
  if (seconds % 86400 === 0) return `Every ${seconds / 86400} days`;
  if (seconds % 3600 === 0) return `Every ${seconds / 3600} hours`;
  if (seconds % 60 === 0) return `Every ${seconds / 60} minutes`;
  return `Every ${seconds} seconds`;
}

/** The dropdown's choices: the presets, plus the integration's own interval when it is not one of them. */
export function intervalChoices(current: number | null | undefined): IntervalPreset[] {
  const choices = [...kIntervalPresets];
  if (typeof current === 'number' && !choices.some((p) => p.seconds === current)) {
    choices.splice(choices.length - 1, 0, { seconds: current, label: intervalLabel(current) });
  }
  return choices;
}

export interface ScheduleBefore {
  syncInterval?: number | null;
  syncEnabled?: boolean;
  nextSyncAt?: string;
  lastSync?: string;
}

/**
 * When the next scheduled sync will be once the form is saved, in ms since the epoch, or null when none will
 * be (paused or manual only). Mirrors the service: a new enabled integration is due at once; an unchanged
 * schedule keeps its time; a changed interval or a resume counts from the last sync, or from now if it never
 * synced; a time in the past means "due now" (returned as `now`).
 */
export function plannedNextSync(
  form: { syncInterval: number | null; syncEnabled: boolean },
  before: ScheduleBefore | undefined,
  now: number,
): number | null {
  if (!form.syncEnabled || form.syncInterval === null) return null;
  if (!before) return now;
  const unchanged =
    before.syncEnabled !== false && before.syncInterval === form.syncInterval && before.nextSyncAt !== undefined;
  if (unchanged) return Date.parse(before.nextSyncAt!);
  const last = before.lastSync ? Date.parse(before.lastSync) : NaN;
  if (Number.isNaN(last)) return now;
  return Math.max(now, last + form.syncInterval * 1000);
}
