DROP INDEX "events_unsent_idx";--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "slow_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "paused_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "failure_streak" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "sends" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "fanned_out_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "leased_until" timestamp with time zone;--> statement-breakpoint
-- Events from before this migration: done if they have delivery rows, or are over a day old (an
-- event without subscribers leaves no rows). The rest are sent again by the sweeper, which
-- recovers events the queue lost in the last day.
UPDATE "events" e SET "fanned_out_at" = coalesce(e."enqueued_at", e."created_at")
WHERE EXISTS (SELECT 1 FROM "webhook_deliveries" d WHERE d."event_id" = e."id") OR e."created_at" < now() - interval '1 day';--> statement-breakpoint
UPDATE "events" SET "sends" = 1 WHERE "enqueued_at" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "events_unfanned_idx" ON "events" USING btree ("created_at") WHERE "events"."fanned_out_at" IS NULL;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_endpoint_due_idx" ON "webhook_deliveries" USING btree ("endpoint_id","next_attempt_at") WHERE "webhook_deliveries"."status" = 'pending';