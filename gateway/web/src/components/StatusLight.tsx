// The coloured light with its words beside it (the colour is never the only signal).
import type { Integration } from '../api';
import { statusLight } from '../status';

export function StatusLight({ integration }: { integration: Integration }) {
  const light = statusLight(integration);
  return (
    <span className="status" data-light={light.color} data-testid="status-light">
      <span className={`light light-${light.color}`} aria-hidden="true" />
      <span className="status-label">{light.label}</span>
    </span>
  );
}
