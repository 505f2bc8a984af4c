#!/usr/bin/env node
// The `slr` command. Node >= 22.18 runs the TypeScript sources directly (type stripping).
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2));
