'use strict';

const { call, refuse } = require('./api');
const { events, triggerKey, sampleOf } = require('./events');

// One REST-hook trigger per event type. Subscribing makes a Ringback webhook endpoint for the
// Zap's URL and that one type; Ringback then POSTs each event to it in its envelope
// ({id, event, created_at, data}), whose `id` (evt_…) is what Zapier deduplicates on.

const envelopeFields = [
  { key: 'id', label: 'Event ID' },
  { key: 'event', label: 'Event Type' },
  { key: 'created_at', label: 'Event Time', type: 'datetime' },
];

const triggerFor = (entry) => {
  const { type, noun, label, description } = entry;

  const performSubscribe = (z, bundle) =>
    call(z, {
      url: '/v1/webhook_endpoints',
      method: 'POST',
      body: { url: bundle.targetUrl, events: [type], description: `Zapier: ${label}` },
    });

  const performUnsubscribe = async (z, bundle) => {
    const id = bundle.subscribeData?.id;
    if (!id) throw new z.errors.Error('This subscription has no Ringback endpoint id to delete', 'missing_endpoint', 400);
    // Gone already (deleted in the console) is what unsubscribing asks for.
    const response = await z.request({ url: `/v1/webhook_endpoints/${encodeURIComponent(id)}`, method: 'DELETE', skipThrowForStatus: true });
    if (response.status === 204 || response.status === 404) return { id, deleted: true };
    return refuse(response, z);
  };

  // The delivered event as it is: the envelope, with its id.
  const perform = (_z, bundle) => [bundle.cleanedRequest];

  // Recent events of this type, newest first, for Zapier's sample and the Zap editor's test.
  const performList = async (z) => {
    const page = await call(z, { url: '/v1/events', params: { type, limit: 25 } });
    return page.data;
  };

  return {
    key: triggerKey(type),
    noun,
    display: { label, description },
    operation: {
      type: 'hook',
      perform,
      performList,
      performSubscribe,
      performUnsubscribe,
      sample: sampleOf(entry),
      outputFields: envelopeFields,
    },
  };
};

const triggers = Object.fromEntries(events.map((entry) => [triggerKey(entry.type), triggerFor(entry)]));

module.exports = { triggers };
