CREATE TABLE "consents" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"mode" "mode" NOT NULL,
	"lead_id" text NOT NULL,
	"source" text NOT NULL,
	"source_id" text,
	"text" text NOT NULL,
	"text_sha256" text NOT NULL,
	"version" text,
	"checked" boolean NOT NULL,
	"page_url" text,
	"ip_address" text,
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dial_decisions" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"mode" "mode" NOT NULL,
	"lead_id" text NOT NULL,
	"callback_id" text,
	"seq" integer NOT NULL,
	"outcome" text NOT NULL,
	"record" text NOT NULL,
	"prev_hash" text,
	"hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dial_decisions_outcome" CHECK ("dial_decisions"."outcome" IN ('dialled', 'held', 'blocked'))
);
--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "timezone" text;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "calling_hours_start" text;--> statement-breakpoint
ALTER TABLE "workspaces" ADD COLUMN "calling_hours_end" text;--> statement-breakpoint
ALTER TABLE "domains" ADD COLUMN "require_consent" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "decision_seq" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "decision_head" text;--> statement-breakpoint
ALTER TABLE "callbacks" ADD COLUMN "hold" jsonb;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dial_decisions" ADD CONSTRAINT "dial_decisions_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dial_decisions" ADD CONSTRAINT "dial_decisions_lead_id_leads_id_fk" FOREIGN KEY ("lead_id") REFERENCES "public"."leads"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dial_decisions" ADD CONSTRAINT "dial_decisions_callback_id_callbacks_id_fk" FOREIGN KEY ("callback_id") REFERENCES "public"."callbacks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "consents_lead_idx" ON "consents" USING btree ("lead_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "dial_decisions_lead_seq_idx" ON "dial_decisions" USING btree ("lead_id","seq");--> statement-breakpoint
CREATE INDEX "dial_decisions_callback_idx" ON "dial_decisions" USING btree ("callback_id");--> statement-breakpoint
ALTER TABLE "workspaces" ADD CONSTRAINT "workspaces_calling_hours" CHECK (("workspaces"."calling_hours_start" IS NULL AND "workspaces"."calling_hours_end" IS NULL) OR ("workspaces"."calling_hours_start" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND "workspaces"."calling_hours_end" ~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' AND "workspaces"."calling_hours_start" < "workspaces"."calling_hours_end"));--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_calling_hours" CHECK (("domains"."calling_hours_start" IS NULL AND "domains"."calling_hours_end" IS NULL) OR ("domains"."calling_hours_start" ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$' AND "domains"."calling_hours_end" ~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$' AND "domains"."calling_hours_start" < "domains"."calling_hours_end"));