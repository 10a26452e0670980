CREATE TABLE "links" (
	"id" text PRIMARY KEY NOT NULL,
	"workspace_id" text NOT NULL,
	"mode" "mode" NOT NULL,
	"domain_id" text NOT NULL,
	"params" jsonb NOT NULL,
	"thank_you_url" text,
	"key_id" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "links_params_object" CHECK (jsonb_typeof("links"."params") = 'object')
);
--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "links" ADD CONSTRAINT "links_domain_id_domains_id_fk" FOREIGN KEY ("domain_id") REFERENCES "public"."domains"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "links_workspace_idx" ON "links" USING btree ("workspace_id","mode");--> statement-breakpoint
-- Secret keys made with every scope there was get the links scopes too; a key made narrower
-- stays as narrow as it was.
UPDATE "api_keys" SET "scopes" = "scopes" || ARRAY['links:read', 'links:write']
WHERE "kind" = 'secret'
  AND "scopes" @> ARRAY['intake:write', 'leads:read', 'leads:write', 'callbacks:read', 'callbacks:write', 'webhooks:read', 'webhooks:write', 'events:read', 'dnc:read', 'dnc:write', 'agents:read', 'agents:write', 'domains:read', 'domains:write', 'keys:read', 'keys:write', 'metrics:read'];
