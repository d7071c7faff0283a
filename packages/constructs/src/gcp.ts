/**
 * The customer-managed Cloud KMS key every GCP bundle encrypts its data with: a key ring and a
 * key where the data lives (a key must be in the data's location), rotating, and the grants that
 * let the Google services that write the data use it. Written once here; five bundles used to
 * write it themselves. The names, the service agents and the location rules are data, in
 * `@parity/model`'s cmek.ts (`pnpm check` reads them without loading a CDK).
 *
 * Construct IDs are public API: `key-ring`, `key` and one grant per user (`key-user-<agent>`), each
 * with `idSuffix` when a bundle keeps a key in more than one location, in the scope the bundle
 * passes, exactly where the bundles created them before. `gcp.test.ts` pins them.
 */
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project/index.js';
import { KmsCryptoKeyIamMember } from '@cdktf/provider-google/lib/kms-crypto-key-iam-member/index.js';
import { KmsCryptoKey } from '@cdktf/provider-google/lib/kms-crypto-key/index.js';
import { KmsKeyRing } from '@cdktf/provider-google/lib/kms-key-ring/index.js';
import type { Construct } from 'constructs';
import {
  bundleRuleBroken,
  type DeployContext,
  type GcpKeyUser,
  KEY_ROTATION_PERIOD,
  KEY_USER_ROLE,
  keyNames,
  refuseOne,
  serviceAgentMember,
} from '@parity/model';

/** Who may encrypt and decrypt with a key: an IAM member, and the construct ID of its grant. */
export interface GcpKeyUserGrant {
  readonly id: string;
  readonly member: string;
}

/** What a bundle says about one of its keys. */
export interface GcpKeyProps {
  /** The project the key ring is created in (the environment's). */
  readonly project: string;
  /** Where the data lives: a region or a Cloud Storage location; the key's Cloud KMS location follows from it (`kmsLocation`). */
  readonly location: string;
  /** Who may use the key (`serviceAgents(...)` for Google's service agents). */
  readonly users: readonly GcpKeyUserGrant[];
  /** Appended to the key ring's and the key's construct IDs, for a second key in the same scope. @default '' */
  readonly idSuffix?: string;
  /** Days a destroyed key version can still be restored (`destroy_scheduled_duration`). @default - Cloud KMS's own (30) */
  readonly deletionWindowDays?: number;
}

/** A key and the grants that must exist before a service uses it (make the resource that uses it depend on them). */
export interface GcpKey {
  readonly key: KmsCryptoKey;
  readonly grants: readonly KmsCryptoKeyIamMember[];
}

/**
 * The environment's GCP project, which every key ring, grant and service account of a GCP bundle
 * is created in. Resolution gives every GCP environment one (the definition's `gcp.project`
 * pattern); this refuses a deploy called without resolution, saying what needed the project.
 */
export function environmentProject(ctx: DeployContext<unknown>, needs: string): string {
  const project = ctx.env.gcpProject;
  if (!project) {
    refuseOne(
      bundleRuleBroken(ctx.bundle.name, {
        param: 'gcp.project',
        message: `${ctx.bundle.name}: environment ${ctx.env.name} has no GCP project; ${needs}`,
        allowed: "a project ID, from the definition's gcp.project pattern (environments/platform.yaml)",
        fix: 'deploy a resolved environment (resolve() gives every GCP environment its project), as pnpm synth does',
      }),
    );
  }
  return project;
}

/** The project's number (`data.google_project`, construct ID `project`), which service agents' identities are built on. */
export function projectNumber(scope: Construct, project: string): string {
  return new DataGoogleProject(scope, 'project', { projectId: project }).number;
}

/** Grants for Google's service agents in the project numbered `number`, one per agent (`key-user-<agent>`). */
export function serviceAgents(agents: readonly GcpKeyUser[], number: string): GcpKeyUserGrant[] {
  return agents.map((agent) => ({ id: `key-user-${agent}`, member: serviceAgentMember(agent, number) }));
}

/** A key ring and a rotating key where the data lives, usable by `users`, in `scope` (the bundle's). */
export function gcpKey(scope: Construct, ctx: DeployContext<unknown>, props: GcpKeyProps): GcpKey {
  const suffix = props.idSuffix ?? '';
  const names = keyNames(ctx, props.location);
  const ring = new KmsKeyRing(scope, `key-ring${suffix}`, { project: props.project, name: names.ring, location: names.location });
  const key = new KmsCryptoKey(scope, `key${suffix}`, {
    name: names.key,
    keyRing: ring.id,
    rotationPeriod: KEY_ROTATION_PERIOD,
    ...(props.deletionWindowDays === undefined ? {} : { destroyScheduledDuration: `${props.deletionWindowDays * 86_400}s` }),
    labels: { ...ctx.tags },
  });
  const grants = props.users.map(
    (u) => new KmsCryptoKeyIamMember(scope, u.id, { cryptoKeyId: key.id, role: KEY_USER_ROLE, member: u.member }),
  );
  return { key, grants };
}
