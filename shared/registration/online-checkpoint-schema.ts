/** The schemas of the online witness (online-checkpoint.ts) in License Central's API: what answers carry, what calls name. */
import { z } from 'zod';

const keyId = z.string().regex(/^[0-9a-f]{16}$/);
const head = z.string().regex(/^[0-9a-f]{64}$/);

export const onlineCheckpointSchema = z.strictObject({
  keyId,
  events: z.number().int().min(0),
  head,
  echo: z.strictObject({ events: z.number().int().min(0), head: head.nullable() }).nullable(),
  signature: z
    .string()
    .min(1)
    .max(200)
    .describe(
      'ECDSA P-256/SHA-256 (DER, base64) over "slr-desk/online-checkpoint/v1|keyId|events|head|echo|instance|seq", echo as "events:head" (head "-" when null) or "-"',
    ),
});

export const seenCheckpointsSchema = z.array(z.strictObject({ keyId, events: z.number().int().min(0), head })).max(100);
