/**
 * Offline usage reports (shared/codes/usage-report.ts): usage-report, usage-acknowledge: entries of the
 * product instance's command table (command-table.ts says what an entry holds). A reserved device reports
 * its usage to License Central on paper or a USB stick and imports the signed acknowledgement it answers;
 * it remembers the reports it made and the last one acknowledged, per reservation.
 */
import { z } from 'zod/mini';
import { formatInstant } from '../codes/dates.ts';
import { digestText } from '../codes/state-digest.ts';
import { makeUsageReport, MAX_REPORT_CHARS, readUsageAck, reportHash, type UsageReport } from '../codes/usage-report.ts';
import { refuse } from '../errors.ts';
import { formatUdi, makeUdi } from '../udi.ts';
import { phased, entry } from './command-entry.ts';
import { never, ENABLE, REQUEST } from './command-words.ts';
import { closedReservationOf, stateDigest } from './reservation.ts';
import { event, withEvents } from './rules.ts';
import { MAX_PENDING_REPORTS, type InstanceState } from './state.ts';
import { overText, reportingOf, usageWords } from './status-text.ts';
import { deriveStatus, productOf } from './status.ts';

const USAGE = 'license smart usage';
const IMPORT = 'License Central imports it (`slr authority usage import FILE --out ACK`)';

export const USAGE_REPORT_COMMANDS = {
  'usage-report': phased({
    phases: { registered: true },
    why: {
      disabled: ['License reservation is not enabled: a usage report is of a reserved device.', ENABLE],
      unregistered: ['No reservation is installed: there is no reservation to report the usage of.', REQUEST],
      'in-progress': ['The reservation is not installed yet: there is nothing to report against.', 'Install the authorization code first.'],
      online: ['Registered online, this instance reports its usage to License Central by itself.', 'Run `license smart usage report` to report now.'],
    },
    issues: 'usage-report',
    needsKey: () => true,
    args: z.strictObject({}),
    bridge: true,
    cli: [
      {
        words: `${USAGE} report`,
        params: [],
        summary: `A reserved device: write a usage report signed with the device key, covering the time since the last one License Central acknowledged; ${IMPORT} and answers with an acknowledgement to import here. (Registered online: report now.)`,
        example: `slr ${USAGE} report --out /media/usb/`,
      },
    ],
    run: (state, _args, ctx) => {
      const t = state.clock.highWater;
      const reservation = state.reservation!;
      const prior = reportingOf(state);
      const report: UsageReport = {
        udi: formatUdi(makeUdi(productOf(state), state.uuid)),
        piid: reservation.piid,
        seq: (prior?.seq ?? 0) + 1,
        acked: prior?.acked?.seq ?? 0,
        since: prior?.acked?.reportAt ?? null,
        at: t,
        ran: reservation.lastTimestamp,
        usage: { ...state.usage },
        authorization: deriveStatus(state, ctx.now).authorization,
        overageMs: state.overage.usedMs,
        digest: digestText(stateDigest(state, ctx.crypto)),
        witness: (state.witness ?? []).slice(-16).map(({ keyId, events, head }) => ({ keyId, events, head })),
      };
      const text = makeUsageReport(report, (m) => ctx.crypto.sign(m));
      const pending = [...(prior?.pending ?? []), { seq: report.seq, at: t, hash: reportHash(ctx.crypto.sha256, text) }].slice(-MAX_PENDING_REPORTS);
      const since = report.since === null ? 'since the code was installed' : `since report #${report.acked} of ${formatInstant(report.since)}`;
      const next: InstanceState = { ...state, usageReports: { piid: reservation.piid, seq: report.seq, pending, acked: prior?.acked ?? null } };
      return {
        state: withEvents(
          next,
          event(t, 'usage-report', `Usage report #${report.seq} made (${since}): ${usageWords(report.usage, 'no licenses in use')}; ${report.authorization}.`),
        ),
        message: `Usage report #${report.seq} (${since}): ${IMPORT} and answers with an acknowledgement to import here (\`${USAGE} acknowledge FILE\`):`,
        issued: { kind: 'usage-report', code: text },
      };
    },
  }),

  'usage-acknowledge': entry({
    needsKey: never,
    args: z.strictObject({ ack: z.string().check(z.minLength(1), z.maxLength(MAX_REPORT_CHARS)) }),
    bridge: true,
    cli: [
      {
        words: `${USAGE} acknowledge`,
        params: [{ name: 'ack', label: '<acknowledgement file>', kind: 'code-file' }],
        summary:
          "Import License Central's signed acknowledgement of a usage report: checked against the report this device made, then shown as the last acknowledged.",
        example: `slr ${USAGE} acknowledge /media/usb/cc920-usage-ack.txt`,
      },
    ],
    run: (state, args, ctx) => {
      const t = state.clock.highWater;
      const { body: ack, signed, signature } = readUsageAck(args.ack);
      if (ack.udi !== formatUdi(makeUdi(productOf(state), state.uuid)))
        refuse('wrong-device', `This acknowledgement is for ${ack.udi}, not for this device.`, 'Import it on the device it names.');
      const signer = state.trustedKeys.find((k) => k.id === ack.keyId);
      if (!signer || !ctx.crypto.verify(signer.publicKey, signed, signature))
        refuse(
          'untrusted',
          signer
            ? `The acknowledgement's signature does not verify with License Central's key ${ack.keyId}: it was altered, or is not License Central's.`
            : `The acknowledgement is signed with key ${ack.keyId}, which this device does not trust.`,
          'Nothing was recorded. Ask License Central for the acknowledgement again (`slr authority usage import` writes it again for the same report).',
        );
      if (ack.piid !== state.reservation?.piid) {
        const closed = closedReservationOf(state, ack.piid);
        refuse(
          'reservation-closed',
          closed
            ? `This acknowledgement is of a report on a reservation this device has given back (${formatInstant(closed.at)}): there is nothing to record.`
            : `This acknowledgement is of a report on reservation ${ack.piid}, not this device's current reservation.`,
          'Nothing was recorded.',
        );
      }
      const prior = reportingOf(state);
      const acked = prior?.acked;
      if (acked && ack.seq <= acked.seq)
        refuse(
          'ack-replayed',
          `Usage report #${ack.seq} was already acknowledged${ack.seq === acked.seq ? ` (imported ${formatInstant(acked.importedAt)})` : `: report #${acked.seq}, a later one, is`}.`,
          'Nothing changed.',
        );
      const made = prior?.pending.find((p) => p.seq === ack.seq);
      if (!made || made.hash !== ack.report)
        refuse(
          'ack-unknown',
          made
            ? `This acknowledgement answers a report #${ack.seq} other than the one this device made on ${formatInstant(made.at)}: its state was copied or put back, or the report was altered.`
            : `This acknowledgement answers report #${ack.seq}, which this device ${ack.seq > (prior?.seq ?? 0) ? 'never made' : 'no longer remembers'}.`,
          'Nothing was recorded. Make a new report (`license smart usage report`) and take it to License Central.',
        );
      const next: InstanceState = {
        ...state,
        usageReports: {
          piid: prior!.piid,
          seq: prior!.seq,
          pending: prior!.pending.filter((p) => p.seq > ack.seq),
          acked: { seq: ack.seq, reportAt: made.at, at: ack.at, keyId: ack.keyId, over: ack.over, missing: ack.missing, importedAt: t },
        },
      };
      const what = `Usage report #${ack.seq} of ${formatInstant(made.at)} acknowledged by License Central on ${formatInstant(ack.at)}: ${overText(ack.over)}.`;
      return { state: withEvents(next, event(t, 'usage-acknowledge', what)), message: what };
    },
  }),
};
