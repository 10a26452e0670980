'use strict';

const { call } = require('./api');

// A Ringback secret key, sent as `Authorization: Bearer`. GET /v1/me checks it and names the
// workspace and mode, which label the connection, so a test key's Zaps are told from live ones.
module.exports = {
  type: 'custom',
  fields: [
    {
      key: 'api_key',
      label: 'Secret API Key',
      type: 'password',
      required: true,
      helpText:
        'A Ringback secret key: `rb_live_…` for real leads and calls, `rb_test_…` for test data and the sandbox. ' +
        'Make one on the console\'s Keys page. It needs the scopes intake:write, leads:read, callbacks:write, dnc:write, ' +
        'events:read and webhooks:write (a new secret key has them all). Publishable keys (`rb_pk_…`) do not work here.',
    },
  ],
  test: (z) => call(z, { url: '/v1/me' }),
  // bundle.inputData is what `test` returned.
  connectionLabel: (_z, bundle) => `${bundle.inputData.workspace.name} (${bundle.inputData.mode})`,
};
