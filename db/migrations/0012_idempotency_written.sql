-- An intake's Idempotency-Key is claimed by its own write: such a claim is never taken over, even
-- without a response. A constant default: PostgreSQL 11 and later add the column without rewriting
-- the table.
ALTER TABLE "idempotency_keys" ADD COLUMN "written" boolean DEFAULT false NOT NULL;