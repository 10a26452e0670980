CREATE TABLE "dead_letters" (
	"id" text PRIMARY KEY NOT NULL,
	"queue" text NOT NULL,
	"message_id" text NOT NULL,
	"attempts" integer NOT NULL,
	"body" jsonb,
	"workspace_id" text,
	"event_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "dead_letters_queue_idx" ON "dead_letters" USING btree ("queue","created_at");