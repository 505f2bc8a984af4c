/**
 * What can be done to one product instance, opened from the instances list: update (a new code), enter its
 * confirmation code, remove it with its return code, rehost, transfer, or show its latest code again.
 */
import { useEffect, useState, type ReactNode } from 'react';
import type { InstanceLineView, IssuedView } from '../../shared/bridge.ts';
import type { Ready, Refresh } from './types.ts';
import { call } from '../bridge.ts';
import { CodeBox } from '../components/CodeBox.tsx';
import { DeviceStateNotice, ErrorNotice, Notice } from '../components/Notice.tsx';
import { useAction } from '../components/useAction.ts';
import { UpdateWizard } from './UpdateWizard.tsx';
import { ConfirmForm, RehostForm, RemoveForm, TransferForm, type ActionFormProps } from './InstanceActionForms.tsx';

export type InstanceAction = 'update' | 'confirm' | 'remove' | 'rehost' | 'transfer' | 'code';
export const ACTION_LABELS: Record<InstanceAction, string> = {
  update: 'Update Reserved Licenses…',
  confirm: 'Enter Confirmation Code…',
  remove: 'Remove…',
  rehost: 'Rehost Licenses from a Failed Product…',
  transfer: 'Transfer…',
  code: 'Authorization Code',
};

/** The forms of the actions that take input, by action (update has its own wizard; code shows the latest code). */
const FORMS: Partial<Record<InstanceAction, (props: ActionFormProps) => ReactNode>> = {
  confirm: ConfirmForm,
  remove: RemoveForm,
  rehost: RehostForm,
  transfer: TransferForm,
};

export function InstanceActionPanel({
  instance,
  action,
  view,
  refresh,
  close,
}: {
  instance: InstanceLineView;
  action: InstanceAction;
  view: Ready;
  refresh: Refresh;
  close: () => void;
}) {
  const act = useAction();
  const [issued, setIssued] = useState<IssuedView | null>(null);
  // What the action did, and what the device's code said of its state (a forged or rolled-back device).
  const [note, setNote] = useState<{ text: string; warnings: readonly string[] } | null>(null);
  useEffect(() => {
    if (action === 'code') void act.run(async () => setIssued(await call('authorityLatestCode', instance.sn)));
  }, [action, instance.sn, act.run]);
  const after = async (text: string, warnings: readonly string[] = []) => {
    setNote({ text, warnings });
    await refresh();
  };
  const Form = FORMS[action];
  // Done once: after it ran, the form gives way to what it did (and a rehost's to the code it issued).
  const formShown = Form && !note && !(action === 'rehost' && issued);
  return (
    <section className="card action-panel" aria-labelledby="action-title">
      <h3 id="action-title">{`${ACTION_LABELS[action].replace('…', '')}: ${instance.udi}`}</h3>
      {action === 'update' && !issued && (
        <UpdateWizard
          instance={instance}
          view={view}
          onIssued={async (r, message) => {
            setIssued(r);
            await after(message);
          }}
        />
      )}
      {formShown && <Form instance={instance} view={view} after={after} issued={setIssued} />}
      {issued && (
        <CodeBox
          kind="authorization"
          code={issued.code}
          sn={issued.sn}
          caption={`For ${issued.udi}. Install it on the device; after an update, enter the device's confirmation code here.`}
        />
      )}
      {note && <Notice kind="success">{note.text}</Notice>}
      <DeviceStateNotice warnings={note?.warnings} />
      {action === 'code' && <ErrorNotice error={act.error} />}
      <div className="actions">
        <button type="button" onClick={close}>
          Close
        </button>
      </div>
    </section>
  );
}
