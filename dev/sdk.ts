import { writeFileSync } from "node:fs";
import { committedSdkSchema, generateSdkSchema, sdkSchemaFile } from "./sdk-schema.ts";

// `npm run sdk` writes sdk/src/schema.ts, the SDK's types, from the committed openapi.json (run
// `npm run openapi` first when the routes changed); `npm run sdk -- --check` writes nothing and
// fails when the committed file is not what the document makes. test/node/sdk.test.ts runs the
// same check in `npm test`.

const generated = await generateSdkSchema();
const size = `${Buffer.byteLength(generated)} bytes`;

if (process.argv.includes("--check")) {
  if (committedSdkSchema() !== generated) {
    console.error("sdk/src/schema.ts is out of date with openapi.json: run `npm run sdk` and commit the result");
    process.exit(1);
  }
  console.log(`sdk/src/schema.ts is current (${size})`);
} else {
  writeFileSync(sdkSchemaFile, generated);
  console.log(`wrote sdk/src/schema.ts (${size})`);
}
