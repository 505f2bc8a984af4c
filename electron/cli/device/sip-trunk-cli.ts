/**
 * `slr sip-trunk add NAME [--secure]`, `slr sip-trunk remove NAME` and `slr show sip-trunks [--csv]`: Unified
 * CM's SIP trunks as licensing decides them (shared/instance/sip-trunks.ts has the rules: a secure one needs
 * export-controlled functionality, never in the evaluation period).
 */
import { formatInstant } from '../../../shared/codes/dates.ts';
import { toCsv } from '../../../shared/csv.ts';
import { addSipTrunk, removeSipTrunk, sipTrunksOf } from '../../../shared/instance/sip-trunks.ts';
import type { InstanceService } from '../../device/instance-service.ts';
import { table, UsageError } from '../output.ts';
import type { CliContext } from './instance-cli.ts';

export const SIP_TRUNK_USAGE = [
  '  slr sip-trunk add <name> [--secure]                  Unified CM: a SIP trunk (secure: needs export-controlled functionality)',
  '  slr sip-trunk remove <name>                          Unified CM: remove a SIP trunk',
  '  slr show sip-trunks [--csv]                          the SIP trunks, secure or not',
];
const usage = () => ['Usage:', ...SIP_TRUNK_USAGE].join('\n');

/** `slr sip-trunk …` */
export async function sipTrunkCommand(service: InstanceService, words: readonly string[], ctx: CliContext): Promise<void> {
  const [verb, ...rest] = words;
  const secure = rest.includes('--secure');
  const names = rest.filter((w) => w !== '--secure');
  const bad = names.find((w) => w.startsWith('--'));
  if (bad) throw new UsageError(`slr sip-trunk does not take "${bad.slice(0, 40)}".`, usage());
  if (names.length !== 1 || (verb !== 'add' && verb !== 'remove') || (verb === 'remove' && secure))
    throw new UsageError(`Unknown or wrong: slr sip-trunk ${words.join(' ').slice(0, 80)}.`, usage());
  const message = await service.transact(ctx.now, async (state) => {
    const r = verb === 'add' ? addSipTrunk(state, { name: names[0]!, secure }, ctx.now) : removeSipTrunk(state, names[0]!);
    return { state: r.state, value: r.message };
  });
  ctx.io.out(ctx.json ? JSON.stringify({ ok: true, message, sipTrunks: sipTrunksOf(service.load()) }) : message);
}

/** `slr show sip-trunks [--csv]` */
export function showSipTrunks(service: InstanceService, args: readonly string[], ctx: CliContext): void {
  const csv = args.includes('--csv');
  if (args.some((a) => a !== '--csv')) throw new UsageError('Usage: slr show sip-trunks [--csv] [--json]');
  const trunks = sipTrunksOf(service.load());
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, sipTrunks: trunks }));
  const header = ['Name', 'Secure', 'Added'];
  const rows = trunks.map((t) => [t.name, t.secure ? 'yes' : 'no', formatInstant(t.addedAt)]);
  if (csv) return ctx.io.out(toCsv(header, rows));
  ctx.io.out(rows.length ? table(header, rows) : 'No SIP trunks.');
}
