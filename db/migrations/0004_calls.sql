DROP INDEX "call_attempts_callback_number_idx";--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "caller_id" text;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "calling_hours_start" text DEFAULT '08:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "calling_hours_end" text DEFAULT '21:00' NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "daily_attempt_cap" integer DEFAULT 3 NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "record_calls" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "last_dialed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "leg" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "agent_phone" text NOT NULL;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "lead_call_id" text;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "lead_status" "attempt_status";--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "lead_sequence_number" integer;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "error" text;--> statement-breakpoint
CREATE UNIQUE INDEX "call_attempts_callback_leg_idx" ON "call_attempts" USING btree ("callback_id","attempt_number","leg");--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_daily_attempt_cap_positive" CHECK ("domains"."daily_attempt_cap" > 0);