import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Logger } from '../logger.js';
import { HubSpotFake } from '../stack/hubspot-fake.js';
import { startStripeMock, stripeMockPath } from '../stack/stripe-mock.js';
import { startStripeSimulator } from '../stack/stripe-simulator.js';

export interface Sandbox {
  /** Configuration that points the SDK clients at the local stand-ins (to load the config with). */
  env: Record<string, string>;
  /** One line per simulated service, for the start banner. */
  notes: string[];
  /** Tells the simulated services where the API listens (the Stripe simulator's webhooks go there). */
  deliverTo(apiUrl: string): void;
  stop(): Promise<void>;
}

/**
 * The offline sandbox of `npm start` (R-O3): with no Stripe credentials it
 * starts stripe-mock behind the Stripe simulator (src/stack/stripe-simulator.ts:
 * purchases and recharges succeed as in Stripe's test mode, announced by
 * signed webhooks) and points the Stripe SDK at it (before, the dev stack
 * sent its placeholder key to api.stripe.com); with no HubSpot token it
 * starts the local HubSpot fake and points the HubSpot client at it. A
 * variable the user set is never overridden. Only for the all-in-one dev
 * command: the API and worker processes use what they are configured with.
 */
export async function startSandbox(env: Record<string, string | undefined>, logger: Logger): Promise<Sandbox> {
  const sandbox: Sandbox = { env: {}, notes: [], deliverTo: () => undefined, stop: async () => {} };
  const stops: (() => Promise<void>)[] = [];
  const simulateLive = !env.STRIPE_SECRET_KEY && !env.STRIPE_API_BASE;
  // Test-mode accounts always pay at the simulated Stripe, also when a real Stripe is configured (docs/TEST-MODE.md).
  const simulateTest = !env.STRIPE_TEST_API_BASE && !env.STRIPE_API_BASE;
  if (simulateLive || simulateTest) {
    if (existsSync(stripeMockPath)) {
      const mock = await startStripeMock();
      stops.push(() => mock.stop());
      if (simulateLive) {
        // Payments complete as in Stripe's test mode: signed payment_intent.succeeded events to the API's own webhook route.
        const webhookSecret = env.STRIPE_WEBHOOK_SECRET ?? `whsec_${randomBytes(24).toString('base64url')}`;
        const simulator = await startStripeSimulator({ mockUrl: mock.url, webhookSecret, logger });
        stops.push(() => simulator.stop());
        sandbox.env.STRIPE_API_BASE = simulator.url;
        // Test-mode accounts pay at the same simulated Stripe (there is no real one to keep apart from).
        if (simulateTest) sandbox.env.STRIPE_TEST_API_BASE = simulator.url;
        sandbox.env.STRIPE_WEBHOOK_SECRET = webhookSecret;
        sandbox.deliverTo = (apiUrl) => simulator.deliverTo(apiUrl);
        sandbox.notes.push(
          `Payments      simulated: stripe-mock at ${simulator.url} (no Stripe key set; no card is charged; purchases succeed by signed webhook)`,
        );
      } else {
        sandbox.env.STRIPE_TEST_API_BASE = mock.url;
        sandbox.notes.push(`Test mode     payments simulated: stripe-mock at ${mock.url} (bd_test_ keys)`);
      }
    } else if (simulateLive) {
      // Never the real API with the placeholder key: Stripe calls fail fast against a closed port instead.
      sandbox.env.STRIPE_API_BASE = 'http://127.0.0.1:9';
      sandbox.notes.push('Payments      unavailable: no Stripe key and no stripe-mock (run `npm run setup`)');
      logger.warn({ path: stripeMockPath }, 'stripe-mock is not installed: payments are unavailable');
    }
  }
  if (!env.HUBSPOT_ACCESS_TOKEN) {
    const fake = new HubSpotFake();
    await fake.start();
    stops.push(() => fake.stop());
    sandbox.env.HUBSPOT_ACCESS_TOKEN = 'sandbox';
    sandbox.env.HUBSPOT_BASE_URL = fake.url;
    sandbox.notes.push(`HubSpot       simulated: a local fake at ${fake.url} (no HubSpot token set)`);
  }
  sandbox.stop = async () => {
    await Promise.allSettled(stops.reverse().map((stop) => stop()));
  };
  return sandbox;
}
