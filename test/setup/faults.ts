import pg from "pg";

/**
 * Fault injection in the test database, installed once per run (test/setup/stack.ts) so test
 * files running side by side never race to create it. Recording an attempt of a delivery whose
 * event is listed in test_crash_events raises, after its request went out: the consumer dies
 * there as a crash or an outage would kill it. Tests list and unlist their own events only.
 *
 * Storing the response to an Idempotency-Key that starts with fail-store- fails as a lost
 * connection would (08006), after the request's own write has committed.
 */
export async function installFaults(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`
      CREATE TABLE test_crash_events (event_id text PRIMARY KEY);
      CREATE FUNCTION test_crash() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          IF EXISTS (SELECT 1 FROM test_crash_events WHERE event_id = NEW.event_id) THEN RAISE EXCEPTION 'simulated crash'; END IF;
          RETURN NEW;
        END $$;
      CREATE TRIGGER test_crash BEFORE UPDATE OF attempt_count ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION test_crash();
      CREATE FUNCTION test_fail_store() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          RAISE EXCEPTION 'simulated connection failure while storing a response' USING ERRCODE = 'connection_failure';
        END $$;
      CREATE TRIGGER test_fail_store BEFORE UPDATE OF response_status ON idempotency_keys FOR EACH ROW
        WHEN (NEW.key LIKE 'fail-store-%' AND NEW.response_status IS NOT NULL) EXECUTE FUNCTION test_fail_store();`);
  } finally {
    await client.end();
  }
}
