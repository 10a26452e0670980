import { type SQL, sql } from "drizzle-orm";
import { Callback } from "../../schemas/callbacks.ts";
import { Call, FormResponse } from "../../schemas/event-payloads.ts";
import { Lead } from "../../schemas/leads.ts";

// The API's resource objects, built by PostgreSQL from the rows. One builder per resource, used
// both by reads and by the intake statement that writes an event's data in the same round trip
// as the change it describes, so an event's `data` and a GET of the resource cannot disagree.
// Each shape is defined once, by the schema `resources` pairs the builder with; the SQL only
// builds it, and test/worker/resources.test.ts parses the output for rows in every status.

/** ISO 8601 UTC without fractions, as the seeds write times: 2024-01-15T10:30:00Z. */
export const isoSql = (column: SQL) => sql`to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

const col = (alias: string, name: string) => sql.raw(`${alias}."${name}"`);

export function leadJson(l: string): SQL {
  return sql`jsonb_build_object(
    'id', ${col(l, "id")}, 'phone', ${col(l, "phone")}, 'phone_raw', ${col(l, "phone_raw")},
    'phone_2', ${col(l, "phone_2")}, 'name', ${col(l, "name")}, 'email', ${col(l, "email")},
    'country', ${col(l, "country")}, 'timezone', ${col(l, "timezone")}, 'domain_id', ${col(l, "domain_id")},
    'custom_fields', ${col(l, "custom_fields")}, 'opted_out', ${col(l, "opted_out")},
    'mode', ${col(l, "mode")},
    'created_at', ${isoSql(col(l, "created_at"))}, 'updated_at', ${isoSql(col(l, "updated_at"))})`;
}

export function callbackJson(c: string, l: string): SQL {
  return sql`jsonb_build_object(
    'id', ${col(c, "id")}, 'status', ${col(c, "status")}, 'lead_id', ${col(c, "lead_id")},
    'phone', ${col(l, "phone")}, 'name', ${col(l, "name")}, 'email', ${col(l, "email")},
    'domain_id', ${col(c, "domain_id")}, 'agent_id', ${col(c, "agent_id")}, 'agent_override', ${col(c, "agent_override")},
    'source', ${col(c, "source")}, 'source_id', ${col(c, "source_id")},
    'scheduled_at', ${isoSql(col(c, "scheduled_at"))}, 'next_attempt_at', ${isoSql(col(c, "next_attempt_at"))},
    'hold', ${col(c, "hold")},
    'timezone', ${col(c, "timezone")}, 'attempt_count', ${col(c, "attempt_count")},
    'retry', jsonb_build_object('max_attempts', ${col(c, "max_attempts")}, 'intervals', to_jsonb(${col(c, "retry_intervals_seconds")})),
    'metadata', ${col(c, "metadata")}, 'ended_reason', ${col(c, "ended_reason")}, 'mode', ${col(c, "mode")},
    'created_at', ${isoSql(col(c, "created_at"))}, 'updated_at', ${isoSql(col(c, "updated_at"))},
    'completed_at', ${isoSql(col(c, "completed_at"))}, 'canceled_at', ${isoSql(col(c, "canceled_at"))})`;
}

export function formResponseJson(f: string): SQL {
  return sql`jsonb_build_object(
    'id', ${col(f, "id")}, 'lead_id', ${col(f, "lead_id")}, 'domain_id', ${col(f, "domain_id")},
    'form_type', ${col(f, "form_type")}, 'form_data', ${col(f, "form_data")},
    'source_url', ${col(f, "source_url")}, 'user_agent', ${col(f, "user_agent")}, 'ip_address', ${col(f, "ip_address")},
    'created_at', ${isoSql(col(f, "created_at"))})`;
}

/** A call attempt as call.* events describe it: one leg of one attempt of a callback. */
export function callJson(a: string, c: string, l: string): SQL {
  return sql`jsonb_build_object(
    'call_id', ${col(a, "id")}, 'callback_id', ${col(a, "callback_id")}, 'lead_id', ${col(c, "lead_id")},
    'phone', ${col(l, "phone")},
    'attempt_number', ${col(a, "attempt_number")}, 'leg', ${col(a, "leg")},
    'agent_id', ${col(a, "agent_id")}, 'agent_phone', ${col(a, "agent_phone")},
    'status', coalesce(${col(a, "lead_status")}::text, ${col(a, "status")}::text),
    'agent_status', ${col(a, "status")}, 'lead_status', ${col(a, "lead_status")},
    'provider', ${col(a, "provider")}, 'provider_call_id', ${col(a, "provider_call_id")},
    'duration_seconds', ${col(a, "duration_seconds")}, 'recording_url', ${col(a, "recording_url")},
    'answered_by', ${col(a, "answered_by")}, 'outcome', ${col(a, "outcome")},
    'mode', ${col(a, "mode")}, 'at', ${isoSql(sql`now()`)})`;
}

/** Each builder beside the schema its JSON must parse with, strictly. A builder not listed here fails the tests. */
export const resources = {
  lead: { build: leadJson, schema: Lead },
  callback: { build: callbackJson, schema: Callback },
  formResponse: { build: formResponseJson, schema: FormResponse },
  call: { build: callJson, schema: Call },
} as const;
