'use strict';

// The event types a Zap can start from: Ringback's catalogue (schemas/events.ts) without
// webhook.test, which is only ever sent to the one endpoint a test names and never fans out, so
// a trigger on it would never fire. Each sample is an event as its webhook carries it (the
// envelope); test/node/zapier-app.test.ts fails when this list and the Worker's catalogue
// differ, or a sample is not a valid event of its type.

const at = '2026-03-02T15:04:05Z';
const lead = 'lead_01jnn4a6qv0s3w5y7a9c1e3g5j';
const callback = 'cb_01jnn4a6qv0s3w5y7a9c1e3g5k';
const call = 'att_01jnn4a6qv0s3w5y7a9c1e3g5m';
const agent = 'agt_01jnn4a6qv0s3w5y7a9c1e3g5n';
const phone = '+14155550123';

const callFields = { call_id: call, callback_id: callback, lead_id: lead, attempt_number: 1, phone, agent_id: agent };

const events = [
  {
    type: 'form_response.created',
    noun: 'Form Response',
    label: 'New Form Response',
    description: 'Triggers when a lead sends a form to Ringback (CallMeBack form responses, the embedded form).',
    data: {
      id: 'fr_01jnn4a6qv0s3w5y7a9c1e3g5p',
      lead_id: lead,
      domain_id: 'dom_01jnn4a6qv0s3w5y7a9c1e3g5q',
      form_type: 'contact',
      form_data: { name: 'Ada Lovelace', email: 'ada@example.com', phone, message: 'Please call me back' },
      source_url: 'https://shop.example/contact',
      created_at: at,
    },
  },
  {
    type: 'lead.updated',
    noun: 'Lead',
    label: 'Lead Created or Updated',
    description: 'Triggers when a lead is created or changes (a new submission, a change through the API, an opt-out).',
    data: {
      id: lead,
      phone,
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      custom_fields: { message: 'Please call me back' },
      opted_out: false,
      created_at: at,
      updated_at: at,
    },
  },
  {
    type: 'callback.scheduled',
    noun: 'Callback',
    label: 'Callback Scheduled',
    description: 'Triggers when a callback to a lead is scheduled, including a retry after an unanswered call.',
    data: { id: callback, lead_id: lead, status: 'scheduled', phone, agent_id: agent, scheduled_at: at, next_attempt_at: at },
  },
  {
    type: 'callback.held',
    noun: 'Callback',
    label: 'Callback Held',
    description: 'Triggers when a due callback may not ring yet (the lead\'s calling hours, business hours, a cap); says why and until when.',
    data: {
      id: callback,
      lead_id: lead,
      status: 'scheduled',
      phone,
      agent_id: agent,
      scheduled_at: at,
      next_attempt_at: '2026-03-03T13:00:00Z',
      hold: { until: '2026-03-03T13:00:00Z', reason: 'calling_hours', rule: 'US-CA 08:00-21:00', citation: null, zone: 'America/Los_Angeles', zone_source: 'phone' },
    },
  },
  {
    type: 'callback.completed',
    noun: 'Callback',
    label: 'Callback Ended',
    description: 'Triggers when a callback reaches its final status: completed, exhausted (every attempt unanswered), canceled or blocked.',
    data: { id: callback, lead_id: lead, status: 'completed', phone, agent_id: agent, scheduled_at: at, completed_at: at, ended_reason: 'connected' },
  },
  {
    type: 'call.initiated',
    noun: 'Call',
    label: 'Call Started',
    description: 'Triggers when Ringback starts a call: it rings the agent first, then bridges the lead.',
    data: { ...callFields, status: 'queued', answered_by: null, at },
  },
  {
    type: 'call.connected',
    noun: 'Call',
    label: 'Call Connected',
    description: 'Triggers when the agent and the lead are talking.',
    data: { ...callFields, status: 'in-progress', answered_by: 'human', at },
  },
  {
    type: 'call.completed',
    noun: 'Call',
    label: 'Call Completed',
    description: 'Triggers when a call in which the lead and an agent talked has ended, with its duration and recording.',
    data: { ...callFields, status: 'completed', answered_by: 'human', duration_seconds: 184, recording_url: 'https://recordings.example/att.mp3', at },
  },
  {
    type: 'call.missed',
    noun: 'Call',
    label: 'Call Missed',
    description: 'Triggers when a call ends without a conversation (busy, no answer, voicemail, no agent took it), with the reason.',
    data: { ...callFields, status: 'no-answer', answered_by: null, reason: 'no-answer', at },
  },
  {
    type: 'post_call',
    noun: 'Call Summary',
    label: 'Post-Call Summary',
    description: 'Triggers when a conversation with a lead has ended, with the call\'s details in Calldock\'s post-call shape.',
    data: {
      webhook_version: 'v1',
      webhook_timestamp: at,
      webhook_type: 'post_call',
      call_id: call,
      agent_id: agent,
      phone_number: phone,
      from_phone_number: '+14155550100',
      status: 'completed',
      intent: null,
      intent_confidence: null,
      lead_data: { name: 'Ada Lovelace', email: 'ada@example.com', phone },
      duration_minutes: 3.07,
      duration_seconds: 184,
      start_time: '2026-03-02T15:01:01Z',
      end_time: at,
      call_successful: 'true',
      language: null,
      credits_deducted: null,
      recording_url: 'https://recordings.example/att.mp3',
      answered_by: 'human',
      metadata: { callback_id: callback, attempt_number: 1 },
    },
  },
];

/** A trigger's key: letters, digits and underscores, as Zapier requires (call.missed → call_missed). */
const triggerKey = (type) => type.replace(/\./g, '_');

/** The sample event, in the envelope every webhook carries. */
const sampleOf = ({ type, data }) => ({ id: 'evt_01jnn4a6qv0s3w5y7a9c1e3g5r', event: type, created_at: at, data });

module.exports = { events, triggerKey, sampleOf };
