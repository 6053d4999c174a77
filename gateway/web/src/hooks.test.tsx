import { act, render, screen } from '@testing-library/react';
import { usePoll } from './hooks';

function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('usePoll', () => {
  it('answers a refresh after an action with a request sent after it, not one already under way', async () => {
    const answers: Array<ReturnType<typeof deferred<string>>> = [];
    const load = () => {
      const d = deferred<string>();
      answers.push(d);
      return d.promise;
    };
    let refresh!: () => Promise<void>;
    function Probe() {
      const polled = usePoll(load, 60_000);
      refresh = polled.refresh;
      return <p data-testid="value">{polled.data ?? 'none'}</p>;
    }
    render(<Probe />);
    expect(answers).toHaveLength(1); // the first poll, under way

    let refreshed = false;
    act(() => {
      void refresh().then(() => (refreshed = true));
    });
    await act(async () => answers[0]!.resolve('before the action'));
    expect(screen.getByTestId('value')).toHaveTextContent('before the action');
    expect(answers).toHaveLength(2); // sent after the first answered
    expect(refreshed).toBe(false);

    await act(async () => answers[1]!.resolve('after the action'));
    expect(screen.getByTestId('value')).toHaveTextContent('after the action');
    expect(refreshed).toBe(true);
  });

  it('keeps the last data when a poll fails', async () => {
    let fail = false;
    let refresh!: () => Promise<void>;
    function Probe() {
      const polled = usePoll(async () => {
        if (fail) throw new Error('down');
        return 'data';
      }, 60_000);
      refresh = polled.refresh;
      return (
        <p data-testid="value">
          {polled.data ?? 'none'} / {polled.error ? 'error' : 'ok'}
        </p>
      );
    }
    render(<Probe />);
    expect(await screen.findByText('data / ok')).toBeInTheDocument();
    fail = true;
    await act(async () => refresh());
    expect(screen.getByTestId('value')).toHaveTextContent('data / error');
  });
});
