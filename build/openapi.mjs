// Writes electron/server/openapi.json: the OpenAPI document of License Central's API, generated from the
// operations table (shared/authority/api.ts). A test checks that the kept copy is what the server serves.
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../electron/server/openapi.ts';

const path = new URL('../electron/server/openapi.json', import.meta.url);
writeFileSync(path, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`wrote ${path.pathname}`);
