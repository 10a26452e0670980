'use strict';

// Ringback for Zapier: API-key authentication, a REST-hook trigger for each webhook event, three
// actions and a search. Deploy with the Zapier CLI from this directory (see the README's Zapier
// section); the tests run it with zapier-platform-core's appTester against `npm run dev`.

const { version: platformVersion } = require('zapier-platform-core');
const { version } = require('./package.json');
const authentication = require('./lib/authentication');
const { toRingback, surfaceErrors } = require('./lib/api');
const { triggers } = require('./lib/triggers');
const createCallback = require('./creates/create-callback');
const logCall = require('./creates/log-call');
const addToDnc = require('./creates/add-to-dnc');
const findLead = require('./searches/find-lead');

module.exports = {
  version,
  platformVersion,
  authentication,
  beforeRequest: [toRingback],
  afterResponse: [surfaceErrors],
  triggers,
  creates: {
    [createCallback.key]: createCallback,
    [logCall.key]: logCall,
    [addToDnc.key]: addToDnc,
  },
  searches: {
    [findLead.key]: findLead,
  },
};
