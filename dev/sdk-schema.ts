import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString, COMMENT_HEADER } from "openapi-typescript";

// The SDK's types are openapi-typescript's reading of the committed openapi.json: the same bytes
// its CLI writes (`npx openapi-typescript openapi.json --default-non-nullable false -o
// sdk/src/schema.ts`), so anyone can check the file without trusting this script. One option
// differs from the default: a property with a default is optional, as the document says. The
// default makes it required wherever a schema is a named component, so creating a webhook
// endpoint would have to send `enabled` and creating a key `kind`; no answer's schema has a
// default, so nothing the API sends loses a guarantee.

export const openapiFile = fileURLToPath(new URL("../openapi.json", import.meta.url));
export const sdkSchemaFile = fileURLToPath(new URL("../sdk/src/schema.ts", import.meta.url));

/** What sdk/src/schema.ts should hold for the committed openapi.json. */
export async function generateSdkSchema(): Promise<string> {
  // The document as a file URL, as the CLI passes it; `silent` keeps its progress lines out of a check.
  const ast = await openapiTS(new URL(`file://${openapiFile}`), { defaultNonNullable: false, silent: true });
  return `${COMMENT_HEADER}${astToString(ast)}`;
}

/** The committed file, or "" when there is none yet. */
export function committedSdkSchema(): string {
  try {
    return readFileSync(sdkSchemaFile, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw error;
  }
}
