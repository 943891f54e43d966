import { afterAll, beforeAll } from 'vitest';
import { startStripeMock, type RunningStripeMock } from '../../src/stack/stripe-mock.js';

/** Stripe's official API mock (installed in .tools/bin by `npm run setup`) on a free port, for one test file. */
export function useStripeMock(): { url: string } {
  const fixture = { url: '' };
  let mock: RunningStripeMock | undefined;
  beforeAll(async () => {
    mock = await startStripeMock();
    fixture.url = mock.url;
  });
  afterAll(async () => {
    await mock?.stop();
  });
  return fixture;
}
