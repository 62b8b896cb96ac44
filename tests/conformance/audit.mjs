// The GraphQL-over-HTTP audit of graphql-http (its own audit suite, unchanged) against one endpoint.
//   node tests/conformance/audit.mjs http://127.0.0.1:PORT/graphql
// Prints one JSON array: {id, name, status, reason} per audit. test_graphql_http_audit.py runs it.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs URL');
  process.exit(2);
}
const results = await auditServer({ url, fetchFn: fetch });
const rows = results.map(({ id, name, status, reason }) => ({ id, name, status, reason: reason ?? null }));
process.stdout.write(JSON.stringify(rows) + '\n');
