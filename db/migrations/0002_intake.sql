ALTER TABLE "agents" ADD COLUMN "callbacks_per_phone_per_hour" integer;--> statement-breakpoint
ALTER TABLE "callbacks" ADD COLUMN "fingerprint" text;--> statement-breakpoint
CREATE INDEX "callbacks_fingerprint_idx" ON "callbacks" USING btree ("workspace_id","mode","fingerprint","created_at");