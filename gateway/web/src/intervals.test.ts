import { intervalChoices, intervalFromKey, intervalKey, intervalLabel, kDefaultInterval, kIntervalPresets, plannedNextSync } from './intervals';

const now = Date.parse('2026-11-24T12:00:00Z');

describe('interval presets', () => {
  it('offers the issue’s presets in order, with an hour as the default', () => {
    expect(kIntervalPresets.map((p) => p.seconds)).toEqual([300, 900, 1800, 3600, 21600, 86400, null]);
    expect(kIntervalPresets.map((p) => p.label)).toEqual([
      'Every 5 minutes', 'Every 15 minutes', 'Every 30 minutes', 'Every hour', 'Every 6 hours', 'Daily', 'Manual only',
    ]);
    expect(kDefaultInterval).toBe(3600);
  });

  it('maps manual only to null and back', () => {
    expect(intervalKey(null)).toBe('manual');
    expect(intervalFromKey('manual')).toBeNull();
    expect(intervalFromKey(intervalKey(900))).toBe(900);
  });

  it('keeps an interval set through the API that is not a preset', () => {
    expect(intervalLabel(2700)).toBe('Every 45 minutes');
    expect(intervalLabel(7200)).toBe('Every 2 hours');
    const choices = intervalChoices(2700);
    expect(choices.map((c) => c.seconds)).toEqual([300, 900, 1800, 3600, 21600, 86400, 2700, null]);
    expect(intervalChoices(900)).toHaveLength(7);
  });
});

describe('plannedNextSync', () => {
  const enabled = (syncInterval: number | null) => ({ syncInterval, syncEnabled: true });

  it('is now for a new enabled integration, none for manual only or disabled', () => {
    expect(plannedNextSync(enabled(3600), undefined, now)).toBe(now);
    expect(plannedNextSync(enabled(null), undefined, now)).toBeNull();
    expect(plannedNextSync({ syncInterval: 3600, syncEnabled: false }, undefined, now)).toBeNull();
  });

  it('keeps the scheduled time when the schedule does not change', () => {
    const before = { syncInterval: 3600, syncEnabled: true, nextSyncAt: '2026-11-24T12:40:00Z', lastSync: '2026-11-24T11:40:00Z' };
    expect(plannedNextSync(enabled(3600), before, now)).toBe(Date.parse('2026-11-24T12:40:00Z'));
  });

  it('counts a new interval from the last sync, and a time in the past is now', () => {
    const before = { syncInterval: 3600, syncEnabled: true, nextSyncAt: '2026-11-24T12:40:00Z', lastSync: '2026-11-24T11:40:00Z' };
    expect(plannedNextSync(enabled(86400), before, now)).toBe(Date.parse('2026-11-25T11:40:00Z'));
    expect(plannedNextSync(enabled(300), before, now)).toBe(now);
  });

  it('counts a resume from the last sync, or now if it never synced', () => {
    const paused = { syncInterval: 900, syncEnabled: false, lastSync: '2026-11-24T11:55:00Z' };
    expect(plannedNextSync(enabled(900), paused, now)).toBe(Date.parse('2026-11-24T12:10:00Z'));
    expect(plannedNextSync(enabled(900), { syncInterval: 900, syncEnabled: false }, now)).toBe(now);
  });
});
