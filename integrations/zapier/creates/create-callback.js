'use strict';

const { call } = require('../lib/api');
const { given } = require('../lib/fields');

// POST /v1/callbacks: creates or updates the lead and schedules a call back to it. The answer is
// the callback, whose next_attempt_at and hold say when it will really ring and why.
module.exports = {
  key: 'create_callback',
  noun: 'Callback',
  display: {
    label: 'Create Callback',
    description: 'Schedules a call back to a lead, now or at a time you choose, within their lawful calling hours.',
  },
  operation: {
    inputFields: [
      { key: 'phone', label: 'Phone', required: true, helpText: 'The lead\'s number in international format, e.g. +14155550100 (national format works when you give a Domain ID whose domain has a country).' },
      { key: 'name', label: 'Name', helpText: 'The lead\'s name. Left empty, the lead keeps the name Ringback has.' },
      { key: 'email', label: 'Email', helpText: 'The lead\'s email. Left empty, the lead keeps the email Ringback has.' },
      {
        key: 'scheduled_at',
        label: 'Call At',
        type: 'datetime',
        helpText: 'When to call. Empty: now. At most 365 days ahead; the call still waits for business and calling hours.',
      },
      {
        key: 'timezone',
        label: 'Lead\'s Time Zone',
        helpText: 'The lead\'s IANA time zone, e.g. America/New_York, for their calling hours. It does not change how Call At is read.',
      },
      { key: 'domain_id', label: 'Domain ID', helpText: 'dom_…: the domain whose hours, country and retry settings apply.' },
      { key: 'agent_id', label: 'Agent ID', helpText: 'agt_…: the agent to connect. Empty: the key\'s agent, if it has one.' },
      { key: 'metadata', label: 'Metadata', dict: true, helpText: 'Your own key/value data, kept on the callback and returned as given.' },
    ],
    perform: (z, bundle) =>
      call(z, {
        url: '/v1/callbacks',
        method: 'POST',
        body: given(bundle.inputData, ['phone', 'name', 'email', 'scheduled_at', 'timezone', 'domain_id', 'agent_id', 'metadata']),
      }),
    sample: {
      id: 'cb_01jnn4a6qv0s3w5y7a9c1e3g5k',
      status: 'scheduled',
      lead_id: 'lead_01jnn4a6qv0s3w5y7a9c1e3g5j',
      phone: '+14155550123',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      domain_id: null,
      agent_id: null,
      agent_override: null,
      source: 'api',
      source_id: null,
      scheduled_at: '2026-03-02T15:04:05Z',
      next_attempt_at: '2026-03-02T15:04:05Z',
      hold: null,
      timezone: 'America/Los_Angeles',
      attempt_count: 0,
      retry: { max_attempts: 5, intervals: [120, 600, 1800, 7200] },
      metadata: {},
      ended_reason: null,
      mode: 'test',
      created_at: '2026-03-02T15:04:05Z',
      updated_at: '2026-03-02T15:04:05Z',
      completed_at: null,
      canceled_at: null,
    },
    outputFields: [
      { key: 'id', label: 'Callback ID' },
      { key: 'status', label: 'Status' },
      { key: 'lead_id', label: 'Lead ID' },
      { key: 'next_attempt_at', label: 'Will Ring At', type: 'datetime' },
      { key: 'hold__reason', label: 'Held Because' },
    ],
  },
};
