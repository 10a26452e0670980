DROP INDEX "events_unsent_idx";--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "slow_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "paused_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "failure_streak" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "pause_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "probe_delivery_id" text;--> statement-breakpoint
ALTER TABLE "webhook_endpoints" ADD COLUMN "has_parked" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "sends" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Events from before this migration count as fanned out ('-infinity': done, time unknown). A
-- constant default is only recorded, not written to each row, so this takes no time however
-- many events there are; new events get null once the default is dropped.
ALTER TABLE "events" ADD COLUMN "fanned_out_at" timestamp with time zone DEFAULT '-infinity';--> statement-breakpoint
ALTER TABLE "events" ALTER COLUMN "fanned_out_at" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "leased_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "lease_token" text;--> statement-breakpoint
CREATE INDEX "webhook_endpoints_parked_idx" ON "webhook_endpoints" USING btree ("paused_until") WHERE "webhook_endpoints"."has_parked";--> statement-breakpoint
CREATE INDEX "events_unfanned_idx" ON "events" USING btree ("created_at") WHERE "events"."fanned_out_at" IS NULL;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_endpoint_due_idx" ON "webhook_deliveries" USING btree ("endpoint_id","next_attempt_at") WHERE "webhook_deliveries"."status" = 'pending';--> statement-breakpoint
CREATE INDEX "webhook_deliveries_event_idx" ON "webhook_deliveries" USING btree ("event_id");--> statement-breakpoint
-- Except the last day's events that have no delivery rows: those the queue may have lost before
-- this release are sent again by the sweeper (an event with no subscribers is just marked done
-- again). Bounded by id, which starts with the time: the primary key finds them, no table scan.
UPDATE "events" e SET "fanned_out_at" = NULL
WHERE e."id" > (
    SELECT 'evt_' || string_agg(substr('0123456789abcdefghjkmnpqrstvwxyz', (ms / power(32, 9 - i)::bigint % 32)::int + 1, 1), '' ORDER BY i)
    FROM generate_series(0, 9) AS i, (SELECT (extract(epoch FROM now() - interval '1 day') * 1000)::bigint AS ms) AS t)
  AND NOT EXISTS (SELECT 1 FROM "webhook_deliveries" d WHERE d."event_id" = e."id");
