// The status light of an integration card: which colour, and the words that say the same for people who do
// not see the colour (and for screen readers).
import type { Integration } from './api';

export type LightColor = 'green' | 'yellow' | 'red' | 'grey';

export interface Light {
  color: LightColor;
  label: string;
}

/**
 * green: the last sync succeeded; yellow: syncing or retrying; red: the last sync failed, or syncd paused it
 * after repeated failures; grey: paused by an admin, manual only, or not synced yet. A run in progress
 * wins (the card is busy now); a pause wins over the last outcome (nothing will happen until resumed).
 */
export function statusLight(integration: Pick<Integration, 'status' | 'lastSyncStatus' | 'pausedReason'>): Light {
  const { status, lastSyncStatus, pausedReason } = integration;
  if (status === 'SYNCING') return { color: 'yellow', label: 'Syncing' };
  if (status === 'PAUSED') {
    return pausedReason
      ? { color: 'red', label: 'Paused after failures' }
      : { color: 'grey', label: 'Paused' };
  }
  if (status === 'RETRYING') return { color: 'yellow', label: 'Retrying' };
  if (lastSyncStatus === 'FAILED' || lastSyncStatus === 'CANCELLED') {
    return { color: 'red', label: 'Last sync failed' };
  }
  if (status === 'MANUAL_ONLY') return { color: 'grey', label: 'Manual only' };
  if (lastSyncStatus === 'SUCCESS') return { color: 'green', label: 'Healthy' };
  return { color: 'grey', label: 'Not synced yet' };
}
