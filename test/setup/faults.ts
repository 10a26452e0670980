import pg from "pg";

/**
 * Fault injection in the test database, installed once per run (test/setup/stack.ts) so test
 * files running side by side never race to create it. Recording an attempt of a delivery whose
 * event is listed in test_crash_events raises, after its request went out: the consumer dies
 * there as a crash or an outage would kill it. Tests list and unlist their own events only.
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
      CREATE TRIGGER test_crash BEFORE UPDATE OF attempt_count ON webhook_deliveries FOR EACH ROW EXECUTE FUNCTION test_crash();`);
  } finally {
    await client.end();
  }
}
