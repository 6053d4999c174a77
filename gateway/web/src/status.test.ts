import type { Integration } from './api';
import { statusLight } from './status';

type S = Pick<Integration, 'status' | 'lastSyncStatus' | 'pausedReason'>;
const light = (s: S) => statusLight(s);

describe('statusLight', () => {
  it('is green when the last sync succeeded', () => {
    expect(light({ status: 'ACTIVE', lastSyncStatus: 'SUCCESS' })).toEqual({ color: 'green', label: 'Healthy' });
  });

  it('is yellow while syncing or retrying', () => {
    expect(light({ status: 'SYNCING', lastSyncStatus: 'SUCCESS' }).color).toBe('yellow');
    expect(light({ status: 'SYNCING', lastSyncStatus: 'FAILED' }).color).toBe('yellow');
    expect(light({ status: 'RETRYING', lastSyncStatus: 'FAILED' })).toEqual({ color: 'yellow', label: 'Retrying' });
  });

  it('is red when the last sync failed or syncd paused it after failures', () => {
    expect(light({ status: 'ACTIVE', lastSyncStatus: 'FAILED' })).toEqual({ color: 'red', label: 'Last sync failed' });
    expect(light({ status: 'MANUAL_ONLY', lastSyncStatus: 'FAILED' }).color).toBe('red');
    expect(light({ status: 'PAUSED', lastSyncStatus: 'FAILED', pausedReason: 'Paused after 5 failures' })).toEqual({
      color: 'red',
      label: 'Paused after failures',
    });
  });

  it('is grey when paused by an admin, manual only, or never synced', () => {
    expect(light({ status: 'PAUSED', lastSyncStatus: 'SUCCESS' })).toEqual({ color: 'grey', label: 'Paused' });
    expect(light({ status: 'PAUSED', lastSyncStatus: 'FAILED' }).color).toBe('grey');
    expect(light({ status: 'MANUAL_ONLY', lastSyncStatus: 'SUCCESS' })).toEqual({ color: 'grey', label: 'Manual only' });
    expect(light({ status: 'ACTIVE' })).toEqual({ color: 'grey', label: 'Not synced yet' });
  });
});
