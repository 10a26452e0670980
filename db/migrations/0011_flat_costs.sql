-- Issue 14: indexes for every list filter and every foreign key a delete walks, and partial
-- indexes for the cron's sweeps. drizzle runs a migration in one transaction, where CONCURRENTLY
-- cannot run, so each table is locked (reads too, from its DROP INDEX) until the whole migration
-- commits: about 1.5 minutes per million leads; see the README, "Large tables and migration 0011".
DROP INDEX "events_unfanned_idx";--> statement-breakpoint
DROP INDEX "api_keys_workspace_idx";--> statement-breakpoint
DROP INDEX "domains_workspace_idx";--> statement-breakpoint
DROP INDEX "form_responses_lead_idx";--> statement-breakpoint
DROP INDEX "callbacks_due_idx";--> statement-breakpoint
DROP INDEX "callbacks_lead_idx";--> statement-breakpoint
DROP INDEX "webhook_endpoints_workspace_idx";--> statement-breakpoint
DROP INDEX "links_workspace_idx";--> statement-breakpoint
CREATE INDEX "api_keys_agent_idx" ON "api_keys" USING btree ("agent_id") WHERE "api_keys"."agent_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "agents_list_idx" ON "agents" USING btree ("workspace_id","mode","id");--> statement-breakpoint
CREATE INDEX "leads_email_idx" ON "leads" USING btree ("workspace_id","mode",lower("email"),"id");--> statement-breakpoint
CREATE INDEX "leads_name_idx" ON "leads" USING btree ("workspace_id","mode",lower("name") text_pattern_ops,"id");--> statement-breakpoint
CREATE INDEX "leads_domain_idx" ON "leads" USING btree ("domain_id","workspace_id","mode","id") WHERE "leads"."domain_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "form_responses_domain_idx" ON "form_responses" USING btree ("domain_id","workspace_id","mode","id");--> statement-breakpoint
CREATE INDEX "form_responses_list_idx" ON "form_responses" USING btree ("workspace_id","mode","id");--> statement-breakpoint
CREATE INDEX "callbacks_status_idx" ON "callbacks" USING btree ("workspace_id","mode","status","id");--> statement-breakpoint
CREATE INDEX "callbacks_domain_idx" ON "callbacks" USING btree ("domain_id") WHERE "callbacks"."domain_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "callbacks_agent_idx" ON "callbacks" USING btree ("agent_id") WHERE "callbacks"."agent_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "call_attempts_agent_idx" ON "call_attempts" USING btree ("agent_id") WHERE "call_attempts"."agent_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "call_logs_from_digits_idx" ON "call_logs" USING btree ("workspace_id","mode",regexp_replace("from_phone", '[^0-9]', '', 'g'),"id");--> statement-breakpoint
CREATE INDEX "call_logs_to_digits_idx" ON "call_logs" USING btree ("workspace_id","mode",regexp_replace("to_phone", '[^0-9]', '', 'g'),"id");--> statement-breakpoint
CREATE INDEX "call_logs_handled_by_idx" ON "call_logs" USING btree ("workspace_id","mode","handled_by","id");--> statement-breakpoint
CREATE INDEX "call_logs_attempt_idx" ON "call_logs" USING btree ("call_attempt_id","workspace_id","mode","id") WHERE "call_logs"."call_attempt_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "events_type_idx" ON "events" USING btree ("workspace_id","mode","type","id");--> statement-breakpoint
CREATE INDEX "events_unsent_idx" ON "events" USING btree ("sends","enqueued_at","created_at") WHERE "events"."fanned_out_at" IS NULL;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_status_idx" ON "webhook_deliveries" USING btree ("workspace_id","mode","status","id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_by_endpoint_idx" ON "webhook_deliveries" USING btree ("endpoint_id","workspace_id","mode","id") WHERE "webhook_deliveries"."endpoint_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_by_agent_idx" ON "webhook_deliveries" USING btree ("agent_id") WHERE "webhook_deliveries"."agent_id" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "consents_workspace_idx" ON "consents" USING btree ("workspace_id");--> statement-breakpoint
CREATE INDEX "dial_decisions_workspace_idx" ON "dial_decisions" USING btree ("workspace_id");--> statement-breakpoint
CREATE INDEX "sessions_workspace_idx" ON "sessions" USING btree ("workspace_id");--> statement-breakpoint
CREATE INDEX "links_domain_idx" ON "links" USING btree ("domain_id");--> statement-breakpoint
CREATE INDEX "api_keys_workspace_idx" ON "api_keys" USING btree ("workspace_id","mode","id");--> statement-breakpoint
CREATE INDEX "domains_workspace_idx" ON "domains" USING btree ("workspace_id","mode","id");--> statement-breakpoint
CREATE INDEX "form_responses_lead_idx" ON "form_responses" USING btree ("lead_id","workspace_id","mode","id");--> statement-breakpoint
CREATE INDEX "callbacks_due_idx" ON "callbacks" USING btree ("next_attempt_at","id") WHERE "callbacks"."status" IN ('scheduled', 'retry_scheduled');--> statement-breakpoint
CREATE INDEX "callbacks_lead_idx" ON "callbacks" USING btree ("lead_id","workspace_id","mode","id");--> statement-breakpoint
CREATE INDEX "webhook_endpoints_workspace_idx" ON "webhook_endpoints" USING btree ("workspace_id","mode","id");--> statement-breakpoint
CREATE INDEX "links_workspace_idx" ON "links" USING btree ("workspace_id","mode","id");