'use strict';

const { call } = require('../lib/api');
const { given } = require('../lib/fields');

const dateTimeHelp = 'YYYY-MM-DD HH:MM:SS, e.g. 2026-03-02 15:04:05, stored as written (no time zone). ' +
  'A Zapier date can be put in this form with Formatter → Date / Time → Format, "YYYY-MM-DD HH:mm:ss".';

// POST /v1/call_logs (callvine's call-log API, seed 001): a record of a call that already
// happened, made elsewhere. It rings no one and writes no lead, callback or event.
module.exports = {
  key: 'log_call',
  noun: 'Call Log',
  display: {
    label: 'Log Call',
    description: 'Records a call that already happened elsewhere (who called whom, who handled it, when, the recording).',
  },
  operation: {
    inputFields: [
      { key: 'from_phone', label: 'From', required: true, helpText: 'The caller\'s phone number or identifier, stored as given.' },
      { key: 'to_phone', label: 'To', required: true, helpText: 'The called party\'s phone number or identifier, stored as given.' },
      { key: 'handled_by', label: 'Handled By', required: true, helpText: 'The name of the agent who handled the call.' },
      { key: 'start_time', label: 'Start Time', required: true, helpText: dateTimeHelp },
      { key: 'end_time', label: 'End Time', required: true, helpText: `${dateTimeHelp} Must be after Start Time.` },
      { key: 'recording_url', label: 'Recording URL', required: true, helpText: 'An http(s) link to the recording.' },
      { key: 'department', label: 'Department', helpText: 'Optional, e.g. Sales.' },
    ],
    perform: async (z, bundle) => {
      const created = await call(z, {
        url: '/v1/call_logs',
        method: 'POST',
        body: given(bundle.inputData, ['from_phone', 'to_phone', 'handled_by', 'start_time', 'end_time', 'recording_url', 'department']),
      });
      // The log itself; callvine's answer wraps it in {success, message, data}.
      return created.data;
    },
    sample: {
      id: 1042,
      from_phone: '+14155550123',
      to_phone: '+14155550100',
      handled_by: 'Agent Smith',
      department: 'Sales',
      start_time: '2026-03-02 15:01:01',
      end_time: '2026-03-02 15:04:05',
      recording_url: 'https://recordings.example/call.mp3',
      title: 'Call from +14155550123 to +14155550100 (handled by Agent Smith)',
      created_at: '2026-03-02 15:04:06',
    },
    outputFields: [
      { key: 'id', label: 'Call Log ID', type: 'integer' },
      { key: 'title', label: 'Title' },
    ],
  },
};
