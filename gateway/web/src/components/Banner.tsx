// The message shown while the gateway, or sync_service behind it, cannot be reached. The page keeps the
// last data it had and keeps retrying; the banner goes away by itself once an answer arrives.
import { ApiError } from '../api';

export function unreachableText(error: unknown): string | undefined {
  if (!(error instanceof ApiError) || !error.unreachable) return undefined;
  if (error.httpStatus === 0) return 'Cannot reach the gateway.';
  if (error.httpStatus === 504) return 'The gateway timed out waiting for sync_service.';
  return `The gateway cannot reach sync_service${error.message ? ` (${error.message})` : ''}.`;
}

export function UnreachableBanner(props: { error: unknown; updatedAt?: number }) {
  const text = unreachableText(props.error);
  if (!text) return null;
  const since = props.updatedAt
    ? ` Showing what was known at ${new Date(props.updatedAt).toLocaleTimeString()}.`
    : '';
  return (
    <div className="banner banner-error" role="alert" data-testid="unreachable-banner">
      <strong>{text}</strong> Retrying every few seconds.{since}
    </div>
  );
}
