'use strict';

const { call } = require('../lib/api');
const { given } = require('../lib/fields');

// GET /v1/leads?phone=… or ?email=…: a lead is one per phone (in E.164) in a workspace and mode;
// an email may match several, newest first, of which Zapier uses the first.
module.exports = {
  key: 'find_lead',
  noun: 'Lead',
  display: {
    label: 'Find Lead',
    description: 'Finds a lead by phone number or email.',
  },
  operation: {
    inputFields: [
      { key: 'phone', label: 'Phone', helpText: 'International format, e.g. +14155550100.' },
      { key: 'email', label: 'Email', helpText: 'Matched without regard to case. Give a phone, an email, or both.' },
    ],
    perform: async (z, bundle) => {
      const params = given(bundle.inputData, ['phone', 'email']);
      if (Object.keys(params).length === 0) {
        throw new z.errors.Error('Give a phone number or an email to find a lead by', 'missing_field', 400);
      }
      const page = await call(z, { url: '/v1/leads', params: { ...params, limit: 10 } });
      return page.data;
    },
    sample: {
      id: 'lead_01jnn4a6qv0s3w5y7a9c1e3g5j',
      phone: '+14155550123',
      phone_raw: '+1 415 555 0123',
      phone_2: null,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      country: 'US',
      timezone: 'America/Los_Angeles',
      domain_id: null,
      custom_fields: { message: 'Please call me back' },
      opted_out: false,
      mode: 'test',
      created_at: '2026-03-02T15:04:05Z',
      updated_at: '2026-03-02T15:04:05Z',
    },
    outputFields: [
      { key: 'id', label: 'Lead ID' },
      { key: 'phone', label: 'Phone' },
      { key: 'name', label: 'Name' },
      { key: 'email', label: 'Email' },
    ],
  },
};
