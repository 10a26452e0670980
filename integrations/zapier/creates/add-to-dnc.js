'use strict';

const { call } = require('../lib/api');
const { given } = require('../lib/fields');

// POST /v1/dnc: the number is never dialled again in this key's mode. Adding a number already
// on the list changes nothing and answers the entry as it is (its first reason kept).
module.exports = {
  key: 'add_to_dnc',
  noun: 'Do-Not-Call Entry',
  display: {
    label: 'Add to Do-Not-Call',
    description: 'Puts a phone number on the do-not-call list, so Ringback never calls it.',
  },
  operation: {
    inputFields: [
      { key: 'phone', label: 'Phone', required: true, helpText: 'International format, e.g. +14155550100, or national format with Country.' },
      { key: 'country', label: 'Country', helpText: 'Two letters (US, GB…), only to read a national number. Not stored.' },
      { key: 'reason', label: 'Reason', helpText: 'Why, e.g. "asked not to be called" (up to 500 characters).' },
    ],
    perform: (z, bundle) => call(z, { url: '/v1/dnc', method: 'POST', body: given(bundle.inputData, ['phone', 'country', 'reason']) }),
    sample: { phone: '+14155550123', reason: 'asked not to be called', created_at: '2026-03-02T15:04:05Z' },
    outputFields: [
      { key: 'phone', label: 'Phone (E.164)' },
      { key: 'reason', label: 'Reason' },
      { key: 'created_at', label: 'Added At', type: 'datetime' },
    ],
  },
};
