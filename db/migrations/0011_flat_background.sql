DROP INDEX "events_unfanned_idx";--> statement-breakpoint
DROP INDEX "callbacks_due_idx";--> statement-breakpoint
CREATE INDEX "events_unsent_idx" ON "events" USING btree ("sends","enqueued_at","created_at") WHERE "events"."fanned_out_at" IS NULL;--> statement-breakpoint
CREATE INDEX "callbacks_due_idx" ON "callbacks" USING btree ("next_attempt_at","id") WHERE "callbacks"."status" IN ('scheduled', 'retry_scheduled');