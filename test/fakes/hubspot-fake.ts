// The HubSpot fake lives in src/stack (the dev stack's sandbox runs it too); tests import it from here.
export { HubSpotFake, type RecordedRequest } from '../../src/stack/hubspot-fake.js';
