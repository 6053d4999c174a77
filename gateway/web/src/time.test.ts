import { countdownText, durationText, firstLine, lastSyncedText, spanText } from './time';

const now = Date.parse('2026-11-24T12:00:00Z');
const at = (secondsFromNow: number) => new Date(now + secondsFromNow * 1000).toISOString();

describe('countdownText', () => {
  it('counts down in minutes, then seconds, then says due now', () => {
    expect(countdownText(at(12 * 60), now)).toBe('Next sync in 12 min');
    expect(countdownText(at(12 * 60 + 59), now)).toBe('Next sync in 12 min');
    expect(countdownText(at(42), now)).toBe('Next sync in 42 s');
    expect(countdownText(at(1), now)).toBe('Next sync in 1 s');
    expect(countdownText(at(0), now)).toBe('Next sync due now');
    expect(countdownText(at(-30), now)).toBe('Next sync due now');
  });

  it('uses hours and days for long intervals', () => {
    expect(countdownText(at(3600), now)).toBe('Next sync in 1 h');
    expect(countdownText(at(2 * 3600 + 5 * 60), now)).toBe('Next sync in 2 h 5 min');
    expect(countdownText(at(86400), now)).toBe('Next sync in 1 day');
    expect(countdownText(at(3 * 86400 + 4 * 3600), now)).toBe('Next sync in 3 days 4 h');
  });

  it('has nothing to say when no sync is scheduled', () => {
    expect(countdownText(undefined, now)).toBeUndefined();
    expect(countdownText('not a time', now)).toBeUndefined();
  });

  it('moves as the clock ticks', () => {
    const next = at(61);
    expect(countdownText(next, now)).toBe('Next sync in 1 min');
    expect(countdownText(next, now + 2000)).toBe('Next sync in 59 s');
  });
});

describe('lastSyncedText', () => {
  it('says how long ago', () => {
    expect(lastSyncedText(at(-3 * 60), now)).toBe('Last synced 3 min ago');
    expect(lastSyncedText(at(-2), now)).toBe('Last synced just now');
    expect(lastSyncedText(at(-20), now)).toBe('Last synced 20 s ago');
    expect(lastSyncedText(at(-26 * 3600), now)).toBe('Last synced 1 day 2 h ago');
    expect(lastSyncedText(undefined, now)).toBe('Never synced');
  });
});

describe('durations and messages', () => {
  it('formats run durations', () => {
    expect(durationText(850)).toBe('850 ms');
    expect(durationText(2100)).toBe('2.1 s');
    expect(durationText(184_000)).toBe('3 min 4 s');
    expect(durationText(undefined)).toBe('—');
  });

  it('keeps the first line of an error', () => {
    expect(firstLine('GET https://x returned 401\nbody: {"error": "expired"}')).toBe('GET https://x returned 401');
    expect(firstLine(undefined)).toBe('');
  });

  it('never shows negative spans', () => {
    expect(spanText(-5)).toBe('0 s');
  });
});
