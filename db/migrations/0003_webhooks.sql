ALTER TABLE "events" ADD COLUMN "claimed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "dead_letters" ADD COLUMN "reason" text;--> statement-breakpoint
CREATE UNIQUE INDEX "dead_letters_message_idx" ON "dead_letters" USING btree ("queue","message_id");