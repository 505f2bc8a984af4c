/**
 * The platform's own commands the seeds name for export-controlled functionality: Unity Connection's
 * `utils cuc encryption enable|disable` and Unified CM's `utils ctl set-cluster mixed-mode|non-secure-mode`
 * (shared/instance/security.ts has the rules), and `show alarms [--csv]`, the alarms the product instance raised.
 */
import { formatInstant } from '../../../shared/codes/dates.ts';
import { toCsv } from '../../../shared/csv.ts';
import { refuse } from '../../../shared/errors.ts';
import { productById } from '../../../shared/catalog.ts';
import { SECURITY_MODES, setSecurity } from '../../../shared/instance/security.ts';
import type { InstanceService } from '../../device/instance-service.ts';
import { table, UsageError } from '../output.ts';
import type { CliContext } from './instance-cli.ts';

export const UTILS_USAGE = [
  '  slr utils cuc encryption enable | disable            Unity Connection: encryption (needs export-controlled functionality)',
  '  slr utils ctl set-cluster mixed-mode | non-secure-mode   Unified CM: the cluster\u2019s mixed mode (the same)',
  '  slr show alarms [--csv]                              the alarms raised, active first',
];

/** The command a line names: which product it belongs to, and on or off. */
function securityCommand(words: readonly string[]): { products: readonly string[]; on: boolean } {
  const line = words.join(' ');
  const forms: Record<string, { products: readonly string[]; on: boolean }> = {
    'utils cuc encryption enable': { products: ['CUC'], on: true },
    'utils cuc encryption disable': { products: ['CUC'], on: false },
    'utils ctl set-cluster mixed-mode': { products: ['UCM', 'SME'], on: true },
    'utils ctl set-cluster non-secure-mode': { products: ['UCM', 'SME'], on: false },
  };
  const form = forms[line];
  if (!form) throw new UsageError(`Unknown: slr ${line.slice(0, 120)}.`, ['Usage:', ...UTILS_USAGE.slice(0, 2)].join('\n'));
  return form;
}

export async function utilsCommand(service: InstanceService, words: readonly string[], ctx: CliContext): Promise<void> {
  const { products, on } = securityCommand(words);
  const message = await service.transact(ctx.now, async (state) => {
    if (!products.includes(state.product)) {
      const mode = SECURITY_MODES[state.product];
      refuse(
        'not-allowed',
        `This product instance is ${productById(state.product)!.name}: \`slr ${words.join(' ')}\` is not its command.`,
        `Use \`slr ${on ? mode.enable : mode.disable}\` (its ${mode.what}).`,
      );
    }
    const r = setSecurity(state, on, ctx.now);
    return { state: r.state, value: r.message };
  });
  ctx.io.out(ctx.json ? JSON.stringify({ ok: true, message, enabled: service.load().security?.enabled ?? false }) : message);
}

/** `show alarms [--csv]`: active alarms first, then the cleared ones, newest first. */
export async function showAlarms(service: InstanceService, args: readonly string[], ctx: CliContext): Promise<void> {
  const csv = args.includes('--csv');
  if (args.some((a) => a !== '--csv')) throw new UsageError('Usage: slr show alarms [--csv] [--json]');
  // Read at this time: an alarm due to time (a registration expired) is raised by the reading.
  const alarms = [...((await service.observe(ctx.now)).alarms ?? [])].sort(
    (a, b) => Number(a.clearedAt !== null) - Number(b.clearedAt !== null) || b.raisedAt - a.raisedAt,
  );
  if (ctx.json) return ctx.io.out(JSON.stringify({ ok: true, alarms, active: alarms.filter((a) => a.clearedAt === null).length }));
  const rows = alarms.map((a) => [
    a.name,
    a.severity,
    a.clearedAt === null ? 'ACTIVE' : 'cleared',
    formatInstant(a.raisedAt),
    a.clearedAt === null ? '' : formatInstant(a.clearedAt),
    a.text,
  ]);
  const header = ['Name', 'Severity', 'State', 'Raised', 'Cleared', 'What to do'];
  if (csv) return ctx.io.out(toCsv(header, rows));
  ctx.io.out(rows.length ? table(header, rows) : 'No alarms.');
}
