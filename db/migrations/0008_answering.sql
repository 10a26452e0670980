ALTER TABLE "domains" ADD COLUMN "agent_accept" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "machine_answer" text DEFAULT 'retry' NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "voicemail_message" text;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "retry_after_voicemail" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "release_spacing_seconds" integer DEFAULT 60 NOT NULL;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "simultaneous_ring" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "available" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "timezone" text;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "schedule" jsonb;--> statement-breakpoint
ALTER TABLE "agents" ADD COLUMN "post_call_json" text DEFAULT 'compact' NOT NULL;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "ring_group" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "accepted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "answered_by" text;--> statement-breakpoint
ALTER TABLE "call_attempts" ADD COLUMN "outcome" text;--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_simultaneous_ring" CHECK ("domains"."simultaneous_ring" BETWEEN 1 AND 10);--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_release_spacing" CHECK ("domains"."release_spacing_seconds" BETWEEN 0 AND 3600);--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_machine_answer" CHECK ("domains"."machine_answer" IN ('retry', 'voicemail'));--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_voicemail_message" CHECK ("domains"."machine_answer" <> 'voicemail' OR char_length(btrim(coalesce("domains"."voicemail_message", ''))) BETWEEN 1 AND 1000);--> statement-breakpoint
ALTER TABLE "agents" ADD CONSTRAINT "agents_post_call_json" CHECK ("agents"."post_call_json" IN ('compact', 'python'));